"""Dark-mode simulations: partial inversion (Outlook.com, Gmail app) and the forced media query."""

from __future__ import annotations

import pytest

from b2bmail.preview.darkmode import force_dark_media, invert_colours
from b2bmail.preview.model import inbox_snippet


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('style="background-color:#ffffff"', 'style="background-color:#1c1c1c"'),  # light bg
        ('style="background:#fff url(a.png)"', 'style="background:#1c1c1c url(a.png)"'),
        ('bgcolor="white"', 'bgcolor="#1c1c1c"'),
        ('style="color:#000000"', 'style="color:#e3e3e3"'),  # dark text lightened
        ('style="background:#17324d"', 'style="background:#17324d"'),  # dark bg kept
        ('style="color:#ffffff"', 'style="color:#ffffff"'),  # light text kept
        ('style="color:var(--x)"', 'style="color:var(--x)"'),  # unknown: as declared
    ],
)
def test_partial_inversion(before: str, after: str) -> None:
    html = invert_colours(f"<html><head></head><body><td {before}>x</td></body></html>")
    assert f"<td {after}>" in html
    assert "<head><style>:root{color-scheme:dark}" in html


def test_forced_dark_media_matches_dark_and_never_light() -> None:
    css = "@media (prefers-color-scheme: dark){a{}} @media (prefers-color-scheme:light){b{}}"
    assert force_dark_media(css) == "@media (min-width:0){a{}} @media (max-width:-1px){b{}}"


@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE html>"])
def test_snippet_reads_the_built_html_with_or_without_doctype(doctype: str) -> None:
    html = (
        f"{doctype}<html><head><title>Title</title><style>p{{}}</style></head><body>"
        '<div style="display:none">Pre&nbsp;&zwnj;</div>\n  <p>Hello\n\tworld</p></body></html>'
    )
    assert inbox_snippet(html) == "Pre\u00a0\u200c Hello world"
    assert inbox_snippet(html, 7) == "Pre\u00a0\u200c H"
