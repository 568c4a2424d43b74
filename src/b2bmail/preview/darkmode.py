"""Dark-mode simulations of a built email, for the preview's dark shots and views.

Two families of clients (Litmus and Parcel's published dark-mode tests, 2023):

* Apple Mail and iOS Mail honour `@media (prefers-color-scheme: dark)`: the email's own dark
  styles apply, nothing else changes. `preview` emulates that through DevTools
  (Emulation.setEmulatedMedia); `serve` cannot drive the reader's browser, so it rewrites the
  media query to match (`force_dark_media`).
* Outlook.com and the Gmail app (Android; iOS with partial inversion too) ignore that media
  query and recolour the email themselves: light backgrounds are darkened and dark text is
  lightened, while dark backgrounds, light text and images are kept ("partial inversion").
  `invert_colours` applies that rule to every colour the HTML declares.

What this does not capture: the clients' exact palettes (they are not published), Gmail iOS's
full inversion of some emails, Outlook.com's `[data-ogsc]` overrides, colours inside images,
and colours set only by a stylesheet rule the client drops.
"""

from __future__ import annotations

import colorsys
import re

# CSS colour declarations, in `style` attributes and `<style>` blocks alike (built emails are
# inlined, so almost every colour is in a `style` attribute).
DECLARATION = re.compile(
    r"(?<![\w-])(?P<prop>background-color|background|color)\s*:\s*(?P<value>[^;\"'}<>]+)",
    re.IGNORECASE,
)
# Presentational attributes: bgcolor (tables), color (font), text (body).
ATTRIBUTE = re.compile(
    r"(?<=\s)(?P<prop>bgcolor|color|text)\s*=\s*(?P<q>[\"']?)(?P<value>#?[\w]+)(?P=q)",
    re.IGNORECASE,
)
COLOUR = re.compile(r"#[0-9a-f]{6}\b|#[0-9a-f]{3}\b|rgba?\([^)]*\)|\b(?:white|black)\b", re.I)
NAMED = {"white": (255, 255, 255), "black": (0, 0, 0)}
# What the clients paint where the email declares nothing (their dark reading pane).
DARK_BASE = (
    "<style>:root{color-scheme:dark}html,body{background-color:#1c1c1c;color:#e3e3e3}</style>"
)
DARK_MEDIA = re.compile(r"\(\s*prefers-color-scheme\s*:\s*(dark|light)\s*\)", re.IGNORECASE)


def _parse(token: str) -> tuple[int, int, int] | None:
    token = token.strip().lower()
    if token in NAMED:
        return NAMED[token]
    if token.startswith("#") and len(token) in (4, 7):
        digits = token[1:] if len(token) == 7 else "".join(c * 2 for c in token[1:])
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    if token.startswith("rgb"):
        parts = re.findall(r"[\d.]+%?", token)[:3]
        if len(parts) == 3 and not any(p.endswith("%") for p in parts):
            r, g, b = (min(255, round(float(p))) for p in parts)
            return (r, g, b)
    return None


def _recolour(token: str, *, background: bool) -> str:
    """Darken a light background, lighten dark text; anything else is kept as declared."""
    rgb = _parse(token)
    if rgb is None:
        return token
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    if background and lightness > 0.5:
        lightness = 0.11 + (1 - lightness) * 0.6  # white -> #1c1c1c
    elif not background and lightness < 0.5:
        lightness = 0.89 - lightness * 0.6  # black -> #e3e3e3
    else:
        return token
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


def _insert_in_head(html: str, markup: str) -> str:
    """`markup` first in <head> (so the email's own rules still win), or first in the file."""
    match = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    at = match.end() if match else 0
    return html[:at] + markup + html[at:]


def invert_colours(html: str) -> str:
    """The email as Outlook.com and the Gmail app show it in dark mode (partial inversion)."""

    def declaration(match: re.Match[str]) -> str:
        background = match["prop"].lower().startswith("background")
        value = COLOUR.sub(lambda c: _recolour(c[0], background=background), match["value"])
        return f"{match['prop']}:{value}"

    def attribute(match: re.Match[str]) -> str:
        background = match["prop"].lower() == "bgcolor"
        value = _recolour(match["value"], background=background)
        return f'{match["prop"]}="{value}"'

    return _insert_in_head(ATTRIBUTE.sub(attribute, DECLARATION.sub(declaration, html)), DARK_BASE)


def force_dark_media(html: str) -> str:
    """The email with `prefers-color-scheme: dark` always true (and `light` never).

    For `serve`, whose page cannot emulate media features in the reader's browser: the media
    query is rewritten to one that matches (`(min-width:0)`) or never does (`(max-width:-1px)`).
    """

    def rewrite(match: re.Match[str]) -> str:
        return "(min-width:0)" if match[1].lower() == "dark" else "(max-width:-1px)"

    return DARK_MEDIA.sub(rewrite, html)
