"""Positions: the line, column and snippet of an element or offset, and the `Hit`s rules make.

lxml gives the line where a start tag ends and no column; the column is found by counting the
`<tag`s of that line back from its end. Line starts are found on demand, eight lines at a
time: problems usually sit in the first lines, so the rest of a long document is never scanned.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import islice

from b2bmail.lint.core import DocumentCore, Element
from b2bmail.lint.problem import Hit, Part, Severity

_NEWLINE = re.compile("\n")
# Eight whole lines, each its own group (lines end at "\n" only, as lxml counts them:
# splitlines would also split at \f, \x1c…). One match object holds eight line starts
# (`start(row)`), where an index of every line start made a match object and a list item per
# line: the Cerberus template's problems reach its last lines, and that index cost about 1 M
# instructions a lint. `^`: a block starts at a line start (consecutive matches always do).
_EIGHT_LINES = re.compile("^" + "([^\n]*\n)" * 8, re.MULTILINE)
# The lines after the last whole block of eight: up to seven more ended by "\n", then the last.
_LAST_LINES = re.compile("([^\n]*\n)?" * 7)
# What may follow `<tag` in a start tag of that tag (and not of a longer name).
_TAG_NAME_ENDS = ("", " ", "\t", "\n", "\r", "/", ">")
_match_start = re.Match.start


class Positions(DocumentCore):
    """Where things are in the source, for the problems; each place is found once."""

    def _init_facts(self) -> None:
        # Plain instance attributes, made with the document: positions are read for every
        # problem, and CPython 3.11 does not specialise the read of an attribute whose class
        # also has a `cached` descriptor of that name (made lazily, they cost the rules +2 %
        # instructions on the Cerberus template, callgrind).
        super()._init_facts()
        self._places: dict[Element, tuple[int, int | None, str]] = {}
        self._tag_indexes: dict[str, dict[Element, int]] = {}
        self._run_ends: dict[tuple[str, int], int] = {}
        self._offsets: dict[tuple[str, int], list[int]] = {}
        self._text_newlines: dict[Element, list[int]] = {}
        # Characters of each <style> text counted for hits so far (see hit_in_style).
        self._text_counted: dict[Element, int] = {}
        # Lines 8i+1 to 8i+8 are the groups of block i (see _EIGHT_LINES), found on demand;
        # then, once every block is found, the lines after them (_LAST_LINES from `_last_start`).
        self._blocks: list[re.Match[str]] = []
        self._block_starts: list[int] = []
        self._block_finder = _EIGHT_LINES.finditer(self.source)
        self._last: re.Match[str] | None = None
        self._last_start = 0

    def _blocks_past(self, block: int = 0, offset: int = -1) -> list[re.Match[str]]:
        """The blocks of eight lines, known at least to block `block` and past `offset` (or
        all of them): problems usually sit in the first lines, so the rest is not scanned."""
        blocks = self._blocks
        while self._last is None and (len(blocks) <= block or self._block_starts[-1] <= offset):
            known = len(blocks)
            blocks.extend(islice(self._block_finder, 4))  # 32 lines at a time
            self._block_starts.extend(map(_match_start, blocks[known:]))
            if len(blocks) - known < 4:
                self._last_start = blocks[-1].end() if blocks else 0
                last = _LAST_LINES.match(self.source, self._last_start)
                assert last is not None  # every group is optional: it always matches
                self._last = last
        return blocks

    def _line_span(self, line: int) -> tuple[int, int]:
        """(start, end) of `line` in the source, the end at its "\n" (or the end of the
        source); (-1, -1) when the source has no such line."""
        if line < 1:
            return -1, -1
        block, row = divmod(line - 1, 8)
        blocks = self._blocks
        if block >= len(blocks) and self._last is None:
            self._blocks_past(block)
        if block < len(blocks):
            start, end = blocks[block].span(row + 1)
            return start, end - 1
        last = self._last
        if last is None or block > len(blocks):
            return -1, -1
        # The lines after the whole blocks: each but the last is a group of `last`.
        start = self._last_start if row == 0 else last.end(row)
        if start < 0:
            return -1, -1
        end = last.end(row + 1) if row < 7 else -1
        return start, end - 1 if end >= 0 else len(self.source)

    def line_text(self, line: int) -> str:
        start, end = self._line_span(line)
        return self.source[start:end] if start >= 0 else ""

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
        # `end` is at the line's "\n": no `<tag` holds one, so the searches up to it find
        # what they found up to the next line's start.
        start, end = self._line_span(line)
        if start < 0:
            return line, None
        at = self._tag_index(el, tag)
        if at is None:
            return line, None
        # A start tag may span lines: look back a few lines for its `<tag`.
        begin = self._line_span(max(1, line - 14))[0]
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
        # The tag ends on `line`; it starts there or a few lines above.
        while start > offset:
            line -= 1
            start = self._line_span(line)[0]
        return line, offset - start + 1

    def offset_position(self, offset: int) -> tuple[int, int]:
        """(line, column) of an offset (at least 0) of the source."""
        self._blocks_past(offset=offset)
        # The offset is in the last block starting at or before it, or after every block.
        block = bisect_right(self._block_starts, offset) - 1
        after = block < 0 or offset >= self._blocks[block].end()
        line = 8 * block + (9 if after else 1)
        start = self._line_span(line)[0]
        for _row in range(7):  # the last line of those eight starting at or before it
            following = self._line_span(line + 1)[0]
            if following < 0 or following > offset:
                break
            line, start = line + 1, following
        return line, offset - start + 1

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
        if newlines is None:
            # The usual few hits in a block: the newlines before each counted at C speed
            # (`bisect_left` of the list below is that count), not a match object per line of
            # the block. Once a block's counts have read four times its text, the list is made
            # (a count per hit was quadratic with thousands of hits).
            text = el.text or ""
            counted = self._text_counted.get(el, 0) + max(offset, 0)
            if counted <= 4 * len(text):
                self._text_counted[el] = counted
                line = (el.sourceline or 1) + (text.count("\n", 0, offset) if offset > 0 else 0)
                return Hit(message, line, None, self.snippet(line), "html")
            newlines = self._text_newlines[el] = [m.start() for m in _NEWLINE.finditer(text)]
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
