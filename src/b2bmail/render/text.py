"""Plain text from the rendered HTML, for the text/plain part.

Headings are underlined, paragraphs separated by a blank line, lists keep bullets or numbers,
data tables keep their rows and columns, links read `text (url)`. The hidden preheader,
Outlook-only conditional markup and decorative images are left out; lines wrap at 78
columns (RFC 5322 §2.1.1 recommends at most 78 characters per line).

The HTML is parsed with lxml (libxml2), which premailer (render/inline.py) has loaded already,
about four times faster than beautifulsoup4 with html.parser, which this module used before
(and beautifulsoup4 is no longer imported).
What the build hands it is HTML that lxml wrote (the inliner's output), which both parsers
read as the same tree: the text is the same, pinned against the former implementation
(tests/render/reference_text.py) over the examples and the email corpus once inlined. On
hand-written HTML they can differ where the HTML is broken: a link inside a link is closed
by lxml, as browsers do (HTML Standard, the "a" start tag in body), kept nested by html.parser.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from lxml import etree

from b2bmail.render.merge import unmark

WIDTH = 78
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "center", "blockquote",
    "table", "tbody", "thead", "tr", "td", "th", "body", "html", "address", "hr",
}  # fmt: skip
_SKIP = {"head", "style", "script", "title", "meta", "link", "noscript", "template"}
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all|max-height\s*:\s*0", re.I)
_SPACE = re.compile(r"[ \t\r\n\f\v\u200b\u200c\u034f\xad]+")
_BREAK = "\u2028"  # stands for <br> until whitespace is collapsed
_PARSER = etree.HTMLParser(encoding="utf-8")


@dataclass
class _Writer:
    blocks: list[str] = field(default_factory=list)
    inline: list[str] = field(default_factory=list)

    def flush(self, indent: str = "", first: str = "") -> None:
        text = _SPACE.sub(" ", "".join(self.inline))
        self.inline.clear()
        lines = [ln.strip() for ln in text.split(_BREAK)]
        lines = [ln for ln in lines if ln]
        if not lines:
            return
        out = []
        for i, ln in enumerate(lines):
            lead = first if i == 0 and first else indent
            out.append(
                textwrap.fill(
                    ln, WIDTH, initial_indent=lead, subsequent_indent=indent or " " * len(first),
                    break_long_words=False, break_on_hyphens=False,
                )
            )  # fmt: skip
        self.blocks.append("\n".join(out))


def _hidden(tag: etree._Element) -> bool:
    style = tag.get("style")
    return (
        bool(style and _HIDDEN.search(style))
        or tag.get("aria-hidden") == "true"
        or "hidden" in tag.attrib
    )


def _inline_text(tag: etree._Element) -> str:
    w = _Writer()
    _walk(tag, w)
    w.flush()
    return " ".join(b.replace("\n", " ") for b in w.blocks)


def _link(tag: etree._Element, w: _Writer) -> None:
    href = (tag.get("href") or "").strip()
    label = _inline_text(tag)
    if not label:
        img = next(tag.iterdescendants("img"), None)
        label = (img.get("alt") or "").strip() if img is not None else ""
    # A merge field in a URL keeps its URL mark (its value is percent-encoded, so the link
    # works when clicked); a mailto address is shown to the reader, so as typed.
    target = unmark(href[len("mailto:") :]) if href.lower().startswith("mailto:") else href
    if not href or href.startswith("#"):
        w.inline.append(label)
    elif not label or label == unmark(target):
        w.inline.append(f" {target} ")
    else:
        w.inline.append(f"{label} ({target})")


def _data_table(tag: etree._Element, w: _Writer) -> None:
    rows = []
    for tr in tag.iterdescendants("tr"):
        cells = [_inline_text(c) for c in tr if c.tag in ("td", "th")]
        if any(cells):
            rows.append(cells)
    _write_table(rows, w)


def _write_table(rows: list[list[str]], w: _Writer) -> None:
    """A data table's rows (each its cells' text) as aligned columns when they fit."""
    if not rows:
        return
    ncol = max(len(r) for r in rows)
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(ncol)]
    fits = sum(widths) + 3 * (ncol - 1) <= WIDTH
    lines = []
    for r in rows:
        cells = r + [""] * (ncol - len(r))
        if fits:
            # Numbers right-aligned so prices line up, text left-aligned.
            lines.append(
                " | ".join(
                    c.rjust(widths[i])
                    if re.match(r"^[\d\s\u202f\xa0.,%€$£+-]+", c) and i
                    else c.ljust(widths[i])
                    for i, c in enumerate(cells)
                ).rstrip()
            )
        else:
            lines.append(" | ".join(cells))
    if fits and len(lines) > 1:
        lines.insert(1, "-+-".join("-" * wd for wd in widths))
    w.blocks.append("\n".join(lines))


def _walk(node: etree._Element, w: _Writer) -> None:
    # A node's text, then each child and the text that follows it (its tail): the text of
    # an element skipped (hidden, a comment) still reads.
    if node.text:
        w.inline.append(node.text)
    for child in node:
        _child(child, w)
        if child.tail:
            w.inline.append(child.tail)


def _child(child: etree._Element, w: _Writer) -> None:
    name = child.tag
    # Comments hold the Outlook-only (VML) copy of buttons; processing instructions and
    # entities are no text either.
    if not isinstance(name, str) or name in _SKIP or _hidden(child):
        return
    if name == "br":
        w.inline.append(_BREAK)
    elif name == "a":
        _link(child, w)
    elif name == "img":
        return  # decorative in layout; linked images get their alt through _link
    elif re.fullmatch(r"h[1-6]", name):
        w.flush()
        text = _inline_text(child)
        if text:
            mark = "=" if name == "h1" else "-"
            w.blocks.append(f"{text}\n{mark * min(len(text), WIDTH)}")
    elif name in ("ul", "ol"):
        w.flush()
        items = [li for li in child if li.tag == "li"]
        for i, li in enumerate(items, 1):
            _walk(li, w)
            w.flush(indent="   ", first=f"{i}. " if name == "ol" else " - ")
    elif name == "table" and child.get("role") != "presentation":
        w.flush()
        _data_table(child, w)
    elif name in _BLOCKS:
        w.flush()
        _walk(child, w)
        w.flush()
        if name == "hr":
            w.blocks.append("-" * 20)
    else:
        _walk(child, w)


def html_to_text(html: str) -> str:
    """Readable plain text of an email's HTML, ending with one newline."""
    root = etree.fromstring(html.encode("utf-8"), _PARSER)
    body = root.find("body") if root is not None else None
    w = _Writer()
    if body is not None:
        _walk(body, w)
    w.flush()
    return "\n\n".join(b for b in w.blocks if b.strip()) + "\n"
