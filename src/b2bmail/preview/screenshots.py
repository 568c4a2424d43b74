"""Full-page screenshots of one email at each width, plus an "images off" shot."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import PreviewError
from b2bmail.i18n import N_, _
from b2bmail.preview.chromium import Tab
from b2bmail.preview.darkmode import invert_colours
from b2bmail.preview.outlook import outlook_view

# Desktop reading pane, a current phone, and the narrowest phones still in use (iPhone SE 1st
# generation, small Android): 320 px is where fixed-width tables break first.
DEFAULT_WIDTHS = (600, 375, 320)
MIN_WIDTH, MAX_WIDTH = 200, 2000


@dataclass(frozen=True)
class Shot:
    """One PNG screenshot of an email."""

    width: int
    height: int
    images: bool  # False: every image refused, as clients that block images show the email
    filename: str
    png: bytes
    view: str = "light"  # one of VIEWS

    @property
    def label(self) -> str:
        """`desktop · 600 px · images off · dark (Apple Mail)`, in the current language."""
        kind = _("desktop") if self.width >= 500 else _("phone")
        parts = [_("{kind} · {width} px").format(kind=kind, width=self.width)]
        if not self.images:
            parts.append(_("images off"))
        view = VIEWS[self.view][1]
        if view:  # _("") would be the catalogue's header
            parts.append(_(view))
        return " · ".join(parts)


# view -> (file with the HTML shot, label suffix). Dark and Outlook views are simulations:
# see preview/darkmode.py and preview/outlook.py for what they capture and what they do not.
VIEWS = {
    "light": ("email.html", ""),
    "dark": ("email.html", N_("dark (Apple Mail)")),
    "dark-inverted": ("email.dark-inverted.html", N_("dark (Outlook.com, Gmail app)")),
    "outlook": ("email.outlook.html", N_("Outlook for Windows (simulated)")),
}


def write_views(folder: Path, html: str) -> None:
    """Write the email and its simulated views beside each other (relative images resolve)."""
    (folder / "email.html").write_text(html, encoding="utf-8")
    (folder / VIEWS["dark-inverted"][0]).write_text(invert_colours(html), encoding="utf-8")
    (folder / VIEWS["outlook"][0]).write_text(outlook_view(html), encoding="utf-8")


def parse_widths(text: str) -> tuple[int, ...]:
    """`600,375` -> (600, 375); each width between 200 and 2000 CSS pixels."""
    widths: list[int] = []
    for part in text.split(","):
        part = part.strip().lower().removesuffix("px")
        if not part.isdigit() or not MIN_WIDTH <= int(part) <= MAX_WIDTH:
            raise PreviewError(
                _("invalid width {width!r} in --widths {widths!r}").format(width=part, widths=text),
                hint=_(
                    "give comma-separated pixel widths between {low} and {high}, e.g. 600,375"
                ).format(low=MIN_WIDTH, high=MAX_WIDTH),
            )
        if int(part) not in widths:
            widths.append(int(part))
    return tuple(widths)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise PreviewError(_("Chromium returned something that is not a PNG"))
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def shoot_email(tab: Tab, folder: Path, widths: Sequence[int]) -> tuple[Shot, ...]:
    """Screenshots of the email in `folder` (written by `write_views`): each width with images,
    then images off, dark (media query), dark (inverted) and Outlook, at the first width.

    The other shots are taken at the first width (the desktop reading pane): that is where a
    B2B reader behind an image-blocking or dark-mode Outlook sees it.
    """
    shots: list[Shot] = []
    first = widths[0]
    plan = [(width, True, "light") for width in widths] + [
        (first, False, "light"),
        (first, True, "dark"),
        (first, True, "dark-inverted"),
        (first, True, "outlook"),
    ]
    for width, images, view in plan:
        url = (folder / VIEWS[view][0]).resolve().as_uri()
        png = tab.capture(url, width, images=images, dark=view == "dark")
        actual_width, height = png_size(png)
        suffix = ("" if images else "-images-off") + ("" if view == "light" else f"-{view}")
        shots.append(Shot(actual_width, height, images, f"shot-{width}{suffix}.png", png, view))
    return tuple(shots)
