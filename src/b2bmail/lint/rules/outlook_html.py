"""Old clients, HTML: elements email clients strip, external CSS, misplaced <style>, width."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.css import parse_px
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import support_table

FORBIDDEN = ("script", "form", "iframe", "video", "audio", "object", "embed", "svg", "canvas")
FONT_SERVICES = re.compile(
    r"fonts\.googleapis\.com|use\.typekit\.net|fonts\.bunny\.net|fast\.fonts\.net", re.I
)


@rule("B2B311", "forbidden-element", "error")
def forbidden_element(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `<script>`, `<form>`, `<iframe>`, `<video>`, `<audio>`, `<object>`, `<embed>`,
        `<svg>` and `<canvas>`.

    Why it matters:
        Email clients strip them (scripts and frames for security; Outlook for Windows shows
        no SVG, video or audio) and spam filters score them.

    Example:
        <html><body><script>track()</script><p>Hello</p></body></html>

    Use instead:
        <html><body><p>Hello</p></body></html>
    """
    for el in doc.elements(*FORBIDDEN):
        yield doc.hit(
            el,
            _("<{tag}> is stripped by email clients — remove it (use an image or a link)").format(
                tag=el.tag
            ),
        )


@rule("B2B312", "external-stylesheet", "error")
def external_stylesheet(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `<link rel="stylesheet">` and `@import` of CSS. A web-font stylesheet (Google
        Fonts, Adobe Fonts, Bunny Fonts) is only noted, as the text falls back to the next font.

    Why it matters:
        Gmail, Outlook and most webmails never load external CSS: the email arrives unstyled.

    Example:
        <html><head><link rel="stylesheet" href="https://example.com/email.css"></head><body><p>Hello</p></body></html>

    Use instead:
        <html><head></head><body><p style="color: #333333">Hello</p></body></html>
    """
    for el in doc.elements("link"):
        if "stylesheet" in (el.get("rel") or "").lower():
            href = el.get("href") or ""
            if FONT_SERVICES.search(href):
                yield doc.hit(
                    el,
                    _("web-font stylesheet: most clients do not load it; keep a fallback font"),
                    "info",
                )
            else:
                yield doc.hit(
                    el,
                    _(
                        "external stylesheet {href} is not loaded by email clients — inline the CSS"
                    ).format(href=href),
                )
    for el, sheet in doc.stylesheets:
        for url, offset in sheet.imports:
            if FONT_SERVICES.search(url):
                hit = doc.hit_in_style(
                    el,
                    offset,
                    _("web-font @import: most clients do not load it; keep a fallback font"),
                )
                yield Hit(hit.message, hit.line, hit.column, hit.snippet, hit.part, "info")
            else:
                yield doc.hit_in_style(
                    el,
                    offset,
                    _("@import {url} is not loaded by email clients — inline the CSS").format(
                        url=url
                    ),
                )


@rule("B2B313", "style-in-body", "warning")
def style_in_body(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a `<style>` element inside `<body>`.

    Why it matters:
        Several webmails (Gmail with non-Google accounts, older Yahoo and Outlook.com) keep only
        the `<style>` of the `<head>`; styles in the body are dropped.

    Example:
        <html><head></head><body><style>p { color: #333333; }</style><p>Hello</p></body></html>

    Use instead:
        <html><head><style>p { color: #333333; }</style></head><body><p>Hello</p></body></html>
    """
    body = doc.body
    if body is doc.root:
        return
    for el in doc.elements("style"):
        if any(parent is body for parent in el.iterancestors("body")):
            yield doc.hit(
                el, _("<style> inside <body> is dropped by some webmails — move it to <head>")
            )


@rule("B2B314", "content-too-wide", "warning", {"max-content-px": 640})
def content_too_wide(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a table, cell, image or block whose `width` attribute or inline width is over
        `max-content-px` (640) pixels.

    Why it matters:
        Outlook's reading pane and most webmail panes are 600 to 650 px wide: wider content
        makes readers scroll sideways.

    Example:
        <table role="presentation" width="800"><tr><td>Hello</td></tr></table>

    Use instead:
        <table role="presentation" width="600"><tr><td>Hello</td></tr></table>
    """
    limit = t["max-content-px"]
    styles = doc.inline_styles
    hidden = doc.outlook_hidden
    for el in doc.elements("table", "td", "th", "img", "div"):
        raw = el.get("width")
        # Only three-digit widths can be too wide: skip "100%", "20" and absent ones quickly.
        width = parse_px(raw) if raw and len(raw) >= 3 and raw[0].isdigit() else None
        if width is None:
            style = styles.get(el)
            # As written: a `WIDTH:` property (upper case) was never read as a width here.
            if style and "width" in style and "width" in el.get("style"):
                width = parse_px(style["width"])
        if width is not None and width > limit and el not in hidden:
            yield doc.hit(
                el,
                _("<{tag}> is {width:g} px wide; keep email content within {limit:g} px").format(
                    tag=el.tag, width=width, limit=limit
                ),
            )


@rule("B2B315", "outlook-unsupported-element", "info")
def outlook_unsupported_element(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes the first use of each HTML element that caniemail lists as unsupported by Outlook
        for Windows 2007-2021 (`<picture>`, `<abbr>`, `<select>`, `<meter>`…), other than the
        elements `forbidden-element` and `external-stylesheet` already report.

    Why it matters:
        Outlook for Windows ignores the element: a `<picture>` shows only its `<img>`, an
        `<abbr>` no expansion, form controls nothing useful. Check the email reads well without.

    Example:
        <picture><source srcset="https://example.com/a.webp"><img src="https://example.com/a.png" alt="Chart" width="600" height="300"></picture>

    Use instead:
        <img src="https://example.com/a.png" alt="Chart" width="600" height="300">
    """
    table = support_table()
    for tag, elements in doc.tags.items():
        key = f"<{tag}>"
        row = table.get(key)
        if row is None or row[0] != "n" or tag in FORBIDDEN or tag == "link":
            continue
        shown = [el for el in elements if not doc.hidden_from_outlook(el)]
        if shown:
            if len(shown) > 1:
                message = _(
                    "<{tag}> is not supported by Outlook for Windows ({n} uses) (caniemail {slug})"
                ).format(tag=tag, n=len(shown), slug=row[2])
            else:
                message = _(
                    "<{tag}> is not supported by Outlook for Windows (caniemail {slug})"
                ).format(tag=tag, slug=row[2])
            yield doc.hit(shown[0], message)


RULES = (
    forbidden_element,
    external_stylesheet,
    style_in_body,
    content_too_wide,
    outlook_unsupported_element,
)
