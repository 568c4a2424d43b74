"""Old clients, CSS: what classic Outlook for Windows (Word engine, 2007-2021) and Gmail ignore.

Content inside `<!--[if mso]>` is a comment to the parser and is never flagged (VML, ghost
tables); content inside `<!--[if !mso]><!-->` or under `mso-hide:all` is hidden from Outlook;
CSS inside @media is not Outlook's concern. Support facts: data/lint_css_support.tsv (caniemail).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.css import parse_px
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import (
    background_attributes,
    css_hit,
    css_index,
    support_table,
    unsupported_by_outlook,
)

_FLEX_GRID = re.compile(r"\b(inline-)?(flex|grid)\b", re.I)
_RGB_SPACES = re.compile(r"rgba?\(\s*[\d.]+%?\s+[\d.]", re.I)
_NEGATIVE_OR_AUTO = re.compile(r"(^|\s)(-[\d.]+[a-z%]*|auto)(?=\s|$)", re.I)
_NEGATIVE = re.compile(r"(^|\s)-[\d.]")
_NO_MARGIN = frozenset(("td", "th", "tr"))
GENERIC_FAMILIES = {
    "serif",
    "sans-serif",
    "monospace",
    "cursive",
    "fantasy",
    "system-ui",
    "inherit",
}
WEB_SAFE_FONTS = {
    "arial", "helvetica", "verdana", "tahoma", "trebuchet ms", "georgia", "times new roman",
    "times", "courier new", "courier", "segoe ui", "calibri", "cambria", "lucida grande",
    "lucida sans unicode", "palatino linotype", "garamond", "impact",
}  # fmt: skip
COVERED = {
    "display", "position", "float", "max-width", "min-width", "background-image", "background",
    "margin", "border-radius", "box-shadow", "font-family",
}  # fmt: skip


@rule("B2B301", "flex-or-grid-layout", "error")
def flex_or_grid(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `display: flex` and `display: grid` (and their inline forms) that Outlook for
        Windows would read: outside @media and not hidden from Outlook.

    Why it matters:
        Outlook for Windows 2007-2021 does not support flexbox or grid (caniemail
        css-display-flex, css-display-grid): the columns stack or collapse.

    Example:
        <div style="display: flex"><div>Left</div><div>Right</div></div>

    Use instead:
        <table role="presentation" width="600"><tr><td width="300">Left</td><td width="300">Right</td></tr></table>
    """
    for use in css_index(doc).for_outlook("display", where=_FLEX_GRID.search):
        yield css_hit(
            doc,
            use,
            _("`display: {value}` is ignored by Outlook for Windows — use a table layout").format(
                value=use.value
            ),
        )


@rule("B2B302", "position-or-float", "warning")
def position_or_float(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `position` (other than static) and `float: left|right` that Outlook would read.

    Why it matters:
        Outlook for Windows supports neither (caniemail css-position, css-float); the layout
        falls back to stacked blocks. Tables and images can use the `align` attribute instead.

    Example:
        <img src="https://example.com/a.png" alt="" width="100" height="100" style="float: left">

    Use instead:
        <img src="https://example.com/a.png" alt="" width="100" height="100" align="left">
    """
    for use in css_index(doc).for_outlook("position", "float"):
        value = use.value.lower()
        if use.prop == "position" and value not in ("static", "inherit", "initial"):
            yield css_hit(
                doc,
                use,
                _("`position: {value}` is ignored by Outlook for Windows").format(value=use.value),
            )
        elif use.prop == "float" and value in ("left", "right"):
            if use.offset is None and use.element.get("align"):
                continue
            yield css_hit(
                doc,
                use,
                _(
                    '`float: {value}` is ignored by Outlook for Windows — use align="{align}"'
                ).format(value=use.value, align=value),
            )


def _nonzero_px(value: str) -> bool:
    return parse_px(value) not in (None, 0)


@rule("B2B303", "max-width-without-fallback", "warning")
def max_width(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an inline `max-width` or `min-width` on an element with no `width` attribute and
        no `<!--[if mso]>` ghost table just before it or as its first child.

    Why it matters:
        Outlook for Windows ignores max-width and min-width (caniemail css-max-width): a
        600 px column grows to the full window width.

    Example:
        <div style="max-width: 600px; margin: 0 auto;"><p>Hello</p></div>

    Use instead:
        <div style="max-width: 600px; margin: 0 auto;"><!--[if mso]><table role="presentation" width="600"><tr><td><![endif]--><p>Hello</p><!--[if mso]></td></tr></table><![endif]--></div>
    """
    for use in css_index(doc).for_outlook("max-width", "min-width", where=_nonzero_px):
        if use.offset is not None:
            continue
        el = use.element
        if el.get("width") or doc.has_mso_fallback(el):
            continue
        yield css_hit(
            doc,
            use,
            _(
                "`{prop}: {value}` is ignored by Outlook for Windows — add a width attribute "
                "or an <!--[if mso]> table of fixed width"
            ).format(prop=use.prop, value=use.value),
        )


@rule("B2B304", "background-image-without-vml", "warning")
def background_without_vml(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a CSS background image or `background` attribute on an element that has no VML
        fallback (`<v:rect>`/`<v:image>` inside an `<!--[if gte mso 9]>` comment) in it,
        just before it, or just before the wrappers it is the first child of (up to two, as
        MJML writes a section's background).

    Why it matters:
        Outlook for Windows shows no CSS background images (caniemail css-background-image);
        white text over a missing dark photo becomes invisible.

    Example:
        <td style="background-image: url('https://example.com/bg.jpg'); background-color: #222222;">Hello</td>

    Use instead:
        <td style="background-image: url('https://example.com/bg.jpg'); background-color: #222222;"><!--[if gte mso 9]><v:rect xmlns:v="urn:schemas-microsoft-com:vml" fill="true" stroke="false" style="width:600px;height:200px;"><v:fill type="frame" src="https://example.com/bg.jpg" color="#222222" /><![endif]-->Hello</td>
    """
    seen = set()
    # Only values with an image: `background: #222222` (most of them) never becomes a use.
    for use in css_index(doc).for_outlook("background-image", "background", where=_has_url):
        if use.offset is None:
            seen.add(use.element)
    for el in background_attributes(doc):
        if el.tag != "th":  # the shared list's fifth tag, B2B508's alone
            seen.add(el)
    for el in sorted(seen, key=lambda e: e.sourceline or 0):
        if _has_vml(el):
            continue
        yield doc.hit(
            el, _("background image without a VML fallback: Outlook for Windows will not show it")
        )


def _has_url(value: str) -> bool:
    return "url(" in value.lower()


def _has_vml(el: object) -> bool:
    from lxml import etree

    assert isinstance(el, etree._Element)
    nodes = [*el.iter(etree.Comment)][:5]
    # The VML may open just before the element or before the wrappers it is the first child
    # of: MRML writes an mj-section's <v:rect> two levels above its <table background=…>.
    at: etree._Element | None = el
    for _level in range(3):
        assert at is not None
        prev = at.getprevious()
        if prev is not None:
            if prev.tag is etree.Comment:
                nodes.append(prev)
            break
        at = at.getparent()
        if at is None:
            break
    return any("<v:" in (node.text or "") for node in nodes)


@rule("B2B305", "css-variables", "warning")
def css_variables(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags CSS custom properties (`--brand: #f00`) and `var()` anywhere in the email.

    Why it matters:
        Outlook for Windows, Outlook.com and Gmail do not support CSS variables (caniemail
        css-variables): the colour or size they carry is lost.

    Example:
        <p style="--brand: #0a7; color: var(--brand)">Hello</p>

    Use instead:
        <p style="color: #00aa77">Hello</p>
    """
    index = css_index(doc)
    if not doc.calls_css_function("var") and not index.custom_properties():
        return
    for use in index.everything():
        if use.prop.startswith("--") or "var(" in use.value.lower():
            yield css_hit(
                doc,
                use,
                _("CSS variable in `{prop}: {value}` — write the value out").format(
                    prop=use.prop, value=use.value
                ),
            )


@rule("B2B306", "rgb-space-separated", "error")
def rgb_spaces(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `rgb()`/`rgba()` written with spaces instead of commas (`rgb(0 128 0)`).

    Why it matters:
        Gmail drops the whole style attribute or `<style>` block that holds the space syntax,
        and Outlook for Windows does not read it (caniemail css-rgb).

    Example:
        <p style="color: rgb(0 128 0)">Hello</p>

    Use instead:
        <p style="color: rgb(0, 128, 0)">Hello</p>
    """
    if not doc.calls_css_function("rgb", "rgba"):
        return
    index = css_index(doc)
    # Distinct values first: most templates with rgb() use the comma syntax everywhere.
    values = {v for style, _els in doc.style_groups for v in style.values()}
    values.update(use.value for use in index.sheet_uses())
    # _RGB_SPACES needs "rgb" in any case: str.find over the values costs a regex search each.
    with_rgb = [value for value in values if "rgb" in value.lower()]
    if not any(_RGB_SPACES.search(value) for value in with_rgb):
        return
    for use in index.everything():
        if _RGB_SPACES.search(use.value):
            yield css_hit(
                doc,
                use,
                _(
                    "`{value}` uses the space syntax; Gmail drops the whole block — use commas"
                ).format(value=use.value),
            )


@rule("B2B307", "margin-on-block", "warning")
def margin_on_block(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags inline margins with `auto` or negative values, which Outlook for Windows does
        not support, unless the element has a ghost-table fallback, an `align` attribute,
        a full width, or a `<center>` parent or one with `align="center"`. Margins of table
        cells and `auto` margins of inline images do nothing anywhere and are not flagged.

    Why it matters:
        Outlook for Windows ignores `margin: auto` and negative margins (caniemail css-margin):
        centred blocks stick to the left and overlapping columns break.

    Example:
        <div style="width: 600px; margin: 0 auto;"><p>Hello</p></div>

    Use instead:
        <table role="presentation" width="600" align="center"><tr><td><p>Hello</p></td></tr></table>
    """
    index = css_index(doc)
    for use in index.for_outlook(
        "margin",
        "margin-left",
        "margin-right",
        "margin-top",
        "margin-bottom",
        where=_NEGATIVE_OR_AUTO.search,
    ):
        if use.offset is not None:
            continue
        el = use.element
        tag = el.tag
        # CSS 2.1 §17.5: margins do not apply to table cells and rows; §10.3.2: an `auto`
        # margin of an inline image is 0 (only a negative one moves it).
        if tag in _NO_MARGIN or (
            tag == "img"
            and not _NEGATIVE.search(use.value)
            and doc.style(el).get("display", "").strip().lower() != "block"
        ):
            continue
        parent = el.getparent()
        if (
            el.get("align")
            or el.get("width") == "100%"
            or (
                parent is not None
                # <center> or align="center" centres the block in Outlook too.
                and (parent.tag == "center" or (parent.get("align") or "").lower() == "center")
            )
            or doc.has_mso_fallback(el)
        ):
            continue
        yield css_hit(
            doc,
            use,
            _("`{prop}: {value}` — Outlook for Windows ignores auto and negative margins").format(
                prop=use.prop, value=use.value
            ),
        )


@rule("B2B308", "web-font-without-fallback", "warning")
def web_font_fallback(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a `font-family` list that ends without a web-safe font or a generic family
        (serif, sans-serif, monospace).

    Why it matters:
        Outlook for Windows, Gmail and most clients do not load web fonts (caniemail
        css-at-font-face); without a fallback Outlook uses Times New Roman.

    Example:
        <p style="font-family: 'Nunito Sans'">Hello</p>

    Use instead:
        <p style="font-family: 'Nunito Sans', Arial, sans-serif">Hello</p>
    """
    verdicts: dict[tuple[str, str], bool] = {}  # a template repeats a few font stacks
    for use in css_index(doc).all("font-family", "font"):
        if use.selector.lower().startswith("@font-face"):
            continue
        fine = verdicts.get((use.prop, use.value))
        if fine is None:
            fine = verdicts[use.prop, use.value] = _has_fallback(use.prop, use.value)
        if fine:
            continue
        yield css_hit(
            doc,
            use,
            _("`font-family: {value}` has no fallback — end it with Arial, sans-serif").format(
                value=use.value
            ),
        )


def _has_fallback(prop: str, value: str) -> bool:
    """True when a font-family (or `font` shorthand) value needs no warning."""
    families = [f.strip().strip("\"'").lower() for f in value.split(",")]
    if prop == "font":
        families = families[-1:] if len(families) > 1 else []
    if not families or not families[0]:
        return True
    return any(f in GENERIC_FAMILIES or f in WEB_SAFE_FONTS for f in families)


def _shows(value: str) -> bool:
    return value.strip() not in ("0", "none")


@rule("B2B309", "decorative-css", "info")
def decorative_css(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes `border-radius` and `box-shadow` that Outlook would read.

    Why it matters:
        Outlook for Windows shows square corners and no shadows (caniemail css-border-radius,
        css-box-shadow). Usually fine; for a rounded button use VML (`v:roundrect`).

    Example:
        <a href="https://example.com" style="border-radius: 4px; background: #0a7; color: #ffffff">Book a demo</a>

    Use instead:
        <a href="https://example.com" style="background: #00aa77; color: #ffffff">Book a demo</a>
    """
    for use in css_index(doc).for_outlook("border-radius", "box-shadow", where=_shows):
        yield css_hit(
            doc, use, _("`{prop}` is not shown by Outlook for Windows").format(prop=use.prop)
        )


@rule("B2B310", "outlook-unsupported-css", "info")
def outlook_unsupported(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes the first use of each other CSS property that caniemail lists as unsupported
        by Outlook for Windows 2007-2021, with how often it is used.

    Why it matters:
        The declaration does nothing in Outlook; check the email still reads well without it.

    Example:
        <p style="opacity: 0.8">Hello</p>

    Use instead:
        <p style="color: #555555">Hello</p>
    """
    table = support_table()
    counts: dict[str, int] = {}
    first = {}
    preheader = doc.preheader_element  # hidden on purpose: the hiding CSS is no news
    index = css_index(doc)
    unsupported = unsupported_by_outlook() - COVERED
    for prop in sorted(index.properties() & unsupported):
        uses = index.for_outlook(prop)
        uses = [u for u in uses if u.element is not preheader]
        if not uses:
            continue
        counts[prop] = len(uses)
        first[prop] = min(uses, key=lambda u: u.element.sourceline or 0)
    for prop, use in first.items():
        slug = table[prop][2]
        if counts[prop] > 1:
            message = _(
                "`{prop}` is not supported by Outlook for Windows ({n} uses) (caniemail {slug})"
            ).format(prop=prop, n=counts[prop], slug=slug)
        else:
            message = _(
                "`{prop}` is not supported by Outlook for Windows (caniemail {slug})"
            ).format(prop=prop, slug=slug)
        yield css_hit(doc, use, message)


RULES = (
    flex_or_grid,
    position_or_float,
    max_width,
    background_without_vml,
    css_variables,
    rgb_spaces,
    margin_on_block,
    web_font_fallback,
    decorative_css,
    outlook_unsupported,
)
