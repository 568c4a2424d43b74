"""Dark mode: what breaks when Apple Mail, Outlook.com or the Gmail app show an email dark.

The clients do three different things (caniemail, `css-at-media-prefers-color-scheme`,
`html-meta-color-scheme`, `css-color-scheme`, data copied at commit 6b086a3):

* Apple Mail (12.4+ on macOS, iOS 13+) applies `@media (prefers-color-scheme: dark)` and
  reads `color-scheme` (the meta in Apple Mail 16 on macOS, the CSS property on the root
  element in Apple Mail 16 and iOS 16.1). What the email declares there decides its default
  canvas and text colours; colours the email sets itself are kept (CSS Color Adjustment:
  `color-scheme` changes only the defaults).
* Outlook.com applies the dark media query but reads no `color-scheme`; it darkens every
  background colour the email sets and recolours every text colour it sets against that
  background or its own #333 canvas, keeping the originals in `data-ogsb` / `data-ogsc`
  attributes (R. Parmentier, "Dealing with Outlook.com's Dark Mode", hteumeuleu.com, 2019).
* The Gmail apps read neither: Android inverts light backgrounds and dark text together
  (partial inversion), iOS inverts every colour (full inversion). Images are left as they
  are (Gmail for Android inverts some small icons).

So a colour pair set by the email stays readable in Outlook.com and Gmail (both colours move),
and the rules here flag what does not: dark styles Apple Mail is not told about, dark text on
the canvas Apple Mail paints dark, and logos (images are left as they are) on a backdrop that
every client darkens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache

from b2bmail.i18n import _
from b2bmail.lint.css import RGB, contrast_ratio, parse_color
from b2bmail.lint.document import Document, Element
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import CssUse, css_hit, css_index, first_upward

# The contrast rule's inherited text colours, computed once per document (memoised there).
from b2bmail.lint.rules.a11y import BLACK, _computed

_SCHEME_PROPS = ("color-scheme", "supported-color-schemes")
_MAY_BE_TRANSPARENT = (".png", ".gif", ".svg", ".webp")  # JPEG has no alpha channel
_LOGO = re.compile(r"logo", re.I)
# A compound selector's parts: a tag name, `.class`, `#id` (attribute selectors and the rest
# are ignored, which makes a selector match more elements, never fewer).
_TAG = re.compile(r"^[a-zA-Z][\w-]*")
_CLASS = re.compile(r"\.([\w-]+)")
_ID = re.compile(r"#([\w-]+)")
Compound = tuple[str | None, frozenset[str], str | None]
#: A background that is painted but whose colour is not known here (an image, a <style> rule).
PAINTED: RGB = (-1, -1, -1)


def _is_dark_media(media: str | None) -> bool:
    # Media features are ASCII case-insensitive (Media Queries 4 §3).
    if media is None:
        return False
    media = media.lower()
    return "prefers-color-scheme" in media and "dark" in media


def _has_dark_media(doc: Document) -> bool:
    """A cheap precheck: some <style> block names `prefers-color-scheme` (any case). Asked
    by each of the three rules, answered once: it lower-cases every <style> block."""
    return doc.memo(
        "dark_mode_has_media",
        lambda: any(
            "prefers-color-scheme" in (el.text or "").lower() for el in doc.elements("style")
        ),
    )


def _dark_uses(doc: Document) -> list[CssUse]:
    """Declarations of the <style> blocks inside `@media (prefers-color-scheme: dark)`."""

    def find() -> list[CssUse]:
        found = []
        dark: dict[str | None, bool] = {}  # a sheet's declarations share a few media queries
        for el, sheet in doc.stylesheets:
            for decl in sheet.declarations:
                media = decl.media
                is_dark = dark.get(media)
                if is_dark is None:
                    is_dark = dark[media] = _is_dark_media(media)
                if is_dark:
                    found.append(CssUse(decl.prop, decl.value, el, decl.offset, decl.selector))
        return found

    # Cheap precheck: no "prefers-color-scheme" in the source, no dark block to parse for.
    if not _has_dark_media(doc):
        return []
    return doc.memo("dark_mode_uses", find)


def _declared_schemes(doc: Document) -> list[str]:
    """What the email declares as its colour schemes: the `color-scheme` and
    `supported-color-schemes` metas, and those properties in CSS (inline or <style>)."""

    def find() -> list[str]:
        found = [
            (meta.get("content") or "").lower()
            for meta in doc.elements("meta")
            if (meta.get("name") or "").strip().lower() in _SCHEME_PROPS
        ]
        found.extend(use.value.lower() for use in css_index(doc).all(*_SCHEME_PROPS))
        return found

    # B2B316 and B2B318 both ask: found once.
    return doc.memo("dark_mode_declared_schemes", find)


def _supports_dark(doc: Document) -> bool:
    return any("dark" in value for value in _declared_schemes(doc))


@rule("B2B316", "dark-styles-without-color-scheme", "warning")
def dark_styles_without_color_scheme(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags `@media (prefers-color-scheme: dark)` styles in an email that declares no dark
        colour scheme: no `<meta name="color-scheme">` or `<meta
        name="supported-color-schemes">`, and no `color-scheme` CSS property, whose value
        names `dark` (a declaration of `light` alone is flagged too). Outlook.com's
        `[data-ogsc]` styles alone are not flagged: Outlook.com reads no `color-scheme`
        (caniemail).

    Why it matters:
        Apple Mail applies the dark media query, and takes from `color-scheme` whether the
        email supports a dark scheme (caniemail `html-meta-color-scheme`, `css-color-scheme`;
        Parcel, "Guide to color scheme in email"). Without it the dark styles land on the
        light defaults: what they do not restyle keeps a white canvas or black default text,
        and the email shows half dark, half light.

    Example:
        <html><head><style>@media (prefers-color-scheme: dark) { .card { background: #111111 !important; } }</style></head><body><p class="card">Hello</p></body></html>

    Use instead:
        <html><head><meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"><style>:root { color-scheme: light dark; } @media (prefers-color-scheme: dark) { .card { background: #111111 !important; } }</style></head><body><p class="card">Hello</p></body></html>
    """
    if not _has_dark_media(doc):
        return
    declared = _declared_schemes(doc)
    if any("dark" in value for value in declared):
        return
    uses = _dark_uses(doc)
    if not uses:
        return
    if declared:
        yield css_hit(
            doc,
            uses[0],
            _(
                "dark-mode styles, but color-scheme declares light only — declare "
                '"light dark" (meta and :root) or drop the dark styles'
            ),
        )
        return
    yield css_hit(
        doc,
        uses[0],
        _(
            "dark-mode styles without a color-scheme declaration — add "
            '<meta name="color-scheme" content="light dark">, <meta name="supported-color-schemes" '
            'content="light dark"> and :root { color-scheme: light dark; }'
        ),
    )


@lru_cache(maxsize=1024)
def _parse_selector(text: str) -> tuple[tuple[str, Compound], ...]:
    """(index key, last compound) of each selector of a comma-separated list; a template's
    emails share their selectors, so each is read once."""
    found = []
    for selector in text.split(","):
        parts = selector.replace(">", " ").replace("+", " ").replace("~", " ").split()
        if not parts:
            continue
        last = parts[-1].split(":", 1)[0]  # `a:hover` styles an <a> too: err on matching
        match = _TAG.match(last)
        tag = match.group(0).lower() if match else None
        classes = frozenset(_CLASS.findall(last))
        ids = _ID.findall(last)
        # `[data-ogsc]`, `:root`, `*`: nothing to match an element by, left out.
        key = tag or next((f".{c}" for c in sorted(classes)), None)
        key = key or (f"#{ids[0]}" if ids else None)
        if key is not None:
            found.append((key, (tag, classes, ids[0] if ids else None)))
    return tuple(found)


class _Selectors:
    """The last compound selector (tag, classes, id) of each of some selectors, indexed by
    one part each, so most elements (a tag, no class) are turned down by a dict lookup."""

    def __init__(self, selectors: list[str]) -> None:
        self._by_key: dict[str, list[Compound]] = {}
        for text in selectors:
            for key, compound in _parse_selector(text):
                self._by_key.setdefault(key, []).append(compound)

    def match(self, el: Element) -> bool:
        """Whether one of the compounds matches `el` (ancestors in the selector not checked,
        so it matches more elements, never fewer)."""
        by_key = self._by_key
        if not by_key:
            return False
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        cls = el.get("class")
        el_id = el.get("id")
        if not cls and not el_id:
            # Most elements: no class, no id. Only a compound of their tag alone (indexed by
            # the tag) can match, as the loop below would find, without building its keys.
            for _tag, want_classes, want_id in by_key.get(tag, ()):
                if not want_classes and want_id is None:
                    return True
            return False
        names = (cls or "").split()
        keys = [tag, *(f".{c}" for c in names)]
        if el_id:
            keys.append(f"#{el_id}")
        classes = set(names)
        for key in keys:
            for want_tag, want_classes, want_id in by_key.get(key, ()):
                if want_tag is not None and want_tag != tag:
                    continue
                if want_classes <= classes and (want_id is None or want_id == el_id):
                    return True
        return False


def _explicit_background(doc: Document, el: Element, sheet: _Selectors) -> RGB | None:
    """The background colour `el` paints itself (`bgcolor`, inline, or a <style> rule outside
    the dark media query), or None when it paints none. A background image, or a colour set
    by a <style> rule (not resolved here), is `PAINTED`: something is behind the text."""
    bgcolor = el.get("bgcolor")
    parsed = parse_color(bgcolor) if bgcolor else None
    if parsed is not None:
        return parsed
    style = doc.style(el)
    for prop in ("background-color", "background"):
        if prop in style:
            parsed = parse_color(style[prop])
            if parsed is not None:
                return parsed
            if "url(" in style[prop].lower():
                return PAINTED
    if el.get("background") or "url(" in style.get("background-image", "").lower():
        return PAINTED
    return PAINTED if sheet.match(el) else None


def _sheet_backgrounds(doc: Document) -> _Selectors:
    """The selectors of <style> rules, outside the dark media query, that set a background."""

    def find() -> _Selectors:
        return _Selectors(
            [
                decl.selector
                for _el, sheet in doc.stylesheets
                for decl in sheet.declarations
                if decl.prop.startswith("background") and not _is_dark_media(decl.media)
            ]
        )

    return doc.memo("dark_mode_sheet_backgrounds", find)


@rule("B2B318", "dark-text-without-background", "info")
def dark_text_without_background(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes text with a dark inline colour (under 4.5:1 against black, WCAG 2.1 §1.4.3)
        that has no background colour set on it or on any element around it up to `<body>`,
        in an email that declares a dark colour scheme (`color-scheme: light dark`, meta or
        CSS), unless a rule of its dark media query styles the element or one around it.

    Why it matters:
        With a dark scheme declared, Apple Mail in dark mode paints the default canvas dark
        and keeps every colour the email sets (caniemail `css-color-scheme`; CSS Color
        Adjustment: only the default colours change): dark text on nothing is dark on dark.
        Outlook.com and the Gmail apps recolour such text with its background, so it is
        Apple Mail (and Samsung Email, Thunderbird) that shows it unreadable.

    Example:
        <html><head><meta name="color-scheme" content="light dark"></head><body><p style="color: #333333">Prices valid until May.</p></body></html>

    Use instead:
        <html><head><meta name="color-scheme" content="light dark"></head><body><table role="presentation" bgcolor="#ffffff"><tr><td style="color: #333333">Prices valid until May.</td></tr></table></body></html>
    """
    if not _supports_dark(doc):
        return
    dark = _dark_uses(doc)
    restyled = _Selectors([use.selector for use in dark if use.prop == "color"])
    sheet = _sheet_backgrounds(doc)
    # element -> True when it or an element around it (up to <body>) paints a background
    # or is restyled by the dark media query.
    covered: dict[Element, bool] = {}
    body = doc.body

    def paints(node: Element) -> bool | None:
        # Both tests are pure: the dark media query's (few) selectors first, which often
        # name the text's own tag (p, h1, li…) and spare the background's attribute reads.
        if restyled.match(node) or _explicit_background(doc, node, sheet) is not None:
            return True
        return None

    def is_covered(el: Element) -> bool:
        return first_upward(el, covered, paints, False, body)

    dark_colors: dict[RGB, bool] = {}
    for el, (color, _background, _image, _size) in _computed(doc):
        if color is None:
            continue
        is_dark = dark_colors.get(color)
        if is_dark is None:
            is_dark = dark_colors[color] = contrast_ratio(color, BLACK) < 4.5
        if is_dark and not is_covered(el):
            yield doc.hit(
                el,
                _(
                    "dark text with no background colour behind it: with color-scheme "
                    "light dark, Apple Mail's dark mode shows it on a dark canvas — set a "
                    "background colour on its container or restyle it in the dark media query"
                ),
            )


def _is_logo(img: Element) -> bool:
    return any(_LOGO.search(img.get(attr) or "") for attr in ("alt", "src", "class", "id"))


def _may_be_transparent(src: str) -> bool:
    path = src.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(_MAY_BE_TRANSPARENT)


def _is_light(color: RGB) -> bool:
    """Clearly light: relative luminance 0.4 or more (9:1 against black, WCAG 2.1). A mid
    colour (a #127db3 blue band) is left out: the logo on it is often drawn white."""
    return contrast_ratio(color, BLACK) >= 9.0


def _backdrop(doc: Document, img: Element, sheet: _Selectors) -> RGB | None:
    """The first background painted behind `img` (itself, then around it up to <body>), or
    None when none is: the client's canvas shows."""
    node: Element | None = img
    while node is not None:
        color = _explicit_background(doc, node, sheet)
        if color is not None or node is doc.body:
            return color
        node = node.getparent()
    return None


@rule("B2B317", "logo-may-vanish-in-dark-mode", "info")
def logo_may_vanish(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes a logo (an `<img>` whose alt, src, class or id says "logo") in a format that
        may be transparent (PNG, GIF, SVG, WebP) whose backdrop is light: the first
        background colour set on it or around it up to `<body>` is light, or none is set (the
        canvas shows). Not noted: a logo on a dark background colour (drawn light for it), on
        a background image or a `<style>` background, or swapped by a dark media query rule.
        Lint cannot read the file, so the note says to check it.

    Why it matters:
        In dark mode Outlook.com darkens every background colour the email sets, the Gmail
        apps invert light backgrounds, and Apple Mail paints the canvas dark when the email
        declares `color-scheme: light dark`; none of them changes the image (Gmail for
        Android inverts only some small icons). A dark logo on a transparent background then
        sits on dark and vanishes (R. Parmentier, "Dealing with Outlook.com's Dark Mode";
        Litmus screenshots of a dark PNG logo on a transparent background,
        meta.discourse.org, "Investigating activity summary email dark mode issues").

    Example:
        <img src="https://example.com/logo.png" alt="Acme" width="120" height="40">

    Use instead:
        <img src="https://example.com/logo.jpg" alt="Acme" width="120" height="40">
    """
    images = doc.elements("img")
    if not images:
        return
    swapped: _Selectors | None = None
    hidden = doc.hidden_set
    for img in images:
        src = (img.get("src") or "").strip()
        if not _is_logo(img) or not _may_be_transparent(src) or img in hidden:
            continue
        if swapped is None:
            swapped = _Selectors([use.selector for use in _dark_uses(doc)])
        if swapped.match(img):
            continue
        backdrop = _backdrop(doc, img, _sheet_backgrounds(doc))
        # A backdrop the email paints dark holds a logo drawn light, which the clients keep
        # (only Gmail for iOS inverts dark colours too); an image or a <style> colour is not
        # judged here.
        if backdrop is not None and (backdrop == PAINTED or not _is_light(backdrop)):
            continue
        name = src.rsplit("/", 1)[-1][:60] or src
        yield doc.hit(
            img,
            _(
                "logo {name!r} may have a transparent background on a light backdrop: dark "
                "mode darkens the backdrop, not the image, so a dark logo vanishes — lint cannot "
                "read the file, so check it; use a JPEG or a PNG with a solid or outlined "
                "background, or swap it in the dark media query"
            ).format(name=name),
        )


RULES = (dark_styles_without_color_scheme, logo_may_vanish, dark_text_without_background)
