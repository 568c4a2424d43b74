"""Full-page screenshots of one email at each width, plus an "images off" shot."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import PreviewError
from b2bmail.preview.chromium import Tab

DEFAULT_WIDTHS = (600, 375)
MIN_WIDTH, MAX_WIDTH = 200, 2000


@dataclass(frozen=True)
class Shot:
    """One PNG screenshot of an email."""

    width: int
    height: int
    images: bool  # False: every image refused, as clients that block images show the email
    filename: str
    png: bytes

    @property
    def label(self) -> str:
        kind = "desktop" if self.width >= 500 else "phone"
        return f"{kind} · {self.width} px" + ("" if self.images else " · images off")


def parse_widths(text: str) -> tuple[int, ...]:
    """`600,375` -> (600, 375); each width between 200 and 2000 CSS pixels."""
    widths: list[int] = []
    for part in text.split(","):
        part = part.strip().lower().removesuffix("px")
        if not part.isdigit() or not MIN_WIDTH <= int(part) <= MAX_WIDTH:
            raise PreviewError(
                f"invalid width {part!r} in --widths {text!r}",
                hint=f"give comma-separated pixel widths between {MIN_WIDTH} and {MAX_WIDTH}, e.g. 600,375",
            )
        if int(part) not in widths:
            widths.append(int(part))
    return tuple(widths)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise PreviewError("Chromium returned something that is not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def shoot_email(tab: Tab, html_path: Path, widths: Sequence[int]) -> tuple[Shot, ...]:
    """Screenshots of the email at `html_path`: each width with images, then images off.

    The images-off shot is taken at the first width (the desktop reading pane): that is where
    a B2B reader behind an image-blocking Outlook sees it.
    """
    url = html_path.resolve().as_uri()
    shots: list[Shot] = []
    plan = [(width, True) for width in widths] + [(widths[0], False)]
    for width, images in plan:
        png = tab.capture(url, width, images=images)
        actual_width, height = png_size(png)
        suffix = "" if images else "-images-off"
        shots.append(Shot(actual_width, height, images, f"shot-{width}{suffix}.png", png))
    return tuple(shots)
