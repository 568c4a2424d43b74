"""The document every rule reads: parsed once, walked once, with lazily cached extras.

A `Document` holds the HTML source and its lxml tree, the elements indexed by tag (one walk),
the comments (MSO conditional comments and inline disable directives), and, for a message, its
subject, preheader, text part and headers. Computed facts (inline styles, visible text, the
hidden preheader, Outlook visibility) are computed on first use and cached, so rules share work.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeAlias, TypeVar, cast

import lxml.html
from lxml import etree

from b2bmail.lint.css import Stylesheet, parse_style, parse_stylesheet
from b2bmail.lint.problem import Hit, Part, Severity

# lxml.html.HtmlElement; lxml ships no type stubs.
Element: TypeAlias = Any
T = TypeVar("T")
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_blank_text=False)
_SKIP_TEXT = frozenset({"style", "script", "head", "title", "noscript"})
_INVISIBLE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\u034f\u00ad\ufeff]+")
_WORD = re.compile(r"[^\W_](?:[\w'’-]*\w)?")


@dataclass(frozen=True)
class HeaderField:
    """One header of a message, with the line of the file where it starts."""

    name: str
    value: str
    line: int


def _is_hidden_style(style: Mapping[str, str]) -> bool:
    if style.get("display", "").strip().lower() == "none":
        return True
    max_height = style.get("max-height", "").replace(" ", "").lower()
    return max_height in {"0", "0px"} and "hidden" in style.get("overflow", "").lower()


class Document:
    """An email parsed once. Build it with `Document.from_parts` (see `lint.api`)."""

    def __init__(
        self,
        *,
        path: str,
        html: str,
        text: str | None = None,
        has_text_part: bool | None = None,
        subject: str | None = None,
        preheader: str | None = None,
        headers: Iterable[HeaderField] | None = None,
        is_message: bool = False,
        encoded_html_size: int | None = None,
    ) -> None:
        self.path = path
        self.source = html
        self.text = text
        self.has_text_part = has_text_part if has_text_part is not None else (text is not None)
        self.subject = subject
        self.given_preheader = preheader
        self.headers: dict[str, HeaderField] = {}
        for field in headers or ():
            self.headers.setdefault(field.name.lower(), field)
        self.has_headers = headers is not None
        self.is_message = is_message
        self.encoded_html_size = encoded_html_size
        data = html.encode("utf-8")
        if not html.strip():
            data = b"<html><head></head><body></body></html>"
        try:
            self.root: Element = lxml.html.document_fromstring(data, parser=_PARSER)
        except etree.ParserError:
            self.root = lxml.html.document_fromstring(b"<html><body></body></html>", parser=_PARSER)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self._by_tag: dict[str, list[Element]] = {}
        self._by_line: dict[tuple[int, str], list[Element]] = {}
        self.comments: list[etree._Comment] = []
        self._not_mso: set[Element] = set()
        self._mso_hide: list[Element] = []
        self._with_style: list[Element] = []
        self._styles: dict[Element, dict[str, str]] = {}
        self._memo: dict[str, object] = {}
        self._walk()

    def _walk(self) -> None:
        """The one walk: elements by tag and by line, comments, `<!--[if !mso]><!-->` regions."""
        by_tag = self._by_tag
        by_line = self._by_line
        in_not_mso = False
        comment = etree.Comment
        for node in self.root.iter():
            tag = node.tag
            if tag is comment:
                self.comments.append(node)
                body = (node.text or "").strip()
                if body.startswith("[if !mso"):
                    in_not_mso = True
                elif body.startswith("<![endif]"):
                    in_not_mso = False
                continue
            if not isinstance(tag, str):
                continue
            tag = tag.lower()
            lst = by_tag.get(tag)
            if lst is None:
                by_tag[tag] = [node]
            else:
                lst.append(node)
            key = (node.sourceline or 1, tag)
            group = by_line.get(key)
            if group is None:
                by_line[key] = [node]
            else:
                group.append(node)
            if in_not_mso:
                self._not_mso.add(node)
            style = node.get("style")
            if style:
                self._with_style.append(node)
                if "mso-hide" in style:
                    self._mso_hide.append(node)

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """A value rules share (e.g. the links), computed by the first rule that asks."""
        if key not in self._memo:
            self._memo[key] = factory()
        return cast(T, self._memo[key])

    # -- elements and styles -------------------------------------------------------------
    def elements(self, *tags: str) -> list[Element]:
        if len(tags) == 1:
            return self._by_tag.get(tags[0], [])
        found = [el for tag in tags for el in self._by_tag.get(tag, [])]
        found.sort(key=lambda el: el.sourceline or 0)
        return found

    @cached_property
    def source_lower(self) -> str:
        return self.source.lower()

    @property
    def tags(self) -> Mapping[str, list[Element]]:
        return self._by_tag

    def style(self, el: Element) -> dict[str, str]:
        """The inline style of `el`, parsed once and cached."""
        cached = self._styles.get(el)
        if cached is None:
            raw = el.get("style")
            cached = parse_style(raw) if raw else {}
            self._styles[el] = cached
        return cached

    @cached_property
    def styled(self) -> list[tuple[Element, dict[str, str]]]:
        """Every element with a non-empty inline style, in document order."""
        out = []
        for el in self._with_style:
            style = self.style(el)
            if style:
                out.append((el, style))
        return out

    @cached_property
    def stylesheets(self) -> list[tuple[Element, Stylesheet]]:
        return [(el, parse_stylesheet(el.text or "")) for el in self.elements("style")]

    @cached_property
    def body(self) -> Element:
        found = self._by_tag.get("body")
        return found[0] if found else self.root

    def hidden_from_outlook(self, el: Element) -> bool:
        """True when classic Outlook never renders `el`: `<!--[if !mso]><!-->` or mso-hide:all."""
        return el in self._outlook_hidden

    @cached_property
    def _outlook_hidden(self) -> set[Element]:
        hidden = set(self._not_mso)
        for el in self._mso_hide:
            if self.style(el).get("mso-hide", "").lower() == "all":
                hidden.update(el.iter())
        return hidden

    def has_mso_fallback(self, el: Element) -> bool:
        """True when an `<!--[if mso]>` ghost table sits just before or as first child of `el`."""
        candidates = []
        prev = el.getprevious()
        if prev is not None:
            candidates.append(prev)
        parent = el.getparent()
        if parent is not None and len(parent) and parent[0] is not el:
            first = parent[0]
            if first.tag is etree.Comment:
                candidates.append(first)
        if len(el):
            candidates.append(el[0])
        for node in candidates:
            if node.tag is etree.Comment:
                text = (node.text or "").lower()
                if "[if" in text and "mso" in text and ("<table" in text or "<td" in text):
                    return True
        return False

    # -- text -------------------------------------------------------------------------------
    @cached_property
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
            if hidden and _INVISIBLE.sub("", el.text_content()):
                return el
        return None

    @cached_property
    def preheader(self) -> str | None:
        """The preheader given by the build, else the hidden preheader's text, else None."""
        if self.given_preheader is not None:
            return self.given_preheader.strip()
        el = self.preheader_element
        if el is None:
            return None
        return _INVISIBLE.sub(" ", el.text_content()).strip()

    @cached_property
    def hidden_elements(self) -> list[Element]:
        """Elements hidden from every reader (display:none, zero max-height), preheader included."""
        found = []
        for el, style in self.styled:
            if ("display" in style or "max-height" in style) and _is_hidden_style(style):
                found.append(el)
        return found

    @cached_property
    def hidden_set(self) -> set[Element]:
        """Hidden elements and everything inside them."""
        found: set[Element] = set()
        for el in self.hidden_elements:
            if el not in found:
                found.update(el.iter())
        return found

    @cached_property
    def visible_text(self) -> str:
        """Body text a reader sees: no head, style, script, or hidden (preheader) elements."""
        text = etree.tostring(self.body, method="text", encoding=str, with_tail=False)
        # Cut out the text of hidden, style and script elements inside the body (rare, small).
        body = self.body
        removed = [*self.hidden_elements, *self.elements("style"), *self.elements("script")]
        for el in removed:
            if el is body or el.getparent() is None:
                continue
            inner = etree.tostring(el, method="text", encoding=str, with_tail=False)
            if inner:
                text = text.replace(inner, " ", 1)
        return _INVISIBLE.sub(" ", text).strip()

    @cached_property
    def words(self) -> list[str]:
        return _WORD.findall(self.visible_text)

    # -- positions ---------------------------------------------------------------------------
    def line_text(self, line: int) -> str:
        starts = self._line_starts
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.source)
        return self.source[starts[line - 1] : end]

    def position(self, el: Element) -> tuple[int, int | None]:
        """(line, column) of the `<` of `el`'s start tag; lxml gives the line where it ends."""
        line = el.sourceline or 1
        if not isinstance(el.tag, str):
            return line, None
        tag = el.tag.lower()
        group = self._by_line.get((line, tag), [el])
        starts = self._line_starts
        if line > len(starts):
            return line, None
        end = starts[line] if line < len(starts) else len(self.source)
        begin = starts[max(0, line - 15)]
        found = [
            m.start()
            for m in re.finditer(rf"<{re.escape(tag)}[\s/>]", self.source[begin:end], re.I)
        ]
        try:
            index = group.index(el)
        except ValueError:
            return line, None
        take = len(found) - len(group) + index
        if take < 0 or take >= len(found):
            return line, None
        offset = begin + found[take]
        real_line = bisect_right(starts, offset)
        return real_line, offset - starts[real_line - 1] + 1

    def offset_position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def snippet(self, line: int, column: int | None = None, width: int = 100) -> str:
        text = self.line_text(line)
        if column is not None and len(text) > width:
            start = max(0, column - 1 - 10)
            return text[start : start + width].strip()
        return text.strip()[:width]

    def hit(self, el: Element, message: str, severity: Severity | None = None) -> Hit:
        line, column = self.position(el)
        return Hit(message, line, column, self.snippet(line, column), "html", severity)

    def hit_at(self, offset: int, message: str, severity: Severity | None = None) -> Hit:
        line, column = self.offset_position(offset)
        return Hit(message, line, column, self.snippet(line, column), "html", severity)

    def hit_in_style(self, el: Element, offset: int, message: str) -> Hit:
        """A hit inside the text of a <style> element, `offset` counted from its first character."""
        text = el.text or ""
        line = (el.sourceline or 1) + text[:offset].count("\n")
        return Hit(message, line, None, self.snippet(line), "html")

    def hit_document(self, message: str, part: Part = "html") -> Hit:
        """A hit about the whole document (or message part); points at its first line."""
        if part == "subject" and "subject" in self.headers:
            field = self.headers["subject"]
            return Hit(message, field.line, 1, f"Subject: {field.value}"[:100], "headers")
        if part == "headers":
            return Hit(message, 1, None, "", "headers")
        if part == "html":
            line, column = self.position(self.root)
            return Hit(message, line, column, self.snippet(line, column), "html")
        return Hit(message, 1, None, "", part)

    def hit_header(self, name: str, message: str) -> Hit:
        field = self.headers.get(name.lower())
        if field is None:
            return Hit(message, 1, None, "", "headers")
        return Hit(message, field.line, 1, f"{field.name}: {field.value}"[:100], "headers")
