"""Accessibility: language, title, charset, viewport, table roles, link text, contrast, size."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.css import RGB, contrast_ratio, parse_color, parse_px
from b2bmail.lint.document import Document, Element
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import background_attributes, links

VAGUE_LINK_TEXT = re.compile(
    r"^(click here|click|here|read more|more|learn more|this link|link|go|"
    r"cliquez ici|cliquez|ici|en savoir plus|lire la suite|"
    r"hier klicken|klicken sie hier|hier|mehr|weiterlesen|"
    r"klik hier|lees meer|meer|"
    r"haga clic aquí|haz clic aquí|aquí|clicca qui|qui)[\s.!:»›>]*$",
    re.I,
)
WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


def _html(doc: Document) -> Element:
    return doc.root


@rule("B2B501", "missing-lang", "warning")
def missing_lang(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an `<html>` element without a `lang` attribute, or with `lang="und"`
        ("undetermined", what MJML writes when `<mjml>` has no `lang`).

    Why it matters:
        Screen readers pick their voice and pronunciation from `lang`; without it a French
        email is read with English rules.

    Example:
        <html><head><title>News</title></head><body><p>Bonjour</p></body></html>

    Use instead:
        <html lang="fr"><head><title>News</title></head><body><p>Bonjour</p></body></html>
    """
    root = _html(doc)
    lang = (
        root.get("lang")
        or root.get("xml:lang")
        or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    )
    if not lang:
        yield doc.hit(root, _('the <html> element has no lang attribute — add e.g. lang="en"'))
    elif lang.strip().lower() == "und":
        # "und" is "undetermined" (BCP 47, RFC 5646 §4.1): MJML writes it when <mjml> has no
        # lang, and it tells a screen reader no more than no attribute.
        yield doc.hit(
            root,
            _(
                'lang="und" means "language undetermined" — set the language, e.g. lang="en" '
                '(in MJML: <mjml lang="{{ lang }}">)'
            ),
        )


@rule("B2B502", "missing-dir", "info")
def missing_dir(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes an `<html>` element without a `dir` attribute.

    Why it matters:
        Some clients (and right-to-left languages) need `dir="ltr"` or `dir="rtl"` to lay out
        and read the text in the right direction.

    Example:
        <html lang="en"><body><p>Hello</p></body></html>

    Use instead:
        <html lang="en" dir="ltr"><body><p>Hello</p></body></html>
    """
    root = _html(doc)
    if not root.get("dir"):
        yield doc.hit(root, _('the <html> element has no dir attribute — add dir="ltr" (or "rtl")'))


@rule("B2B503", "missing-title", "warning")
def missing_title(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email with no `<title>`, or an empty one.

    Why it matters:
        Screen readers announce the title, and "view in browser" tabs and some notification
        previews show it.

    Example:
        <html lang="en"><head></head><body><p>Hello</p></body></html>

    Use instead:
        <html lang="en"><head><title>Spring catalogue</title></head><body><p>Hello</p></body></html>
    """
    titles = doc.elements("title")
    if not titles:
        yield doc.hit(_html(doc), _("no <title> — give the email a title (usually the subject)"))
    elif not (titles[0].text or "").strip():
        yield doc.hit(titles[0], _("the <title> is empty — put the subject in it"))


@rule("B2B504", "missing-charset", "warning")
def missing_charset(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags HTML without `<meta charset>` or a Content-Type meta giving a charset.

    Why it matters:
        When the HTML is viewed outside its message (view in browser, forwarding, archiving)
        accented text turns into mojibake.

    Example:
        <html lang="fr"><head><title>Nouveautés</title></head><body><p>Été</p></body></html>

    Use instead:
        <html lang="fr"><head><meta charset="utf-8"><title>Nouveautés</title></head><body><p>Été</p></body></html>
    """
    for meta in doc.elements("meta"):
        if meta.get("charset") or "charset" in (meta.get("content") or "").lower():
            return
    yield doc.hit(_html(doc), _('no charset declared — add <meta charset="utf-8"> in <head>'))


@rule("B2B505", "missing-viewport", "warning")
def missing_viewport(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags HTML without `<meta name="viewport">`.

    Why it matters:
        Mobile clients then render the email at desktop width and shrink it: text becomes
        too small to read without zooming.

    Example:
        <html lang="en"><head><title>News</title></head><body><p>Hello</p></body></html>

    Use instead:
        <html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>News</title></head><body><p>Hello</p></body></html>
    """
    for meta in doc.elements("meta"):
        if (meta.get("name") or "").lower() == "viewport":
            return
    yield doc.hit(
        _html(doc),
        _('no viewport — add <meta name="viewport" content="width=device-width, initial-scale=1">'),
    )


@rule("B2B506", "layout-table-without-role", "warning")
def table_role(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a `<table>` without a `role` attribute that is not a data table (it has no
        `<th>`, `<caption>` or `<thead>`).

    Why it matters:
        Screen readers announce every layout table ("table with 3 rows and 2 columns") and
        its cells unless it has `role="presentation"`.

    Example:
        <table width="600"><tr><td>Hello</td></tr></table>

    Use instead:
        <table role="presentation" width="600"><tr><td>Hello</td></tr></table>
    """
    for el in doc.elements("table"):
        if el.get("role"):
            continue
        if next(el.iter("th", "caption", "thead"), None) is not None:
            continue
        yield doc.hit(
            el, _('layout table without role="presentation" — screen readers announce it')
        )


@rule("B2B507", "vague-link-text", "warning")
def vague_link_text(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags link text that says nothing about where it goes: "click here", "here", "read
        more", "cliquez ici", "ici", "hier klicken", "klik hier", "lees meer"…

    Why it matters:
        Screen-reader users jump from link to link; with images blocked a vague link is all
        that is left; and filters score "click here".

    Example:
        <p>Our spring prices: <a href="https://example.com/prices">click here</a></p>

    Use instead:
        <p><a href="https://example.com/prices">See our spring prices</a></p>
    """
    for link in links(doc):
        if link.text and VAGUE_LINK_TEXT.match(link.text):
            yield doc.hit(
                link.element,
                _("link text {text!r} does not say where it goes — name the destination").format(
                    text=link.text
                ),
            )


Inherited = tuple[RGB | None, RGB, bool, float | None]
"""(inline colour or None, background, whether the nearest background is an image with no
colour of its own, font size px)."""
Delta = tuple[RGB | None, RGB | None, bool, float | None]
_NOTHING: Delta = (None, None, False, None)
# The properties `_style_delta` reads: a style without any of them gives `_NOTHING`.
_STYLED_TEXT = frozenset(
    ("color", "background-color", "background", "background-image", "font-size")
)
_ROOT_STATE: Inherited = (None, WHITE, False, None)


def _style_delta(style: dict[str, str]) -> Delta:
    """What an inline style sets for the text inside: (colour, background, image without a
    colour, font size px); None or False where it sets nothing (the element then inherits)."""
    color = parse_color(style["color"]) if "color" in style else None
    background = None
    for prop in ("background-color", "background"):
        if prop in style:
            background = parse_color(style[prop]) or background
    image = background is None and (
        "url(" in style.get("background-image", "").lower()
        or "url(" in style.get("background", "").lower()
    )
    size = parse_px(style["font-size"]) or None if "font-size" in style else None
    return color, background, image, size


def _computed(doc: Document) -> list[tuple[Element, Inherited]]:
    def compute() -> list[tuple[Element, Inherited]]:
        cache: dict[Element, Inherited] = {}
        # Each distinct inline style is read once, not once per element that carries it.
        deltas: dict[Element, Delta] = {}
        for style, elements in doc.style_groups:
            # A style setting none of the properties read (padding, width…) changes nothing:
            # one C-level key test instead of five lookups and two searches.
            if _STYLED_TEXT.isdisjoint(style):
                continue
            delta = _style_delta(style)
            if delta != _NOTHING:
                for el in elements:
                    deltas[el] = delta
        # The HTML `background` attribute (an image) of tables and cells. Read on each of
        # them: cheaper than a search of the whole HTML for the attribute (about 70 reads
        # against two scans of 35-45 KB), and any spelling of its name counts (lxml gives
        # attribute names in lower case). Read once for B2B304 too, which also looks at
        # <div>s: those are left out here.
        for el in background_attributes(doc):
            if el.tag != "div":
                color, background, _image, size = deltas.get(el, _NOTHING)
                deltas[el] = (color, background, background is None, size)
        # <font color>, from the walk's list of <font> elements; the inline style's colour
        # wins over the attribute.
        for font in doc.elements("font"):
            attr_color = font.get("color")
            font_color = parse_color(attr_color) if attr_color else None
            if font_color:
                color, background, image, size = deltas.get(font, _NOTHING)
                deltas[font] = (color or font_color, background, image, size)
        found: list[tuple[Element, Inherited]] = []
        # Inline rather than a recursive call per element (a Python call costs more than the
        # work): climb to the first ancestor already known, then come down setting each one.
        for el in doc.text_elements:
            known = cache.get(el)
            if known is None:
                chain = [el]
                parent = el.getparent()
                while parent is not None:
                    known = cache.get(parent)
                    if known is not None:
                        break
                    chain.append(parent)
                    parent = parent.getparent()
                state = known or _ROOT_STATE
                for node in reversed(chain):
                    bgcolor = node.get("bgcolor")
                    parsed = parse_color(bgcolor) if bgcolor else None
                    if parsed:
                        state = (state[0], parsed, False, state[3])
                    own = deltas.get(node)
                    if own is not None:
                        color, background, image_only, size = state
                        own_color, own_background, own_image, own_size = own
                        if own_color:
                            color = own_color
                        if own_background:
                            background, image_only = own_background, False
                        elif own_image and not parsed:
                            image_only = True  # its bgcolor, if any, is the fallback
                        if own_size:
                            size = own_size
                        state = (color, background, image_only, size)
                    cache[node] = state  # unchanged: the parent's own tuple, shared
                known = state
            found.append((el, known))
        return found

    return doc.memo("computed_text_styles", compute)


@rule("B2B508", "low-contrast", "warning", {"min-contrast": 4.5})
def low_contrast(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags text whose inline colour, against the nearest background colour set inline or
        with `bgcolor` (white when none), has a contrast under `min-contrast` (4.5:1, WCAG 2.1
        §1.4.3; 3:1 for text of 24 px and more). Colours set only in `<style>` are not judged.
        Over a background image with no colour of its own, the text is judged against what
        shows when images are off, and the message says the fallback colour is missing.

    Why it matters:
        Light grey on white is unreadable on a phone in daylight and for one reader in twelve
        with low vision.

    Example:
        <p style="color: #aaaaaa">Prices valid until May.</p>

    Use instead:
        <p style="color: #595959">Prices valid until May.</p>
    """
    ratios: dict[tuple[RGB, RGB], float] = {}  # a template uses a few colour pairs
    for el, (color, background, image_only, size) in _computed(doc):
        if color is None:
            continue
        ratio = ratios.get((color, background))
        if ratio is None:
            ratio = ratios[color, background] = contrast_ratio(color, background)
        needed = 3.0 if size is not None and size >= 24 else t["min-contrast"]
        if ratio < needed and image_only:
            # The text colour suits the image; what is missing is a colour behind it when
            # images are off (and in Outlook for Windows, which shows no CSS backgrounds).
            yield doc.hit(
                el,
                _(
                    "text over a background image with no fallback colour: with images off it is "
                    "{ratio:.2f}:1 — add a background-color (or bgcolor) close to the image's"
                ).format(ratio=ratio),
            )
        elif ratio < needed:
            yield doc.hit(
                el,
                _(
                    "text contrast is {ratio:.2f}:1, under {needed:g}:1 — "
                    "darken the text or lighten the background"
                ).format(ratio=ratio, needed=needed),
            )


@rule("B2B509", "small-text", "warning", {"min-font-px": 14})
def small_text(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags text whose inline font size (inherited) is under `min-font-px` (14 px). Footers
        and legal lines are included: they still need to be read.

    Why it matters:
        iOS enlarges text under 13 px and breaks the layout; small text is hard to read on
        phones, where most B2B email is first opened.

    Example:
        <p style="font-size: 11px">Prices valid until May.</p>

    Use instead:
        <p style="font-size: 16px">Prices valid until May.</p>
    """
    for el, (_color, _bg, _image, size) in _computed(doc):
        if size is not None and 0 < size < t["min-font-px"]:
            yield doc.hit(
                el,
                _("text is {size:g} px — use at least {limit:g} px").format(
                    size=size, limit=t["min-font-px"]
                ),
            )


RULES = (
    missing_lang,
    missing_dir,
    missing_title,
    missing_charset,
    missing_viewport,
    table_role,
    vague_link_text,
    low_contrast,
    small_text,
)
