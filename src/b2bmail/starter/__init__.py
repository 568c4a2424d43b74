"""The starter campaign `b2bmail init` copies: campaign file, segments, templates, recipients.

This folder is the one canonical copy of the starter templates and segments; the repository's
top-level `templates/` and `segments/` are symbolic links to it, so what the examples use and
what an installed package scaffolds cannot drift apart. Read through importlib.resources so
it works from a wheel as well as from a checkout.

May import: errors and output (the files are written through its one atomic guard).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.languages import language_locale
from b2bmail.output import write_atomic

_SKIP = {"__init__.py", "__pycache__"}


def _files(
    node: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name in _SKIP or child.name.endswith(".pyc"):
            continue
        if child.is_dir():
            found.extend(_files(child, (*prefix, child.name)))
        else:
            found.append(((*prefix, child.name), child))
    return found


def _with_languages(text: str, languages: Sequence[str]) -> str:
    """The starter campaign file for `languages` (the first is the default): the locale of
    the default language, `languages:` declared, and the subject and preheader given per
    language (the starter's English text in each, to translate)."""
    locale_line = re.search(r"^locale: (\S+)$", text, re.M)
    assert locale_line is not None  # the packaged starter has one
    locale = language_locale(locale_line.group(1), languages[0])
    text = text.replace(
        locale_line.group(0), f"locale: {locale}\nlanguages: [{', '.join(languages)}]"
    )
    for key in ("subject", "preheader"):
        line = re.search(rf"^{key}: (.+)$", text, re.M)
        assert line is not None
        value = line.group(1)
        per_language = "".join(
            f"\n  {lang}: {value}" + ("" if lang == "en" else "  # to translate")
            for lang in languages
        )
        text = text.replace(line.group(0), f"{key}:{per_language}")
    return text


def scaffold_campaign(directory: str | Path, languages: Sequence[str] = ()) -> list[Path]:
    """Copy the starter campaign into `directory` (new or empty); return the files written.
    With `languages` (ISO 639-1 codes, the first the default), the campaign declares them
    and gives its subject and preheader per language (languages.py)."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            _("folder is not empty"),
            path=target,
            hint=_("choose a new folder name; nothing was overwritten"),
        )
    written = []
    for parts, source in _files(resources.files("b2bmail.starter")):
        path = target.joinpath(*parts)
        data = source.read_bytes()
        if languages and parts == ("campaign.yaml",):
            data = _with_languages(data.decode("utf-8"), languages).encode("utf-8")
        write_atomic(path, data)
        written.append(path)
    return written
