"""Measure each segment's email as Chromium lays it out at phone width (issue 16).

The script and the rules that read its result are lint's (lint/layout.py, through
campaign.py): this module only opens the email at each phone width and runs the script.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from b2bmail.campaign import layout_script
from b2bmail.preview.chromium import Tab

#: Widths under this are phones (the gallery labels them so, `Shot.label`).
PHONE_WIDTH_LIMIT = 500


def phone_widths(widths: Iterable[int]) -> tuple[int, ...]:
    """The phone widths among the shot widths (under `PHONE_WIDTH_LIMIT`)."""
    return tuple(w for w in widths if w < PHONE_WIDTH_LIMIT)


def measure_email(tab: Tab, page: Path, widths: Sequence[int]) -> tuple[dict[str, Any], ...]:
    """Open the email file `page` at each phone width among `widths` as its light shot shows
    it (images on, light colour scheme) and return what the layout script measured there."""
    script = layout_script()
    measured = []
    for width in phone_widths(widths):
        tab.set_images(enabled=True)
        tab.set_colour_scheme(dark=False)
        tab.set_viewport(width, 800)
        tab.navigate(page.resolve().as_uri())
        measured.append(dict(tab.evaluate(script)))
    return tuple(measured)
