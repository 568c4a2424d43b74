"""A tiny CSS reader: enough to find properties, values and their offsets, fast.

cssutils is slow and strict; lint needs only declarations (property, value, offset) in inline
styles and <style> blocks, whether they sit inside an @media block, and the @import URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""", re.I)


class Declaration(NamedTuple):
    prop: str
    value: str
    offset: int
    selector: str
    media: str | None


@dataclass(frozen=True)
class Stylesheet:
    declarations: tuple[Declaration, ...]
    imports: tuple[tuple[str, int], ...]
    font_faces: tuple[str, ...]


# `prop: value` with `;` inside parentheses or quotes kept in the value. The property group
# may end in spaces (callers strip it); runs of plain characters are taken at once (`+`):
# the alternatives start with different characters, so the match is the same, found faster.
_DECLARATION = re.compile(
    r"([^:;{}\s][^:;{}]*)\s*:\s*((?:[^;(\"']+|\([^)]*\)?|\"[^\"]*\"?|'[^']*'?)*)"
)


def split_declarations(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, property, value) for each `prop: value` in a declaration list.

    Splits on `;` outside parentheses and quotes (data: URIs hold `;`); drops `!important`.
    """
    if "(" in text or '"' in text or "'" in text:
        matches: Iterator[tuple[int, str, str]] = (
            (m.start(1), m.group(1), m.group(2)) for m in _DECLARATION.finditer(text)
        )
    else:
        matches = _split_simple(text)
    for offset, prop, value in matches:
        value = value.strip()
        if "!" in value and value[-10:].lower() == "!important":
            value = value[:-10].rstrip()
        prop = prop.strip().lower()
        if prop:
            yield offset, prop, value


def _split_simple(text: str) -> Iterator[tuple[int, str, str]]:
    """The fast path: no parentheses or quotes to protect, so `;` and `:` split directly."""
    offset = 0
    for chunk in text.split(";"):
        prop, colon, value = chunk.partition(":")
        if colon:
            yield offset + len(prop) - len(prop.lstrip()), prop, value
        offset += len(chunk) + 1


def parse_style(text: str) -> dict[str, str]:
    """Inline `style` attribute -> {property: value}; the last declaration wins, as in CSS."""
    if ":" not in text:
        return {}
    if "(" in text or '"' in text or "'" in text:
        # As split_declarations, without offsets (findall: no match objects to create).
        pairs: list[tuple[str, str]] = _DECLARATION.findall(text)
    else:
        # The common case: no url(), rgb() or quoted font names to protect. (String methods:
        # far cheaper per character than any regular expression here.)
        out = {}
        if "!" not in text:
            # No `!important` to drop (the usual case): one test for the whole style.
            for chunk in text.split(";"):
                prop, colon, value = chunk.partition(":")
                if colon:
                    prop = prop.strip().lower()
                    if prop:
                        out[prop] = value.strip()
            return out
        for chunk in text.split(";"):
            prop, colon, value = chunk.partition(":")
            if colon:
                prop = prop.strip().lower()
                value = value.strip()
                if "!" in value and value[-10:].lower() == "!important":
                    value = value[:-10].rstrip()
                if prop:
                    out[prop] = value
        return out
    out = {}
    for prop, value in pairs:
        prop = prop.strip().lower()
        if prop:
            value = value.strip()
            if "!" in value and value[-10:].lower() == "!important":
                value = value[:-10].rstrip()
            out[prop] = value
    return out


def _blank_comments(css: str) -> str:
    """`/* … */` comments become spaces of the same length, so offsets still point into the
    original text (`str.find` is far cheaper here than a regex's lazy `.*?` per character)."""
    start = css.find("/*")
    if start < 0:
        return css
    parts = []
    done = 0
    while start >= 0:
        end = css.find("*/", start + 2)
        if end < 0:
            break  # an unclosed comment stays as it is, as with the regular expression
        end += 2
        parts.append(css[done:start])
        parts.append(" " * (end - start))
        done = end
        start = css.find("/*", end)
    parts.append(css[done:])
    return "".join(parts)


def _braces(css: str) -> Iterator[int]:
    """Offsets of every `{` and `}`, in order."""
    opening = css.find("{")
    closing = css.find("}")
    while opening >= 0 or closing >= 0:
        if closing < 0 or 0 <= opening < closing:
            yield opening
            opening = css.find("{", opening + 1)
        else:
            yield closing
            closing = css.find("}", closing + 1)


_new_tuple = tuple.__new__


def parse_stylesheet(css: str) -> Stylesheet:
    """Declarations of a <style> block with their offsets in `css`, and the @import URLs."""
    clean = _blank_comments(css)
    declarations: list[Declaration] = []
    imports = [(m.group(1), m.start()) for m in _IMPORT.finditer(clean)] if "@" in clean else []
    font_faces: list[str] = []
    stack: list[tuple[str, str, int]] = []  # (kind, prelude, body start)
    groups: list[str] = []  # the preludes of the open groups (@media…), outermost first
    start = 0
    for pos in _braces(clean):
        if clean[pos] == "{":
            prelude = clean[start:pos]
            # Statements such as `@import …;` before a rule end at their semicolon.
            prelude = prelude[prelude.rfind(";") + 1 :].strip()
            is_group = prelude.startswith("@") and not prelude.lower().startswith("@font-face")
            stack.append(("group" if is_group else "rule", prelude, pos + 1))
            if is_group:
                groups.append(prelude)
            start = pos + 1
            continue
        if not stack:
            start = pos + 1
            continue
        kind, prelude, body = stack.pop()
        start = pos + 1
        if kind != "rule":
            groups.pop()
            continue
        media = groups[-1] if groups else None  # the innermost open group
        block = clean[body:pos]
        # Only an at-rule can be `@font-face`: no lower-case copy of every selector.
        if prelude[:1] == "@" and prelude.lower().startswith("@font-face"):
            font_faces.append(block)
        # tuple.__new__: a NamedTuple's own constructor runs Python code for each declaration.
        if "(" in block or '"' in block or "'" in block:
            declarations.extend(
                [
                    _new_tuple(Declaration, (prop, value, body + offset, prelude, media))
                    for offset, prop, value in split_declarations(block)
                ]
            )
            continue
        offset = body  # split_declarations' simple path, without two generators per property
        for chunk in block.split(";"):
            prop, colon, value = chunk.partition(":")
            if colon:
                name = prop.strip().lower()
                if name:
                    value = value.strip()
                    if "!" in value and value[-10:].lower() == "!important":
                        value = value[:-10].rstrip()
                    at = offset + len(prop) - len(prop.lstrip())
                    declarations.append(_new_tuple(Declaration, (name, value, at, prelude, media)))
            offset += len(chunk) + 1
    return Stylesheet(tuple(declarations), tuple(imports), tuple(font_faces))


_NAMED = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 165, 0),
    "gray": (128, 128, 128),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211),
    "darkgray": (169, 169, 169),
    "darkgrey": (169, 169, 169),
    "navy": (0, 0, 128),
    "maroon": (128, 0, 0),
    "purple": (128, 0, 128),
    "teal": (0, 128, 128),
    "olive": (128, 128, 0),
    "lime": (0, 255, 0),
    "aqua": (0, 255, 255),
    "fuchsia": (255, 0, 255),
    "whitesmoke": (245, 245, 245),
    "gainsboro": (220, 220, 220),
}
_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})\b", re.I)
_HEX_DIGITS = frozenset("0123456789abcdef")
_RGB = re.compile(
    r"rgba?\(\s*([\d.]+)%?[\s,]+([\d.]+)%?[\s,]+([\d.]+)%?\s*(?:[,/]\s*([\d.]+%?))?\s*\)", re.I
)

RGB = tuple[int, int, int]


@lru_cache(maxsize=512)
def parse_color(value: str) -> RGB | None:
    """A colour as (r, g, b), or None for anything not understood or transparent."""
    value = value.strip().lower()
    # The usual value, `#rrggbb` alone, without the regular expression (same result).
    if len(value) == 7 and value[0] == "#" and _HEX_DIGITS.issuperset(value[1:]):
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    return _color_by_pattern(value)


def _color_by_pattern(value: str) -> RGB | None:
    """`parse_color` of a stripped, lower-case value, by the patterns alone."""
    match = _HEX.search(value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    match = _RGB.search(value)
    if match:
        alpha = match.group(4)
        if alpha is not None and float(alpha.rstrip("%")) == 0:
            return None
        r, g, b = (min(255, int(float(match.group(i)))) for i in (1, 2, 3))
        return (r, g, b)
    for word in value.split():
        if word in _NAMED:
            return _NAMED[word]
    return None


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4


def contrast_ratio(fg: RGB, bg: RGB) -> float:
    """WCAG 2.1 contrast ratio (§1.4.3, relative luminance definition)."""

    def lum(c: RGB) -> float:
        return 0.2126 * _channel(c[0]) + 0.7152 * _channel(c[1]) + 0.0722 * _channel(c[2])

    high, low = sorted((lum(fg), lum(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


_LENGTH = re.compile(r"^\s*(-?[\d.]+)\s*(px|pt)?\s*$", re.I)


@lru_cache(maxsize=512)
def parse_px(value: str) -> float | None:
    """`14px`, `14` (HTML attribute) or `10pt` as CSS pixels; None for %, em, auto…"""
    # The usual values, `14px` and `14`, without the regular expression (same result).
    digits = value[:-2] if value.endswith("px") else value
    if digits.isascii() and digits.isdigit():
        return float(digits)
    return _px_by_pattern(value)


def _px_by_pattern(value: str) -> float | None:
    """`parse_px` by the pattern alone."""
    match = _LENGTH.match(value)
    if not match:
        return None
    try:
        number = float(match.group(1))
    except ValueError:
        return None
    return number * 4 / 3 if (match.group(2) or "").lower() == "pt" else number
