"""Facts several rules need, computed once per document through `Document.memo`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from b2bmail.lint.document import Document, Element
from b2bmail.lint.problem import Hit

TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\*\||%%|\[\[")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    element: Element
    href: str
    text: str  # visible text, or the alt text of a linked image


def _links(doc: Document) -> list[Link]:
    found = []
    for el in doc.elements("a"):
        if el.get("href") is None:
            continue
        text = _SPACE.sub(" ", el.text_content()).strip()
        if not text:
            text = " ".join((img.get("alt") or "").strip() for img in el.iter("img")).strip()
        found.append(Link(el, (el.get("href") or "").strip(), text))
    return found


def links(doc: Document) -> list[Link]:
    """Every `<a href>` of the document with its visible text."""
    return doc.memo("links", lambda: _links(doc))


def is_template_value(value: str) -> bool:
    return bool(TEMPLATE_SYNTAX.search(value))


@dataclass(frozen=True, slots=True)
class CssUse:
    """One CSS declaration, inline or in a <style> block."""

    prop: str
    value: str
    element: Element  # the styled element, or the <style> element
    offset: int | None  # offset in the <style> text; None for an inline style
    selector: str = ""


@dataclass(frozen=True)
class CssIndex:
    """Declarations by property: all of them, and those classic Outlook would read."""

    everywhere: dict[str, list[CssUse]]
    outlook: dict[str, list[CssUse]]

    def all(self, *props: str) -> list[CssUse]:
        return [use for prop in props for use in self.everywhere.get(prop, ())]

    def for_outlook(self, *props: str) -> list[CssUse]:
        return [use for prop in props for use in self.outlook.get(prop, ())]


def _css_index(doc: Document) -> CssIndex:
    everywhere: dict[str, list[CssUse]] = {}
    outlook: dict[str, list[CssUse]] = {}
    for el, style in doc.styled:
        hidden = doc.hidden_from_outlook(el)
        for prop, value in style.items():
            use = CssUse(prop, value, el, None)
            everywhere.setdefault(prop, []).append(use)
            if not hidden:
                outlook.setdefault(prop, []).append(use)
    for el, sheet in doc.stylesheets:
        hidden = doc.hidden_from_outlook(el)
        for decl in sheet.declarations:
            use = CssUse(decl.prop, decl.value, el, decl.offset, decl.selector)
            everywhere.setdefault(decl.prop, []).append(use)
            # CSS inside @media is for clients that understand media queries, not Outlook.
            if decl.media is None and not hidden:
                outlook.setdefault(decl.prop, []).append(use)
    return CssIndex(everywhere, outlook)


def css_index(doc: Document) -> CssIndex:
    """Every CSS declaration of the document, indexed once by property.

    "Outlook" declarations leave out @media blocks, `<!--[if !mso]><!-->` and mso-hide:all.
    """
    return doc.memo("css_index", lambda: _css_index(doc))


def css_hit(doc: Document, use: CssUse, message: str) -> Hit:
    if use.offset is None:
        return doc.hit(use.element, message)
    return doc.hit_in_style(use.element, use.offset, message)


@lru_cache(maxsize=8)
def load_lines(name: str) -> tuple[str, ...]:
    """Non-comment lines of a packaged data file."""
    text = resources.files("b2bmail").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def support_table() -> dict[str, tuple[str, str, str]]:
    """feature -> (Outlook for Windows support, Gmail webmail support, caniemail slug)."""
    rows = load_lines("lint_css_support.tsv")[1:]
    table = {}
    for row in rows:
        feature, outlook, gmail, slug = row.split("\t")
        table[feature] = (outlook, gmail, slug)
    return table
