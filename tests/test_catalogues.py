"""The fr and nl catalogues are complete: every message of the source translated, with the same
placeholders, and the shipped .mo files compiled from the current .po files."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parents[1] / "tools" / "catalogues.py"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogues", TOOL)
    assert spec and spec.loader, TOOL
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated_in_french_and_dutch() -> None:
    assert list(load_tool().problems()) == []


def test_a_message_inside_an_f_string_is_reported(tmp_path: Path) -> None:
    # Babel reads an f-string as one token: `_("open full size")` in one stayed English in the
    # French gallery while the catalogue check said "complete".
    source = tmp_path / "page.py"
    source.write_text(
        "from b2bmail.i18n import _\n"
        "title = _('shown')\n"
        "name = 'x'\n"
        'html = f\'<a title="{_("open full size")}">{_(name)}</a>\'\n',
        encoding="utf-8",
    )
    assert list(load_tool().hidden_messages([source])) == [(source, 4, "open full size")]


def test_no_message_sends_the_reader_to_the_readme() -> None:
    # The README is a landing page now (issue 18): "(see the README)" in the gallery, the serve
    # page and three help texts pointed at sections that moved to the manual. README.txt is
    # the file `export` writes, not the README.
    tool = load_tool()
    stale = [
        message.id
        for domain in tool.DOMAINS
        for message in tool.template(domain)
        if message.id and "README" in str(message.id).replace("README.txt", "")
    ]
    assert stale == []
