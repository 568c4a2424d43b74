"""The document every rule reads: parsed once, walked once, with lazily cached extras.

A `Document` holds the HTML source and its lxml tree, the elements indexed by tag (one walk),
the comments holding inline disable directives, the `<!--[if !mso]>` regions, and, for a
message, its subject, preheader, text part and headers. Computed facts (inline styles, visible
text, the hidden preheader, Outlook visibility) are computed on first use and cached, so rules
share work.
"""

from __future__ import annotations

import binascii
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import filterfalse, islice
from typing import Any, TypeAlias, TypeVar, cast

from lxml import etree

from b2bmail.errors import InputError
from b2bmail.lint.cached import cached
from b2bmail.lint.css import Stylesheet, parse_style, parse_stylesheet
from b2bmail.lint.problem import Hit, Part, Severity

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


_NEWLINE = re.compile("\n")
# What may follow `<tag` in a start tag of that tag (and not of a longer name).
_TAG_NAME_ENDS = ("", " ", "\t", "\n", "\r", "/", ">")
_match_end = re.Match.end
_WORD = re.compile(r"[^\W_](?:[\w'’-]*\w)?")


def count_words(text: str) -> int:
    """`len(_WORD.findall(text))`, without a regex match per word.

    A word never spans whitespace, so each whitespace-separated token is counted alone, and a
    token of letters and digits only (`str.isalnum`, the usual case) is exactly one word.
    """
    if not text or text.isspace():
        return 0  # most text and tail nodes of a template: indentation
    tokens = text.split()
    others = list(filterfalse(str.isalnum, tokens))
    # Joined by spaces, the other tokens still hold their words and no more.
    return len(tokens) - len(others) + (len(_WORD.findall(" ".join(others))) if others else 0)


@dataclass(frozen=True)
class HeaderField:
    """One header of a message, with the line of the file where it starts (and, for a
    message file, its value as written, before RFC 2047 decoding)."""

    name: str
    value: str
    line: int
    raw: str = ""


# Elements that break words: blocks and <br> (HTML Living Standard §15.3, the elements rendered
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
            f"the HTML is {len(data):,} bytes; lint reads at most {MAX_HTML_BYTES:,}",
            path=path,
            hint="an email this large cannot be delivered whole: cut it down",
        )
    root = etree.fromstring(data, parser=_PARSER)
    log = _PARSER.error_log
    fatal = log.filter_from_level(etree.ErrorLevels.FATAL) if log else None
    if fatal:
        error = fatal[0]
        depth = _DEPTH.search(error.message)
        where = f" at line {error.line} of the HTML part" if in_message else ""
        if depth:
            message = f"elements nested more than {depth.group(1)} levels deep{where}: too deeply nested to check"
            hint = "flatten the markup"
        else:
            message = f"the HTML parser stopped{where}: {error.message}"
            hint = "fix the markup"
        raise InputError(message, path=path, line=None if in_message else error.line, hint=hint)
    if root is None:  # nothing libxml2 could read as HTML (e.g. only a comment)
        root = etree.fromstring(_EMPTY, parser=_PARSER)
    return root


class Document:
    """An email parsed once. `lint.sources` builds one from a file, a message or parts."""

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
        self._places: dict[Element, tuple[int, int | None, str]] = {}
        self._tag_indexes: dict[str, dict[Element, int]] = {}
        self._run_ends: dict[tuple[str, int], int] = {}
        self._offsets: dict[tuple[str, int], list[int]] = {}
        self._text_newlines: dict[Element, list[int]] = {}
        self._starts = [0]  # line starts, found on demand (see _starts_past)
        self._newlines = _NEWLINE.finditer(html)
        self._starts_done = False
        self._walk()

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

    # -- elements and styles -------------------------------------------------------------
    def elements(self, *tags: str) -> list[Element]:
        if len(tags) == 1:
            return self._by_tag.get(tags[0], [])
        # Grouped by tag, not in document order: problems are sorted by place at the end.
        return [el for tag in tags for el in self._by_tag.get(tag, [])]

    @property
    def tags(self) -> Mapping[str, list[Element]]:
        return self._by_tag

    @cached
    def inline_styles(self) -> dict[Element, dict[str, str]]:
        """Element -> parsed inline style, for every element with a style attribute, in order.

        The parsed dicts are shared between elements: read them, never change them.
        """
        return self._styles_and_groups[0]

    @cached
    def style_groups(self) -> list[tuple[dict[str, str], list[Element]]]:
        """Each distinct non-empty inline style with its elements (in document order)."""
        return self._styles_and_groups[1]

    @cached
    def styles_by_property(self) -> dict[str, list[tuple[str, list[Element]]]]:
        """property -> (value, elements) for each distinct inline style that sets it.

        Indexed by distinct style string, not by element: a template's hundreds of styled
        elements share a few dozen styles. Each element list is in document order.
        """
        return self._styles_and_groups[2]

    @cached
    def _raw_groups(self) -> dict[str, tuple[dict[str, str], list[Element]]]:
        """Each distinct style attribute as written -> (its parsed style, its elements)."""
        return self._styles_and_groups[3]

    @cached
    def _styles_and_groups(
        self,
    ) -> tuple[
        dict[Element, dict[str, str]],
        list[tuple[dict[str, str], list[Element]]],
        dict[str, list[tuple[str, list[Element]]]],
        dict[str, tuple[dict[str, str], list[Element]]],
    ]:
        # Templates repeat the same style strings: each distinct one is parsed once, and its
        # declarations enter the by-property index then (its element list fills in after).
        groups: dict[str, tuple[dict[str, str], list[Element]]] = {}
        by_prop: dict[str, list[tuple[str, list[Element]]]] = {}
        styles = {}
        for el, raw in self._with_style:
            group = groups.get(raw)
            if group is None:
                style = parse_style(raw)
                elements = [el]
                groups[raw] = (style, elements)
                for prop, value in style.items():
                    bucket = by_prop.get(prop)
                    if bucket is None:
                        by_prop[prop] = [(value, elements)]
                    else:
                        bucket.append((value, elements))
                styles[el] = style
            else:
                group[1].append(el)
                styles[el] = group[0]
        return styles, [group for group in groups.values() if group[0]], by_prop, groups

    @cached
    def _css_call_tails(self) -> frozenset[str]:
        # The (up to) eight lower-case characters before each "(" of the inline styles and
        # <style> blocks: the end of a CSS function's name. Parentheses are few in CSS, so
        # this is a handful of `find`s, not a scan of the whole document.
        texts = [*self._raw_groups, *(el.text or "" for el in self.elements("style"))]
        tails = set()
        for text in texts:
            at = text.find("(")
            while at >= 0:
                tails.add(text[max(0, at - 8) : at].lower())
                at = text.find("(", at + 1)
        return frozenset(tails)

    def calls_css_function(self, *names: str) -> bool:
        """True when a CSS function whose name ends with one of `names` (lower-case, at most
        eight characters) is called in an inline style or a <style> block: `rgb(`, `var(`…
        A cheap, exact precheck for rules about one function (comments may hold the call)."""
        return any(tail.endswith(names) for tail in self._css_call_tails)

    def styled_order(self, elements: Iterable[Element]) -> list[Element]:
        """Elements with a style attribute, sorted in document order (each element once)."""
        return sorted(set(elements), key=self._style_index.__getitem__)

    @cached
    def _style_index(self) -> dict[Element, int]:
        # The styled elements only (the walk found them in document order), not every node.
        return {el: i for i, (el, _raw) in enumerate(self._with_style)}

    def style(self, el: Element) -> dict[str, str]:
        """The inline style of `el` (empty when it has none), parsed once."""
        return self.inline_styles.get(el) or {}

    @cached
    def styled(self) -> list[tuple[Element, dict[str, str]]]:
        """Every element with a non-empty inline style, in document order."""
        return [(el, style) for el, style in self.inline_styles.items() if style]

    @cached
    def stylesheets(self) -> list[tuple[Element, Stylesheet]]:
        return [(el, parse_stylesheet(el.text or "")) for el in self.elements("style")]

    @cached
    def body(self) -> Element:
        found = self._by_tag.get("body")
        return found[0] if found else self.root

    def hidden_from_outlook(self, el: Element) -> bool:
        """True when classic Outlook never renders `el`: `<!--[if !mso]><!-->` or mso-hide:all."""
        return el in self.outlook_hidden

    @cached
    def outlook_hidden(self) -> set[Element]:
        """Every element classic Outlook never renders (see `hidden_from_outlook`)."""
        hidden = set(self._not_mso)
        for raw, (style, elements) in self._raw_groups.items():
            if "mso-hide" in raw and style.get("mso-hide", "").lower() == "all":
                for el in elements:
                    hidden.update(el.iter())
        return hidden

    def has_mso_fallback(self, el: Element) -> bool:
        """True when an `<!--[if mso]>` ghost table sits just before or as first child of `el`.

        That is: `el`'s previous sibling, the first child of its parent (when that is not
        `el`), or its own first child is a comment opening an MSO conditional with a table.
        """
        ghosts = self._ghost_tables
        if not ghosts:
            return False
        if el.getprevious() in ghosts:
            return True
        parent = el.getparent()
        if parent is not None and len(parent) and parent[0] is not el and parent[0] in ghosts:
            return True
        return bool(len(el)) and el[0] in ghosts

    # -- text -------------------------------------------------------------------------------
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
        body = self.body
        by_tag = self._by_tag
        # Element -> what it does to the text, from the walk's lists (no tag read per node):
        # 1 breaks words, 2 is skipped with its content (head, style, script, hidden), 3 both.
        kinds: dict[Element, int] = {}
        for tag in _BREAKS.intersection(by_tag):
            kinds.update(dict.fromkeys(by_tag[tag], 1))
        for tag in ("head", "style", "script"):
            kinds.update(dict.fromkeys(by_tag.get(tag, ()), 2))
        for el in self.hidden_elements:
            kinds[el] = kinds.get(el, 0) | 2
        kinds.pop(body, None)
        parts: list[str] = []
        add = parts.append
        get = kinds.get
        # One C-driven walk, a dict lookup per event: an element's text comes after its
        # start, its tail after its end, a space at both edges of a block.
        walk = etree.iterwalk(body, events=("start", "end", "comment", "pi"))
        for event, el in walk:
            kind = get(el)
            if event == "start":
                if kind:
                    if kind & 1:
                        add(" ")
                    if kind & 2:
                        walk.skip_subtree()
                        continue
                text = el.text
                if text:
                    add(text)
            else:
                # The end of an element, or a comment or processing instruction, whose own
                # text is never shown: only its tail is.
                if kind and kind & 1:
                    add(" ")
                tail = el.tail
                if tail:
                    add(tail)
        if body.tail and parts:
            parts.pop()  # the walk's last event is the end of the body: not its tail
        return squash_spaces("".join(parts))

    @cached
    def words(self) -> list[str]:
        return _WORD.findall(self.visible_text)

    @cached
    def word_count(self) -> int:
        """How many words the visible text has (`len(words)`, cheaper)."""
        return count_words(self.visible_text)

    # -- positions ---------------------------------------------------------------------------
    def _starts_past(self, line: int = 0, offset: int = -1) -> list[int]:
        """Offsets where lines start, known at least to line `line` + 1 and past `offset`
        (or all of them): problems usually sit in the first lines, so the rest is not scanned.
        """
        starts = self._starts
        if self._starts_done:
            return starts
        while not self._starts_done and (len(starts) <= line or starts[-1] <= offset):
            # Lines end at "\n" only, as lxml counts them (splitlines would also split at
            # \f, \x1c…). Each match's end is the start of the next line; 64 at a time.
            known = len(starts)
            starts.extend(map(_match_end, islice(self._newlines, 64)))
            if len(starts) - known < 64:
                self._starts_done = True
        return starts

    def line_text(self, line: int) -> str:
        starts = self._starts_past(line)
        if line < 1 or line > len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.source)
        return self.source[starts[line - 1] : end]

    def _tag_index(self, el: Element, tag: str) -> int | None:
        """Where `el` is in the list of its tag's elements. A long list gets a dict, made once
        per tag: a `list.index` per problem made tens of thousands of problems quadratic."""
        same = self._by_tag.get(tag)
        if same is None:
            return None
        if len(same) <= 64:  # a scan at C speed, cheaper than making the dict
            try:
                return same.index(el)
            except ValueError:
                return None
        index = self._tag_indexes.get(tag)
        if index is None:
            index = self._tag_indexes[tag] = dict(zip(same, range(len(same)), strict=True))
        return index.get(el)

    def _run_end(self, tag: str, line: int, at: int) -> int:
        """The index just past the last element with this tag whose start tag ends on `line`,
        `at` being one of them. Start tags come in source order, so their lines never decrease
        along a tag's list: the elements of a line are a run. Found once per tag and line."""
        key = (tag, line)
        last = self._run_ends.get(key)
        if last is None:
            same = self._by_tag[tag]
            last = at + 1
            while last < len(same) and same[last].sourceline == line:
                last += 1
            self._run_ends[key] = last
        return last

    def _tag_offsets(self, tag: str, line: int, begin: int, end: int) -> list[int]:
        """Offsets of every `<tag` from `begin` to `end` (found once per tag and line)."""
        key = (tag, line)
        offsets = self._offsets.get(key)
        if offsets is None:
            source = self.source
            needle = "<" + tag
            size = len(needle)
            offsets = self._offsets[key] = []
            offset = source.find(needle, begin, end)
            while offset != -1:
                if source[offset + size : offset + size + 1] in _TAG_NAME_ENDS:
                    offsets.append(offset)
                offset = source.find(needle, offset + size, end)
        return offsets

    def position(self, el: Element) -> tuple[int, int | None]:
        """(line, column) of the `<` of `el`'s start tag; lxml gives the line where it ends."""
        line, column, _snippet = self._place(el)
        return line, column

    def _place(self, el: Element) -> tuple[int, int | None, str]:
        """(line, column, snippet) of `el`, found once: several rules may point at it."""
        place = self._places.get(el)
        if place is None:
            line, column = self._find_position(el)
            place = self._places[el] = (line, column, self.snippet(line, column))
        return place

    def _find_position(self, el: Element) -> tuple[int, int | None]:
        line = el.sourceline or 1
        tag = el.tag
        if not isinstance(tag, str):
            return line, None
        starts = self._starts_past(line)
        if line > len(starts):
            return line, None
        at = self._tag_index(el, tag)
        if at is None:
            return line, None
        end = starts[line] if line < len(starts) else len(self.source)
        # A start tag may span lines: look back a few lines for its `<tag`.
        begin = starts[max(0, line - 15)]
        # The elements of the line are the last `<tag`s before its end: `el` is the back-th.
        back = self._run_end(tag, line, at) - at
        if back > 8:  # many on one line (minified HTML): every `<tag` of the lines, found once
            offsets = self._tag_offsets(tag, line, begin, end)
            if back > len(offsets):
                return line, None
            offset = offsets[-back]
        else:  # the usual case: count back from the end of the line
            source = self.source
            needle = "<" + tag
            size = len(needle)
            offset = end
            while back:
                offset = source.rfind(needle, begin, offset)
                if offset == -1:
                    return line, None
                if source[offset + size : offset + size + 1] in _TAG_NAME_ENDS:
                    back -= 1
        real_line = bisect_right(starts, offset)
        return real_line, offset - starts[real_line - 1] + 1

    def offset_position(self, offset: int) -> tuple[int, int]:
        starts = self._starts_past(offset=offset)
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def snippet(self, line: int, column: int | None = None, width: int = 100) -> str:
        text = self.line_text(line)
        if column is not None and len(text) > width:
            start = max(0, column - 1 - 10)
            return text[start : start + width].strip()
        return text.strip()[:width]

    def hit(self, el: Element, message: str, severity: Severity | None = None) -> Hit:
        line, column, snippet = self._place(el)
        return Hit(message, line, column, snippet, "html", severity)

    def hit_at(self, offset: int, message: str, severity: Severity | None = None) -> Hit:
        line, column = self.offset_position(offset)
        return Hit(message, line, column, self.snippet(line, column), "html", severity)

    def hit_in_style(self, el: Element, offset: int, message: str) -> Hit:
        """A hit inside the text of a <style> element, `offset` counted from its first character."""
        newlines = self._text_newlines.get(el)
        if newlines is None:  # found once per element: a count per hit was quadratic
            newlines = self._text_newlines[el] = [
                m.start() for m in _NEWLINE.finditer(el.text or "")
            ]
        line = (el.sourceline or 1) + bisect_left(newlines, offset)
        return Hit(message, line, None, self.snippet(line), "html")

    def hit_document(self, message: str, part: Part = "html") -> Hit:
        """A hit about the whole document (or message part); points at its first line."""
        if part == "subject" and "subject" in self.headers:
            field = self.headers["subject"]
            return Hit(message, field.line, 1, f"Subject: {field.value}"[:100], "headers")
        if part == "headers":
            return Hit(message, 1, None, "", "headers")
        if part == "html":
            line, column, snippet = self._place(self.root)
            return Hit(message, line, column, snippet, "html")
        return Hit(message, 1, None, "", part)

    def hit_header(self, name: str, message: str) -> Hit:
        field = self.headers.get(name.lower())
        if field is None:
            return Hit(message, 1, None, "", "headers")
        return Hit(message, field.line, 1, f"{field.name}: {field.value}"[:100], "headers")
