"""Phone layout: tables that cannot fit a 320 px screen (reading family, B2B1xx).

B2B108 is a static estimate: no browser runs here. Words are measured with Arial's advance widths (the
starter templates' first font; Helvetica has the same metrics), so a wider font is
under-estimated and the rule errs toward silence. Whether a word really breaks mid-word in a
browser at phone width is the preview's check (Chromium), not lint's: B2B109 and B2B110 are
registered here, so that `b2bmail rules`, `select`, `ignore` and `severity` know them, but
their checks find nothing in markup; `b2bmail preview` measures them (preview/layout.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.css import parse_px
from b2bmail.lint.document import Document, Element, text_content
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import first_upward

# Arial / Helvetica advance widths in 1/1000 em (the Adobe Core 14 AFM for Helvetica, which
# Arial matches glyph for glyph in width). Characters not listed count as a digit (556).
_WIDTHS: dict[str, int] = {
    **dict.fromkeys("ijl'", 222),
    **dict.fromkeys(" !,./:;I[]ft\xa0", 278),
    **dict.fromkeys("()-`r", 333),
    "\u202f": 200,  # narrow no-break space (French thousands separator)
    **dict.fromkeys('Jcksvxyz"*', 500),
    **dict.fromkeys("+<=>−", 584),
    **dict.fromkeys("ABEKPSVXY&", 667),
    **dict.fromkeys("CDHNRUw", 722),
    **dict.fromkeys("GOQ", 778),
    **dict.fromkeys("Mm", 833),
    "%": 889,
    "W": 944,
    "—": 1000,
    "@": 1015,
}
_BOLD = 1.08  # Helvetica-Bold is about 8 % wider on average than Helvetica
# Where a line may break (UAX #14): breaking spaces, and after a hyphen or an en/em dash.
# No-break spaces (U+00A0, U+202F) and the minus sign (U+2212) hold a word together.
_BREAK = re.compile(r"[ \t\r\n\f]+|(?<=[-‐–—])")
_DEFAULT_FONT_PX = 16.0


class _CharUnits(dict[str, int]):
    """Character -> advance width in 1/1000 em, each character looked up once: a word's width
    is then a C-level `sum(map(...))`, where a Unicode normalisation per character cost more
    than the rest of the lint of a template with price tables."""

    def __missing__(self, ch: str) -> int:
        base = unicodedata.normalize("NFD", ch)[:1] or ch  # é is as wide as e
        units = self[ch] = _WIDTHS.get(base, 556)
        return units


# A cache of a pure function of one character: bounded by the characters templates use.
_CHAR_UNITS = _CharUnits()
_units_of = _CHAR_UNITS.__getitem__


def _word_units(word: str) -> int:
    return sum(map(_units_of, word))


def _width(units: int, font_px: float, bold: bool) -> float:
    return units * font_px / 1000 * (_BOLD if bold else 1.0)


def word_width(word: str, font_px: float, *, bold: bool = False) -> float:
    """Estimated width of an unbreakable run of text in CSS pixels."""
    return _width(_word_units(word), font_px, bold)


def _is_bold(doc: Document, el: Element) -> bool:
    return _style_is_bold(doc.style(el), el)


def _style_is_bold(style: Mapping[str, str], el: Element) -> bool:
    weight = style.get("font-weight", "").strip().lower()
    if weight:
        return weight == "bold" or (weight.isdigit() and int(weight) >= 600)
    return el.tag == "th"


def _measure_side_padding(style: Mapping[str, str], cellpadding: float) -> float:
    sides = [cellpadding, cellpadding]
    shorthand = style.get("padding")
    if shorthand:
        parts = shorthand.split()
        # CSS box shorthand: 1 value = all, 2 = vertical horizontal, 3-4: right is 2nd, left 4th.
        right = parts[1] if len(parts) > 1 else parts[0]
        left = parts[3] if len(parts) > 3 else right
        sides = [parse_px(left) or 0.0, parse_px(right) or 0.0]
    for i, side in enumerate(("padding-left", "padding-right")):
        if side in style:
            sides[i] = parse_px(style[side]) or 0.0
    return sum(sides)


def cell_min_width(doc: Document, cell: Element, cellpadding: float = 0.0) -> float:
    """The cell's estimated min-content width: its longest word plus its side padding."""
    return _CellMeasure(doc).width(cell, cellpadding)


_NO_STYLE: dict[str, str] = {}  # shared, never changed: the style of an unstyled cell


class _CellMeasure:
    """`cell_min_width` for the cells of one document, the per-document facts fetched once:
    a table's cells then cost no lookup of the memos, no closure and no second read of their
    style attribute each (with 20 cells, that overhead was most of B2B108's time)."""

    def __init__(self, doc: Document) -> None:
        self._styles = doc.inline_styles
        # Remembered for every element on the way up: a table's cells share their ancestors.
        self._font_known: dict[Element, float] = doc.memo("phone_font_px", dict)
        # A table's cells share a few styles: each (parsed style, cellpadding) is measured
        # once. The parsed styles are shared per distinct style string and live as long as
        # the document (and so does this memo), so their identity is a safe key.
        self._paddings: dict[tuple[int, float], float] = doc.memo("phone_side_padding", dict)

    def _own_font_px(self, node: Element) -> float | None:
        size = (self._styles.get(node) or _NO_STYLE).get("font-size")
        return parse_px(size) if size else None

    def width(self, cell: Element, cellpadding: float) -> float:
        style = self._styles.get(cell) or _NO_STYLE
        # The font size `cell` inherits: the first one given inline on it or around it.
        size = style.get("font-size")
        font_px = parse_px(size) if size else None
        if font_px is None:
            font_px = first_upward(cell, self._font_known, self._own_font_px, _DEFAULT_FONT_PX)
        bold = _style_is_bold(style, cell)
        words = set(_BREAK.split(text_content(cell)))
        words.discard("")
        longest = 0.0
        if words:
            # The width grows with the units (or, for a negative font size, shrinks), a float
            # product rounding monotonically: the widest word is the one with the most (or
            # the fewest) units, and one width is computed, not one per word.
            units = [sum(map(_units_of, word)) for word in words]
            longest = _width(max(units) if font_px >= 0 else min(units), font_px, bold)
        key = (id(style), cellpadding)
        padding = self._paddings.get(key)
        if padding is None:
            padding = self._paddings[key] = _measure_side_padding(style, cellpadding)
        return longest + padding


_CELLS = ("td", "th")


def _own_table(row: Element) -> Element | None:
    """The table a row belongs to: its nearest `<table>` ancestor (a nested table's rows are
    its own; they count inside their cell's text)."""
    parent = row.getparent()
    if parent is not None:
        tag = parent.tag
        if tag == "table":
            return parent
        if tag in ("tbody", "thead", "tfoot"):  # the usual case, without an ancestor walk
            grandparent = parent.getparent()
            if grandparent is not None and grandparent.tag == "table":
                return grandparent
    return next(row.iterancestors("table"), None)


def _table_cells(doc: Document) -> dict[Element, list[list[Element]]]:
    """The cells of each own row, in document order, of the tables that may have two
    columns: those with a row of two or more cells. (A table whose rows hold one cell each
    has one column, most layout tables; they are not looked at again.)"""

    def find() -> dict[Element, list[list[Element]]]:
        rows = doc.elements("tr")
        # len(row) counts comments too: a cheap first cut before the tags are read.
        wide = {
            _own_table(row)
            for row in rows
            if len(row) >= 2 and sum(cell.tag in _CELLS for cell in row) >= 2
        }
        wide.discard(None)
        found: dict[Element, list[list[Element]]] = {}
        if wide:
            for row in rows:
                table = _own_table(row)
                if table in wide:
                    cells = [cell for cell in row if cell.tag in _CELLS]
                    found.setdefault(table, []).append(cells)
        return found

    return doc.memo("phone_table_cells", find)


def _column_count(rows: list[list[Element]]) -> int:
    """How many columns `table_min_width` sums for these rows' cells, without measuring a
    cell: a column is added for a single-span cell past the columns known so far."""
    count = 0
    for cells in rows:
        for i, cell in enumerate(cells):
            if i >= count and (cell.get("colspan") or "1") == "1":
                count += 1
    return count


def table_min_width(doc: Document, table: Element) -> float:
    """Estimated min-content width of a table: per column, its widest cell, summed."""
    rows = _table_cells(doc).get(table)
    return 0.0 if rows is None else _rows_min_width(_CellMeasure(doc), table, rows)


def _rows_min_width(measure: _CellMeasure, table: Element, rows: list[list[Element]]) -> float:
    """`table_min_width` of `table`, given its own rows' cells."""
    if _column_count(rows) < 2:
        return 0.0  # one column: its width is never summed
    cellpadding = parse_px(table.get("cellpadding") or "0") or 0.0
    columns: list[float] = []
    for cells in rows:
        for i, cell in enumerate(cells):
            if (cell.get("colspan") or "1") != "1":
                continue  # a spanning cell shares its width with columns it does not own
            width = measure.width(cell, cellpadding)
            if i < len(columns):
                columns[i] = max(columns[i], width)
            else:
                columns.append(width)
    return sum(columns) if len(columns) > 1 else 0.0


@rule("B2B108", "table-too-wide-for-phone", "warning", {"phone-width-px": 320})
def table_too_wide_for_phone(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a table of two or more columns whose minimum content width — per column its
        longest unbreakable word (no-break spaces hold "1 234,50 €" together) plus the
        cell's side padding, estimated with Arial's glyph widths — is wider than
        `phone-width-px` (320).

    Why it matters:
        A table cannot be narrower than its longest words. On a 320 px phone it then scrolls
        sideways, or, where MJML's `word-break: break-word` applies, splits words mid-word
        ("Qua/ntité", "−13,/6 %").

    Example:
        <table><tr><th>Référence</th><th>Désignation</th><th>Quantité</th><th>Prix unitaire</th><th>Remise</th></tr><tr><td>TL-480-KIT-500H</td><td>Kit d'entretien</td><td>1–4</td><td>1 234,50 €</td><td>−13,6 %</td></tr></table>

    Use instead:
        <table><tr><th>Quantité</th><th>Prix HT</th><th>Remise</th></tr><tr><td>1–4</td><td>1 234,50 €</td><td>−13,6 %</td></tr></table>
    """
    limit = t["phone-width-px"]
    # Only the tables with a row of two cells are measured (`_table_cells`); the others are
    # 0 px wide to `table_min_width`, so they are passed over without a call each.
    cells = _table_cells(doc)
    if not cells:
        return
    hidden = doc.hidden_set
    measure = _CellMeasure(doc)
    for table in doc.elements("table"):
        rows = cells.get(table)
        if rows is None or table in hidden:
            continue
        width = _rows_min_width(measure, table, rows)
        if width > limit:
            yield doc.hit(
                table,
                _(
                    "table needs about {width:.0f} px even with every line wrapped, over a "
                    "{limit:g} px phone — drop or stack columns, or shorten the longest words"
                ).format(width=width, limit=limit),
            )


@rule("B2B109", "word-broken-on-phone", "warning", browser=True)
def word_broken_on_phone(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Measured in Chromium by `b2bmail preview` at each phone width it shoots (under 500
        px: 375 and 320 by default), never by `lint`: flags a visible word that the browser
        laid out on two lines. A word is a run of text between the places where a line may
        break (UAX #14): spaces, zero-width spaces, and after a hyphen, a dash, a slash or a
        soft hyphen; no-break spaces (U+00A0, U+202F) and the minus sign hold "1 234,50 €"
        and "−13,6 %" together as one word.

    Why it matters:
        A column too narrow for its longest word, with `word-break: break-word` (MJML sets it)
        or `overflow-wrap: anywhere`, splits that word mid-word on a phone: "Qua/ntité",
        "−13,/6 %". A buyer misreads a broken price or quantity.

    Example:
        <table style="width:100%;table-layout:fixed;word-break:break-word"><tr><td style="width:40px">Quantité</td><td>Prix unitaire HT</td></tr></table>

    Use instead:
        <table style="width:100%;word-break:break-word"><tr><td>Quantité</td><td>Prix unitaire HT</td></tr></table>
    """
    return iter(())  # a browser rule: preview/layout.py measures it in Chromium


@rule("B2B110", "page-wider-than-phone", "warning", browser=True)
def page_wider_than_phone(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Measured in Chromium by `b2bmail preview` at each phone width it shoots (under 500
        px), never by `lint`: flags an email whose page is wider than the phone
        (`document.documentElement.scrollWidth` over the viewport width), and points at the
        first element that reaches past the right edge.

    Why it matters:
        Phone mail apps then shrink the whole email or make the reader scroll sideways
        to read each line; the right-hand columns (often the prices) are off screen.

    Example:
        <table width="480"><tr><td>Tarifs 2027 pour les exploitants</td></tr></table>

    Use instead:
        <table width="100%" style="max-width:480px"><tr><td>Tarifs 2027 pour les exploitants</td></tr></table>
    """
    return iter(())  # a browser rule: preview/layout.py measures it in Chromium


RULES = (table_too_wide_for_phone, word_broken_on_phone, page_wider_than_phone)
