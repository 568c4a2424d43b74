"""Plain text from the rendered HTML (beautifulsoup4), for the text/plain part.

Headings are underlined, paragraphs separated by a blank line, lists keep bullets or numbers,
data tables keep their rows and columns, links read `text (url)`. The hidden preheader,
Outlook-only conditional markup and decorative images are left out; lines wrap at 78
columns (RFC 5322 §2.1.1 recommends at most 78 characters per line).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

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


def _hidden(tag: Tag) -> bool:
    style = tag.get("style")
    return (
        bool(style and _HIDDEN.search(str(style)))
        or tag.get("aria-hidden") == "true"
        or tag.has_attr("hidden")
    )


def _inline_text(tag: Tag) -> str:
    w = _Writer()
    _walk(tag, w)
    w.flush()
    return " ".join(b.replace("\n", " ") for b in w.blocks)


def _link(tag: Tag, w: _Writer) -> None:
    href = str(tag.get("href") or "").strip()
    label = _inline_text(tag)
    if not label:
        img = tag.find("img")
        label = str(img.get("alt") or "").strip() if isinstance(img, Tag) else ""
    # A merge field in a URL keeps its URL mark (its value is percent-encoded, so the link
    # works when clicked); a mailto address is shown to the reader, so as typed.
    target = unmark(href[len("mailto:") :]) if href.lower().startswith("mailto:") else href
    if not href or href.startswith("#"):
        w.inline.append(label)
    elif not label or label == unmark(target):
        w.inline.append(f" {target} ")
    else:
        w.inline.append(f"{label} ({target})")


def _data_table(tag: Tag, w: _Writer) -> None:
    rows = []
    for tr in tag.find_all("tr"):
        cells = [_inline_text(c) for c in tr.find_all(["td", "th"], recursive=False)]
        if any(cells):
            rows.append(cells)
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


def _walk(node: Tag, w: _Writer) -> None:
    for child in node.children:
        if isinstance(child, Comment):
            continue  # conditional comments hold the Outlook-only (VML) copy of buttons
        if isinstance(child, NavigableString):
            w.inline.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in _SKIP or _hidden(child):
            continue
        name = child.name
        if name == "br":
            w.inline.append(_BREAK)
        elif name == "a":
            _link(child, w)
        elif name == "img":
            continue  # decorative in layout; linked images get their alt through _link
        elif re.fullmatch(r"h[1-6]", name):
            w.flush()
            text = _inline_text(child)
            if text:
                mark = "=" if name == "h1" else "-"
                w.blocks.append(f"{text}\n{mark * min(len(text), WIDTH)}")
        elif name in ("ul", "ol"):
            w.flush()
            items = [li for li in child.find_all("li", recursive=False)]
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
    soup = BeautifulSoup(html, "html.parser")
    w = _Writer()
    _walk(soup.body if soup.body else soup, w)
    w.flush()
    return "\n\n".join(b for b in w.blocks if b.strip()) + "\n"
