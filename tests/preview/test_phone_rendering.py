"""The example email in real Chromium: standards mode, and readable on a 320 px phone.

These check what the build writes (render/ and the starter templates); they live here for
the preview tests' Chromium fixture (conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail.campaign import render_campaign
from b2bmail.preview.chromium import Tab

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ROOT / "examples" / "heavy-equipment" / "campaign.yaml"

# Each word of a text node (split at breakable spaces only: the no-break spaces in
# "1 234,50 €" and "−15 %" belong to the word) is measured with Range.getClientRects():
# a word on two lines has line boxes at two different heights.
SPLIT_WORDS = """
((root) => {
  const split = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = /[^ \\t\\n\\r]+/g;
    let m;
    while ((m = re.exec(node.data)) !== null) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split;
})(document.querySelector('td.prices table'))
"""

# The call-to-action link: its height and how many lines its label takes.
BUTTON = """
(() => {
  const a = [...document.querySelectorAll('a')].find((el) => el.style.borderRadius);
  const range = document.createRange();
  range.selectNodeContents(a);
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  return [a.getBoundingClientRect().height, lines];
})()
"""


@pytest.fixture(scope="module")
def example_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The built example, one file:// URL per segment."""
    folder = tmp_path_factory.mktemp("example")
    urls = {}
    for seg in render_campaign(HEAVY).segments:
        path = folder / f"{seg.segment_id}.html"
        path.write_text(seg.html, encoding="utf-8")
        urls[seg.segment_id] = path.as_uri()
    return urls


def open_at(tab: Tab, url: str, width: int) -> None:
    tab.set_images(enabled=True)  # remote images load as local placeholders (chromium.py)
    tab.set_viewport(width, 800)
    tab.navigate(url)


def test_built_email_renders_in_standards_mode(tab: Tab, example_pages: dict[str, str]) -> None:
    for url in example_pages.values():
        open_at(tab, url, 600)
        # "CSS1Compat" is standards mode; quirks mode reports "BackCompat" (CSSOM View).
        assert tab.evaluate("document.compatMode") == "CSS1Compat"


@pytest.mark.parametrize("width", [320, 375])
def test_price_table_has_no_word_split_across_lines_on_a_phone(
    tab: Tab, example_pages: dict[str, str], width: int
) -> None:
    open_at(tab, example_pages["mining"], width)
    assert tab.evaluate("document.querySelectorAll('td.prices table td').length") == 16
    assert tab.evaluate(SPLIT_WORDS) == []
    # No horizontal scroll: the page is no wider than the phone.
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def test_a_wrapped_button_label_keeps_the_button_shape(
    tab: Tab, example_pages: dict[str, str]
) -> None:
    heights = {}
    for segment_id, url in example_pages.items():
        open_at(tab, url, 320)
        height, lines = tab.evaluate(BUTTON)
        heights[segment_id] = lines
        # 13 px padding above and below, 20 px per line of label.
        assert height == pytest.approx(26 + 20 * lines, abs=1)
    assert max(heights.values()) >= 2  # "Demander une démonstration ou un devis" wraps
