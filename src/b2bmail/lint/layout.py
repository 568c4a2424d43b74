"""The browser rules' side of lint: the script that measures a laid-out page, and the
problems (B2B109 word-broken-on-phone, B2B110 page-wider-than-phone) from what it measured.

Lint's B2B108 estimates a table's width from the markup; these measure the page Chromium laid
out (issue 16). `MEASURE` splits each visible text node into words at the places UAX #14 lets
a line break, and measures a `Range` over each word: its `getClientRects()` on more than one
line means the browser broke the word itself (`word-break: break-word`, `overflow-wrap:
anywhere`). The preview runs the script (preview/layout.py) and campaign.py turns its results
into problems here, under the campaign's lint settings, placed by the source map. The script
and the reading of its result live together, so their contract is in one file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from b2bmail.i18n import _
from b2bmail.lint.config import LintConfig
from b2bmail.lint.document import Document, Element, text_content
from b2bmail.lint.problem import Problem
from b2bmail.lint.registry import find_rule
from b2bmail.lint.rule import Rule

WORD_BROKEN, PAGE_TOO_WIDE = "B2B109", "B2B110"

# Break opportunities (UAX #14): breaking spaces and U+200B ZERO WIDTH SPACE (class ZW) end a
# word; a line may also break after a hyphen (HY, BA: U+002D, U+2010, U+2013), a solidus
# (SY, which Chromium breaks after in URLs) or a soft hyphen (BA: U+00AD), and on both sides of
# an em dash (B2). U+00A0 and U+202F (GL) and U+2212 (PR) are no break opportunity, so
# "1 234,50 €" and "−13,6 %" are one word each. Text under `hyphens: auto` may be hyphenated
# by the browser, a break the reader expects: it is not measured.
MEASURE = r"""
(() => {
  const SPACE = /[ \t\n\r\f\u200B]/, AFTER = /[-\u2010\u2013\u00AD\/]/, EM = "\u2014";
  const vw = document.documentElement.clientWidth;
  const shown = (el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true})
    && parseFloat(getComputedStyle(el).fontSize) >= 1;
  const spot = (el) => ({tag: el.localName,
    index: [...document.getElementsByTagName(el.localName)].indexOf(el),
    text: (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200)});
  const range = (node, begin, end) => {
    const r = document.createRange();
    r.setStart(node, begin);
    r.setEnd(node, end);
    return [...r.getClientRects()].filter((rect) => rect.width > 0 && rect.height > 0);
  };
  // A character's own box is its range's last rect: the range of the first character after
  // a soft-hyphen break also holds the hyphen Chromium draws at the end of the line before.
  const box = (node, at) => range(node, at, at + 1).pop();
  const isBroken = (node, begin, end) => {
    const rects = range(node, begin, end).sort((a, b) => a.top - b.top);
    if (rects.length < 2 || rects[rects.length - 1].top < rects[0].bottom - 1) return false;
    const first = box(node, begin);
    let final;  // the last character with a box (an unbroken soft hyphen has none)
    for (let at = end - 1; at > begin && !final; at--) final = box(node, at);
    return !!first && !!final && final.top >= first.bottom - 1;  // on a later line
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !shown(el) || getComputedStyle(el).hyphens === "auto") continue;
    const text = node.data, words = [];
    let start = -1;
    for (let i = 0; i <= text.length; i++) {
      const ch = text[i];
      if (i === text.length || SPACE.test(ch)) {
        if (start >= 0) words.push([start, i]);
        start = -1;
        continue;
      }
      if (ch === EM && start >= 0) { words.push([start, i]); start = -1; }
      if (start < 0) start = i;
      if (AFTER.test(ch) || ch === EM) { words.push([start, i + 1]); start = -1; }
    }
    for (const [begin, end] of words) {
      if (end - begin < 2) continue;
      if (isBroken(node, begin, end))
        broken.push({word: text.slice(begin, end).replace(/\u00AD/g, ""), ...spot(el)});
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  let wide = null;
  if (scrollWidth > vw) {
    for (const el of document.body.querySelectorAll("*")) {
      if (el.getBoundingClientRect().right > vw + 0.5 && shown(el)) { wide = spot(el); break; }
    }
  }
  return {broken, scrollWidth, viewport: vw, wide};
})()
"""


@dataclass(frozen=True)
class Spot:
    """An element of the page: its tag, its index among the page's elements of that tag (in
    document order) and its text, to find it again in the HTML source."""

    tag: str
    index: int
    text: str


@dataclass(frozen=True)
class BrokenWord:
    """A word Chromium laid out on more than one line, in the element holding its text."""

    word: str
    spot: Spot


@dataclass(frozen=True)
class PageLayout:
    """What one page measured at one viewport width."""

    width: int
    broken: tuple[BrokenWord, ...]
    scroll_width: int
    wide: Spot | None  # the first element reaching past the right edge, when the page is wider

    @property
    def too_wide(self) -> bool:
        return self.scroll_width > self.width


def _spot(data: Mapping[str, Any]) -> Spot:
    index = data.get("index")
    return Spot(str(data["tag"]), index if isinstance(index, int) else -1, str(data["text"]))


def read_layout(measured: Mapping[str, Any]) -> PageLayout:
    """A `PageLayout` from what `MEASURE` returned in a page."""
    return PageLayout(
        width=int(measured["viewport"]),
        broken=tuple(BrokenWord(str(b["word"]), _spot(b)) for b in measured["broken"]),
        scroll_width=int(measured["scrollWidth"]),
        wide=_spot(measured["wide"]) if measured["wide"] else None,
    )


def _squash(text: str) -> str:
    return " ".join(text.split())


def find_element(doc: Document, spot: Spot) -> Element | None:
    """The element of the parsed source that Chromium's `spot` is: the one at its index among
    the elements of its tag when their text agrees (the parsers agree on well-formed email
    HTML), else the first of that tag with the same text."""
    candidates = doc.elements(spot.tag)
    shown = spot.text
    if 0 <= spot.index < len(candidates):
        element = candidates[spot.index]
        if _squash(text_content(element))[:200] == shown:
            return element
    return next((el for el in candidates if _squash(text_content(el))[:200] == shown), None)


@dataclass(frozen=True)
class _Finding:
    rule: Rule
    spot: Spot | None
    message: str


def _widths(widths: Sequence[int]) -> str:
    return ", ".join(f"{w} px" for w in widths)


def _findings(layouts: Sequence[PageLayout]) -> list[_Finding]:
    """One finding per broken word (and element), and one for a page too wide, naming every
    width that showed it."""
    words: dict[tuple[str, Spot], list[int]] = {}
    wide: dict[Spot | None, list[int]] = {}
    for layout in layouts:
        for broken in layout.broken:
            words.setdefault((broken.word, broken.spot), []).append(layout.width)
        if layout.too_wide:
            wide.setdefault(layout.wide, []).append(layout.width)
    word_rule, wide_rule = find_rule(WORD_BROKEN), find_rule(PAGE_TOO_WIDE)
    assert word_rule is not None and wide_rule is not None  # registered in lint/rules/phone.py
    found = [
        _Finding(
            word_rule,
            spot,
            _(
                "“{word}” is broken mid-word at {widths} — widen its column, drop or stack"
                " columns, or shorten the word"
            ).format(word=word, widths=_widths(widths)),
        )
        for (word, spot), widths in words.items()
    ]
    for spot, widths in wide.items():
        page = max(lay.scroll_width for lay in layouts if lay.width == widths[0])
        found.append(
            _Finding(
                wide_rule,
                spot,
                _(
                    "the page is {page} px wide at {widths}, so the reader scrolls sideways"
                    " — give fixed widths a max-width or stack columns"
                ).format(page=page, widths=_widths(widths)),
            )
        )
    return found


def layout_problems(
    measured: Sequence[Mapping[str, Any]],
    *,
    html: str,
    path: str,
    config: LintConfig | None = None,
) -> list[Problem]:
    """The problems (B2B109, B2B110) of one page measured by `MEASURE` at one or more widths,
    under `config`'s select, ignore and severity, each at the line of `html` (named `path`)
    that holds the element."""
    config = config or LintConfig()
    doc = Document(path=path, html=html)
    problems = []
    for finding in _findings([read_layout(m) for m in measured]):
        if not config.enabled(finding.rule):
            continue
        element = find_element(doc, finding.spot) if finding.spot else None
        line, column = doc.position(element) if element is not None else (1, None)
        problems.append(
            Problem(
                path=path,
                code=finding.rule.code,
                name=finding.rule.name,
                severity=config.severity_of(finding.rule) or finding.rule.severity,
                message=finding.message,
                line=line,
                column=column,
                snippet=doc.snippet(line, column),
            )
        )
    return problems
