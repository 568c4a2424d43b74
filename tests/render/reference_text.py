"""The test oracle for render/text.py: the plain text of an email's HTML as beautifulsoup4 with
Python's html.parser read it (ex src/b2bmail/render/text.py, before it parsed with lxml).

Production parses with lxml (faster; already loaded by premailer); tests check that it gives
the same text for every HTML the build hands it (lxml-written, by the inliner). Only the parse
and the walk over the tree are kept here: the writer (paragraphs, wrapping) and the layout of
data tables are production's, which did not change."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from b2bmail.render.merge import unmark
from b2bmail.render.text import _BLOCKS, _BREAK, _HIDDEN, _SKIP, WIDTH, _write_table, _Writer


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
    _write_table(rows, w)


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
