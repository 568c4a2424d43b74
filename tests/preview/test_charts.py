"""The audit report's SVG charts: every label is drawn whole inside the chart (real Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail.preview.charts import bar_chart, stacked_chart
from b2bmail.preview.chromium import Tab

# Text boxes that leave the viewBox, measured by the browser: getBBox() is in user units, the
# viewBox's coordinate system, so "inside" is 0 <= x and x + width <= viewBox width.
CLIPPED_TEXT = """
[...document.querySelectorAll('svg')].flatMap((svg) => {
  const box = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')].map((t) => [t.textContent, t.getBBox()])
    .filter(([, b]) => b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width
      || b.y + b.height > box.y + box.height)
    .map(([text, b]) => `${text}: x=${b.x.toFixed(1)} w=${b.width.toFixed(1)} of ${box.width}`);
})
"""

LONG_LABELS = [
    ("Proofpoint Essentials (hosted)", 1200),  # past the 28-character clip: ends in "…"
    ("WWWWWWWWWWWWWWWWWWWWWWWWWWW", 3),  # 27 of the widest letter
    ("Microsoft 365", 2),
    ("x", 0),
]


@pytest.mark.chromium
def test_no_chart_text_is_clipped(tab: Tab, tmp_path: Path) -> None:
    bars = bar_chart(LONG_LABELS, title="providers")
    stacks = stacked_chart(
        [
            ("construction-equipment-dealers-north", {"low": 9000, "undeliverable": 1}),
            ("MMMMMMMMMMMMMMMMMMMMMMMMMMM", {"medium": 1}),
        ],
        title="segments",
        keys=("low", "medium", "high", "undeliverable", "unknown"),
        colours={},
    )
    page = tmp_path / "charts.html"
    page.write_text(f"<!DOCTYPE html><html><body>{bars}{stacks}</body></html>", encoding="utf-8")
    tab.navigate(page.as_uri())
    assert tab.evaluate("document.querySelectorAll('svg text').length") == 4 * 2 + 5 + 2 * 2
    assert tab.evaluate(CLIPPED_TEXT) == []
