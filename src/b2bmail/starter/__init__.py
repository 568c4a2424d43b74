"""The starter campaign `b2bmail init` copies: campaign file, segments, templates, recipients.

This folder is the one canonical copy of the starter templates and segments; the repository's
top-level `templates/` and `segments/` are symbolic links to it, so what the examples use and
what an installed package scaffolds cannot drift apart. Read through importlib.resources so
it works from a wheel as well as from a checkout.

May import: languages and render (localize.py), errors and output (the files are written
through its one atomic guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.output import write_atomic
from b2bmail.starter.localize import (
    DEFAULT_STARTER_LOCALE,
    locale_for_languages,
    localize_starter,
)

_SKIP = {"__pycache__"}
_CAMPAIGN = ("campaign.yaml",)
_SEGMENTS = ("segments", "segments.yaml")
_RECIPIENTS = ("recipients.csv",)
_LOCALIZED = (_CAMPAIGN, _SEGMENTS, _RECIPIENTS)


def _files(
    node: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        # The package's own modules (this one, localize.py) are not part of the campaign.
        if child.name in _SKIP or child.name.endswith((".py", ".pyc")):
            continue
        if child.is_dir():
            found.extend(_files(child, (*prefix, child.name)))
        else:
            found.append(((*prefix, child.name), child))
    return found


def scaffold_campaign(
    directory: str | Path,
    languages: Sequence[str] = (),
    locale: str | None = None,
) -> list[Path]:
    """Copy the starter campaign into `directory` (new or empty); return the files written.

    `locale` (one of STARTER_LOCALES) sets the language of its words, the currency, VAT rate,
    legal mentions and sample recipients (localize.py). With `languages` (ISO 639-1 codes,
    the first the default), the campaign declares them and words its texts per language
    (languages.py). With neither, the starter is copied as packaged (English, UK)."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            _("folder is not empty"),
            path=target,
            hint=_("choose a new folder name; nothing was overwritten"),
        )
    files = _files(resources.files("b2bmail.starter"))
    localized: dict[tuple[str, ...], str] = {}
    if locale is not None or languages:
        texts = {parts: source.read_text("utf-8") for parts, source in files if parts in _LOCALIZED}
        starter = localize_starter(
            texts[_CAMPAIGN],
            texts[_SEGMENTS],
            texts[_RECIPIENTS],
            locale or locale_for_languages(DEFAULT_STARTER_LOCALE, languages),
            languages,
        )
        localized = {
            _CAMPAIGN: starter.campaign,
            _SEGMENTS: starter.segments,
            _RECIPIENTS: starter.recipients,
        }
    written = []
    for parts, source in files:
        path = target.joinpath(*parts)
        text = localized.get(parts)
        write_atomic(path, source.read_bytes() if text is None else text.encode("utf-8"))
        written.append(path)
    return written
