"""The core of a `Document`: the email parsed once, walked once, its elements indexed by tag.

The walk gathers everything the facts need from every node, so that no fact walks the tree
again: elements by tag, the comments holding inline disable directives, the elements with a
style attribute, the `<!--[if !mso]>` regions and the comments opening a ghost table (the
last two are Outlook facts, but found in the same walk: a second walk cost as much as a
rule). The facts computed from them live in `lint.facts` and `lint.positions`; `lint.document`
puts them together.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, cast

from lxml import etree

from b2bmail.errors import InputError
from b2bmail.i18n import _
from b2bmail.lint.cached import cached

# lxml.etree._Element; lxml ships no type stubs.
Element: TypeAlias = Any
T = TypeVar("T")
# The plain etree HTML parser, not lxml.html's: lxml.html looks up a Python element class for
# every element proxy it creates, which cost more than the parse itself on every walk.
# huge_tree: libxml2 stops at 256 levels of nesting without it, and everything past the first
# too-deep element would go unchecked (a `javascript:` link 300 levels down linted clean);
# with it libxml2 goes to 2048 levels and past that stops with a fatal error, which
# `_parse` turns into "too deeply nested to check". It also lifts libxml2's 10 MB limit on a
# text node: MAX_HTML_BYTES bounds the input instead.
_PARSER = etree.HTMLParser(encoding="utf-8", huge_tree=True)
_EMPTY = b"<html><head></head><body></body></html>"
#: The largest HTML lint reads, in UTF-8 bytes. Tree, indexes and problems take up to about
#: 200 bytes of memory per byte of markup (measured: a run of `<img src=x.png>`, three problems
#: each), so a 50 MB file took gigabytes; and an email 20 times the size at which Gmail clips
#: it (102 KB) is not one a reader gets whole.
MAX_HTML_BYTES = 2_000_000
_DEPTH = re.compile(r"\bdepth\b.*?(\d+)", re.I)


def estimate_encoded_size(html: str) -> int:
    """Bytes the HTML takes in a message once quoted-printable encoded (RFC 2045 §6.7)."""
    return len(binascii.b2a_qp(html.encode("utf-8")))


# Bytes quoted-printable writes as themselves (RFC 2045 §6.7 rule 2): printable ASCII but "=",
# and the line-structure bytes. Every other byte becomes "=XX", three bytes.
_QP_LITERAL = bytes([9, 10, 13, 32, *(b for b in range(33, 127) if b != 61)])
_QP_LITERAL_BUT_NEWLINE = _QP_LITERAL.replace(b"\n", b"")


def qp_size_bound(data: bytes) -> int:
    """An upper bound of `len(binascii.b2a_qp(data))`, without encoding (a C-speed count).

    Each escaped byte adds 2; each line may add 2 for a protected trailing space or a
    leading dot, plus 2 at the end of the data; a soft line break ("=" newline, rule 5) adds
    2 for at most every 73 bytes of output.
    """
    # One pass over the data: what is left once the literal bytes but "\n" are deleted is the
    # escaped bytes and the newlines (a short string to count in).
    rest = data.translate(None, _QP_LITERAL_BUT_NEWLINE)
    newlines = rest.count(b"\n")
    escaped = len(rest) - newlines
    content = len(data) + 2 * escaped + 4 * (newlines + 1)
    return content + 2 * (content // 73 + 1) + 2


@dataclass(frozen=True)
class HeaderField:
    """One header of a message, with the line of the file where it starts (and, for a
    message file, its value as written, before RFC 2047 decoding)."""

    name: str
    value: str
    line: int
    raw: str = ""


# Elements that break words: blocks and <br> (HTML Living Standard §15.3, the elements rendered


def _opens_ghost_table(comment_text: str) -> bool:
    """True for the text of a comment that opens an MSO conditional holding a table (a ghost
    table)."""
    text = comment_text.lower()
    return "[if" in text and "mso" in text and ("<table" in text or "<td" in text)


def _parse(data: bytes, path: str, *, in_message: bool) -> Element:
    """The tree of the HTML `data`; InputError when it is too large, or when libxml2 stopped
    before its end (a fatal error: past 2048 levels of nesting), as the rest would go unchecked."""
    if len(data) > MAX_HTML_BYTES:
        raise InputError(
            _("the HTML is {size:,} bytes; lint reads at most {limit:,}").format(
                size=len(data), limit=MAX_HTML_BYTES
            ),
            path=path,
            hint=_("an email this large cannot be delivered whole: cut it down"),
        )
    root = etree.fromstring(data, parser=_PARSER)
    log = _PARSER.error_log
    fatal = log.filter_from_level(etree.ErrorLevels.FATAL) if log else None
    if fatal:
        error = fatal[0]
        depth = _DEPTH.search(error.message)
        if depth and in_message:
            message = _(
                "elements nested more than {depth} levels deep at line {line} of the HTML part: "
                "too deeply nested to check"
            ).format(depth=depth.group(1), line=error.line)
        elif depth:
            message = _(
                "elements nested more than {depth} levels deep: too deeply nested to check"
            ).format(depth=depth.group(1))
        elif in_message:
            message = _("the HTML parser stopped at line {line} of the HTML part: {error}").format(
                line=error.line, error=error.message
            )
        else:
            message = _("the HTML parser stopped: {error}").format(error=error.message)
        hint = _("flatten the markup") if depth else _("fix the markup")
        raise InputError(message, path=path, line=None if in_message else error.line, hint=hint)
    if root is None:  # nothing libxml2 could read as HTML (e.g. only a comment)
        root = etree.fromstring(_EMPTY, parser=_PARSER)
    return root


class DocumentCore:
    """An email parsed once: its source, tree, message fields and the one walk's indexes."""

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
        image_sizes: Mapping[str, int] | None = None,
    ) -> None:
        self.path = path
        # Bytes of the campaign's local images by published URL (the build reads the files).
        self.image_sizes: Mapping[str, int] = image_sizes or {}
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
        self._encoded_html_size = encoded_html_size
        self.is_empty = not html or html.isspace()
        data = html.encode("utf-8")
        # The UTF-8 bytes, for fast substring prechecks (bytes search beats str search on
        # non-ASCII text by an order of magnitude).
        self.data = data
        self.root: Element = _parse(_EMPTY if self.is_empty else data, path, in_message=is_message)
        self._by_tag: dict[str, list[Element]] = {}
        # Comments that may hold `b2bmail-disable…` directives (found in the walk).
        self.directive_comments: list[etree._Comment] = []
        self._not_mso: set[Element] = set()
        # Comments opening an MSO conditional that holds a table (ghost tables).
        self._ghost_tables: set[etree._Comment] = set()
        # (element, style attribute) for every element with a non-empty style, in order.
        self._with_style: list[tuple[Element, str]] = []
        self._memo: dict[str, object] = {}
        self._init_facts()
        self._walk()

    def _init_facts(self) -> None:
        """Make the state a fact class keeps (its caches), before the walk: each class that
        has some extends this and calls `super()._init_facts()`."""

    @property
    def encoded_html_size(self) -> int:
        """Bytes of the HTML in the message: as given (an .eml's part), else estimated."""
        if self._encoded_html_size is None:
            self._encoded_html_size = estimate_encoded_size(self.source)
        return self._encoded_html_size

    def encoded_size_below(self, limit: float) -> bool:
        """True when the encoded HTML is certainly smaller than `limit` bytes.

        Cheap: a bound on the quoted-printable size, no encoding, so the size rules encode the
        HTML only for an email that may be near a limit.
        """
        if self._encoded_html_size is not None:
            return self._encoded_html_size < limit
        return self._qp_size_bound < limit

    @cached
    def _qp_size_bound(self) -> int:
        return qp_size_bound(self.data)

    def _walk(self) -> None:
        """The one walk: elements by tag, directive comments, styled elements, `<!--[if !mso]>`
        regions."""
        by_tag = self._by_tag
        with_style = self._with_style
        in_not_mso = False
        comment = etree.Comment
        for node in self.root.iter():
            tag = node.tag
            if tag is comment:
                text = node.text or ""
                if "b2bmail-" in text:
                    self.directive_comments.append(node)
                if _opens_ghost_table(text):
                    self._ghost_tables.add(node)
                body = text.lstrip()
                if body.startswith("[if !mso"):
                    in_not_mso = True
                elif body.startswith("<![endif]"):
                    in_not_mso = False
                continue
            if not isinstance(tag, str):
                continue
            found = by_tag.get(tag)
            if found is None:
                by_tag[tag] = [node]
            else:
                found.append(node)
            if in_not_mso:
                self._not_mso.add(node)
            raw = node.get("style")
            if raw:
                with_style.append((node, raw))

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """A value rules share (e.g. the links), computed by the first rule that asks."""
        if key not in self._memo:
            self._memo[key] = factory()
        return cast(T, self._memo[key])

    def elements(self, *tags: str) -> list[Element]:
        if len(tags) == 1:
            return self._by_tag.get(tags[0], [])
        # Grouped by tag, not in document order: problems are sorted by place at the end.
        return [el for tag in tags for el in self._by_tag.get(tag, [])]

    @property
    def tags(self) -> Mapping[str, list[Element]]:
        return self._by_tag

    @cached
    def body(self) -> Element:
        found = self._by_tag.get("body")
        return found[0] if found else self.root
