"""Facts several rules need, computed once per document through `Document.memo`."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple, TypeVar

from b2bmail.lint.cached import cached
from b2bmail.lint.document import Document, Element, text_content
from b2bmail.lint.problem import Hit

T = TypeVar("T")

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
        text = _SPACE.sub(" ", text_content(el)).strip()
        if not text:
            text = " ".join((img.get("alt") or "").strip() for img in el.iter("img")).strip()
        found.append(Link(el, (el.get("href") or "").strip(), text))
    return found


def first_upward(
    el: Element,
    known: dict[Element, T],
    own: Callable[[Element], T | None],
    default: T,
    stop: Element | None = None,
) -> T:
    """The first value `own` gives (not None) on `el` or an element around it, up to `stop`
    (or the root); `default` when none gives one. What is found is remembered in `known` for
    every element on the way, so siblings and descendants asked later stop at once: an
    inherited fact costs one step per element, not one per element and ancestor."""
    chain = []
    node: Element | None = el
    result = default
    while node is not None:
        found = known.get(node)
        if found is not None:
            result = found
            break
        chain.append(node)
        value = own(node)
        if value is not None:
            result = value
            break
        if node is stop:
            break
        node = node.getparent()
    for seen in chain:
        known[seen] = result
    return result


def links(doc: Document) -> list[Link]:
    """Every `<a href>` of the document with its visible text."""
    return doc.memo("links", lambda: _links(doc))


def background_attributes(doc: Document) -> list[Element]:
    """The `<td>`, `<table>`, `<body>`, `<div>` and `<th>` elements (in that order of tags)
    with a non-empty `background` attribute (HTML 4's background image).

    B2B304 looks at it on the first four tags, B2B508 on the table tags and `<body>`: each
    element is read once for both (an attribute read is an lxml call, the costliest step of
    both loops), and each rule keeps its own tags from this short list.
    """
    return doc.memo(
        "background_attributes",
        lambda: [
            el for el in doc.elements("td", "table", "body", "div", "th") if el.get("background")
        ],
    )


def is_template_value(value: str) -> bool:
    return bool(TEMPLATE_SYNTAX.search(value))


class CssUse(NamedTuple):
    """One CSS declaration, inline or in a <style> block."""

    prop: str
    value: str
    element: Element  # the styled element, or the <style> element
    offset: int | None  # offset in the <style> text; None for an inline style
    selector: str = ""


class CssIndex:
    """CSS declarations by property, looked up on demand (rules ask for a few properties each).

    "Outlook" declarations leave out @media blocks, `<!--[if !mso]><!-->` and mso-hide:all.
    """

    def __init__(self, doc: Document) -> None:
        # Weakly: the index lives in the document's memo, and a strong reference back made
        # every linted document a reference cycle, freed only by the cyclic collector (its
        # lxml tree with it): documents piled up until a full collection walked them all.
        self._doc = weakref.proxy(doc)
        sheet_decls: dict[str, list[CssUse]] = {}
        sheet_outlook: dict[str, list[CssUse]] = {}
        for el, sheet in doc.stylesheets:
            hidden = doc.hidden_from_outlook(el)
            for prop, value, offset, selector, media in sheet.declarations:
                use = _new_use(CssUse, (prop, value, el, offset, selector))
                sheet_decls.setdefault(prop, []).append(use)
                # CSS inside @media is for clients that understand media queries, not Outlook.
                if media is None and not hidden:
                    sheet_outlook.setdefault(prop, []).append(use)
        self._sheet_all = sheet_decls
        self._sheet_outlook = sheet_outlook

    def _inline(
        self, props: tuple[str, ...], outlook: bool, where: Callable[[str], object] | None = None
    ) -> list[CssUse]:
        hidden = self._doc.outlook_hidden if outlook else frozenset()
        by_prop = self._doc.styles_by_property
        found: list[CssUse] = []
        for prop in props:
            groups = by_prop.get(prop, ())
            if where is not None:
                groups = [group for group in groups if where(group[0])]
            if not groups:
                continue
            if len(groups) == 1:
                pairs = [(el, groups[0][0]) for el in groups[0][1]]
            else:
                values = {el: value for value, elements in groups for el in elements}
                pairs = [(el, values[el]) for el in self._doc.styled_order(values)]
            # tuple.__new__: a NamedTuple's own constructor runs Python code for each use.
            found.extend(
                [
                    _new_use(CssUse, (prop, value, el, None, ""))
                    for el, value in pairs
                    if el not in hidden
                ]
            )
        return found

    def all(self, *props: str) -> list[CssUse]:
        """Declarations of `props` anywhere, inline first then <style> blocks."""
        sheets = [use for prop in props for use in self._sheet_all.get(prop, ())]
        return self._inline(props, False) + sheets

    def for_outlook(
        self, *props: str, where: Callable[[str], object] | None = None
    ) -> list[CssUse]:
        """Declarations of `props` that classic Outlook for Windows would read.

        `where(value)`, when given, keeps only the declarations whose value it accepts: each
        distinct inline value is tested once, not once per element that carries it.
        """
        sheets = [use for prop in props for use in self._sheet_outlook.get(prop, ())]
        if where is not None:
            sheets = [use for use in sheets if where(use.value)]
        return self._inline(props, True, where) + sheets

    @cached
    def _properties(self) -> frozenset[str]:
        return frozenset(self._sheet_all) | frozenset(self._doc.styles_by_property)

    def properties(self) -> frozenset[str]:
        """Every property used, inline or in a <style> block."""
        return self._properties

    def sheet_uses(self) -> Iterator[CssUse]:
        """Every declaration of the <style> blocks."""
        for uses in self._sheet_all.values():
            yield from uses

    def everything(self) -> Iterator[CssUse]:
        for el, style in self._doc.styled:
            for prop, value in style.items():
                yield CssUse(prop, value, el, None)
        for uses in self._sheet_all.values():
            yield from uses

    def custom_properties(self) -> bool:
        return any(p.startswith("--") for p in self._properties)


_new_use = tuple.__new__


def css_index(doc: Document) -> CssIndex:
    """Every CSS declaration of the document, indexed once (see `CssIndex`)."""
    return doc.memo("css_index", lambda: CssIndex(doc))


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


@lru_cache(maxsize=1)
def unsupported_by_outlook() -> frozenset[str]:
    """CSS properties caniemail lists as unsupported by every Outlook for Windows 2007-2021."""
    return frozenset(
        f for f, row in support_table().items() if row[0] == "n" and not f.startswith("<")
    )
