"""Text facts: the text a reader sees, its words, the preheader and the hidden elements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import filterfalse
from typing import cast

from lxml import etree

from b2bmail.lint.cached import cached
from b2bmail.lint.core import Element
from b2bmail.lint.facts.styles import StyleFacts

_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u034f", "\u00ad", "\ufeff")


def text_content(el: Element) -> str:
    """The text of `el` and its descendants (XPath string value), without its tail."""
    return cast(str, etree.tostring(el, method="text", encoding=str, with_tail=False))


def squash_spaces(text: str) -> str:
    """Collapse whitespace runs into single spaces, dropping zero-width characters and soft
    hyphens: they show no space, so "Addr&zwnj;ess" (a trick against auto-linking) reads as
    one word, and a preheader's "&zwnj;&nbsp;" padding still collapses."""
    for char in _ZERO_WIDTH:
        if char in text:
            text = text.replace(char, "")
    return " ".join(text.split())


_WORD = re.compile(r"[^\W_](?:[\w'’-]*\w)?")


# For ASCII text: every byte that cannot be in a `_WORD` match (not a letter, digit, `_`,
# `'` or `-`) becomes a space, and `_`, `'` and `-` are deleted (see `count_words`).
_ASCII_SEPARATORS = bytes(
    c if c < 128 and (chr(c).isalnum() or chr(c) in "_'-") else 32 for c in range(256)
)
_ASCII_JOINERS = b"_'-"


def count_words(text: str) -> int:
    """`len(_WORD.findall(text))`, without a regex match per word.

    A word never spans whitespace, so each whitespace-separated token is counted alone, and a
    token of letters and digits only (`str.isalnum`, the usual case) is exactly one word.
    """
    if not text or text.isspace():
        return 0  # most text and tail nodes of a template: indentation
    if text.isascii():
        # A match takes a run of word characters, `'` and `-` (`[\w'’-]*`, greedy) from its
        # first letter or digit to the run's last word character: so each maximal run of
        # them holding a letter or digit is one word, and a run without one is none. With
        # every other byte made a space and `_ ' -` deleted, those runs are the tokens left
        # (C-level passes, not a Python step per token).
        return len(text.encode("ascii").translate(_ASCII_SEPARATORS, _ASCII_JOINERS).split())
    tokens = text.split()
    others = list(filterfalse(str.isalnum, tokens))
    # Joined by spaces, the other tokens still hold their words and no more.
    return len(tokens) - len(others) + (len(_WORD.findall(" ".join(others))) if others else 0)


# as display: block, list-item or table parts).
_BREAKS = frozenset(
    (
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
        "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    )
)  # fmt: skip


def _is_hidden_style(style: Mapping[str, str]) -> bool:
    if style.get("display", "").strip().lower() == "none":
        return True
    max_height = style.get("max-height", "").replace(" ", "").lower()
    return max_height in {"0", "0px"} and "hidden" in style.get("overflow", "").lower()


class TextFacts(StyleFacts):
    """The visible text, words and preheader of a document, computed on first use."""

    @cached
    def preheader_element(self) -> Element | None:
        """The hidden preview-text element near the top of the body, if any."""
        for count, el in enumerate(self.body.iter(etree.Element)):
            if count > 25:
                break
            cls = (el.get("class") or "").lower()
            raw = el.get("style") or ""
            hidden = ("preheader" in cls or "preview" in cls) or (
                ("none" in raw or "max-height" in raw) and _is_hidden_style(self.style(el))
            )
            if hidden and squash_spaces(text_content(el)):
                return el
        return None

    @cached
    def preheader(self) -> str | None:
        """The preheader given by the build, else the hidden preheader's text, else None."""
        if self.given_preheader is not None:
            return self.given_preheader.strip()
        el = self.preheader_element
        if el is None:
            return None
        return squash_spaces(text_content(el))

    @cached
    def hidden_elements(self) -> list[Element]:
        """Elements hidden from every reader (display:none, zero max-height), preheader included."""
        groups = [
            elements
            for raw, (style, elements) in self._raw_groups.items()
            if ("none" in raw or "max-height" in raw) and _is_hidden_style(style)
        ]
        if len(groups) == 1:
            return list(groups[0])
        return self.styled_order(el for elements in groups for el in elements)

    @cached
    def hidden_set(self) -> set[Element]:
        """Hidden elements and everything inside them."""
        found: set[Element] = set()
        for el in self.hidden_elements:
            if el not in found:
                found.update(el.iter())
        return found

    @cached
    def visible_text(self) -> str:
        """Body text a reader sees: no head, style, script, or hidden (preheader) elements.

        Block elements and `<br>` separate words, as a browser lays them out: in minified
        HTML (MJML's output) "<td>home</td><td>blog</td>" reads "home blog", not "homeblog".
        """
        return self._visible_text_and_texted[0]

    @cached
    def text_elements(self) -> list[Element]:
        """Elements in the body with their own text (not whitespace alone), in document
        order: hidden ones (and all inside them), `<style>`, `<script>` and `<title>` left out.
        """
        texted = self._visible_text_and_texted[1]
        if texted is None:  # see _visible_text_and_texted: the walk's list would differ
            hidden = self.hidden_set
            skip = {*self.elements("style"), *self.elements("script"), *self.elements("title")}
            texted = []
            for el in self.body.iter(etree.Element):
                text = el.text
                if text and not text.isspace() and el not in hidden and el not in skip:
                    texted.append(el)
            return texted
        if "title" in self._by_tag:
            titles = set(self._by_tag["title"])
            return [el for el in texted if el not in titles]
        return texted

    @cached
    def _visible_text_and_texted(self) -> tuple[str, list[Element] | None]:
        # The visible text, and the elements whose own text the walk read and found not
        # blank: `text_elements` but for <title>s, unless the walk's skips differ from
        # text_elements' (None then). They agree when the body is not hidden (the walk
        # enters it even then), no <head> is inside the body (the walk skips its content)
        # and no <style> or <script> holds elements (the walk skips them too): the usual
        # case, in which the body's elements are not walked a second time for their text.
        body = self.body
        by_tag = self._by_tag
        # What an element does to the text, from the walk's lists (no tag read per node):
        # a block breaks words; head, style, script and hidden elements are skipped with
        # their content. Two sets, so each event costs a membership test, not a lookup and
        # a bit test.
        breaks: set[Element] = set()
        for tag in _BREAKS.intersection(by_tag):
            breaks.update(by_tag[tag])
        skipped: set[Element] = set(self.hidden_elements)
        for tag in ("head", "style", "script"):
            skipped.update(by_tag.get(tag, ()))
        # text_elements leaves out all inside a hidden element: the walk enters a hidden body.
        body_shown = body not in skipped and skipped.isdisjoint(body.iterancestors())
        breaks.discard(body)
        skipped.discard(body)
        parts: list[str] = []
        add = parts.append
        texted: list[Element] = []
        # One C-driven walk: an element's text comes after its start, its tail after its
        # end, a space at both edges of a block.
        walk = etree.iterwalk(body, events=("start", "end", "comment", "pi"))
        for event, el in walk:
            if event == "start":
                if el in breaks:
                    add(" ")
                if el in skipped:
                    walk.skip_subtree()
                    continue
                text = el.text
                if text:
                    add(text)
                    if not text.isspace():
                        texted.append(el)
            else:
                # The end of an element, or a comment or processing instruction, whose own
                # text is never shown: only its tail is.
                if el in breaks:
                    add(" ")
                tail = el.tail
                if tail:
                    add(tail)
        if body.tail and parts:
            parts.pop()  # the walk's last event is the end of the body: not its tail
        root = self.root
        same_skips = (
            body_shown
            and all(
                head.getparent() is root and body is not root for head in by_tag.get("head", ())
            )
            and not any(len(el) for tag in ("style", "script") for el in by_tag.get(tag, ()))
        )
        return squash_spaces("".join(parts)), texted if same_skips else None

    @cached
    def words(self) -> list[str]:
        return _WORD.findall(self.visible_text)

    @cached
    def word_count(self) -> int:
        """How many words the visible text has (`len(words)`, cheaper)."""
        return count_words(self.visible_text)
