"""Hand-made inline SVG bar charts (no JavaScript, no libraries): labels are escaped data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

LABEL_WIDTH = 190
BAR_WIDTH = 420
ROW_HEIGHT = 26
FONT = 'font-family="system-ui, Segoe UI, Roboto, Arial, DejaVu Sans, sans-serif" font-size="13"'


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "0 %"


def _clip(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    values: Sequence[tuple[str, int]],
    *,
    title: str,
    colours: Mapping[str, str] | None = None,
    default_colour: str = "#3b6ea5",
) -> str:
    """Horizontal bars, one per (label, count), with count and share written after each bar."""
    total = sum(count for _, count in values)
    peak = max((count for _, count in values), default=0) or 1
    height = ROW_HEIGHT * len(values) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 110
    rows = []
    for index, (label, count) in enumerate(values):
        y = 4 + index * ROW_HEIGHT
        length = round(BAR_WIDTH * count / peak)
        colour = (colours or {}).get(label, default_colour)
        rows.append(
            f'<g class="bar" data-label="{escape(label)}" data-count="{count}">'
            f"<title>{escape(label)}: {count} ({_percent(count, total)})</title>"
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 17}" text-anchor="end" fill="#1d2733">'
            f"{escape(_clip(label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(length, 1 if count else 0)}" '
            f'height="{ROW_HEIGHT - 8}" rx="3" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + length + 8}" y="{y + 17}" fill="#4a5868">'
            f"{count} · {_percent(count, total)}</text></g>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}><title>{escape(title)}</title>{"".join(rows)}</svg>'
    )


def stacked_chart(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    *,
    title: str,
    keys: Sequence[str],
    colours: Mapping[str, str],
) -> str:
    """One 100 % bar per row, split into `keys` (e.g. a segment's recipients by level), plus a legend."""
    legend_height = 28
    height = legend_height + ROW_HEIGHT * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = []
    x = LABEL_WIDTH
    for key in keys:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{colours.get(key, "#999")}"/>'
            f'<text x="{x + 17}" y="16" fill="#4a5868">{escape(key)}</text>'
        )
        x += 30 + round(7 * len(key))  # ~7 px per character at 13 px
    for index, (label, counts) in enumerate(rows):
        y = legend_height + index * ROW_HEIGHT
        total = sum(counts.get(key, 0) for key in keys)
        parts.append(
            f'<g class="stack" data-label="{escape(label)}" data-total="{total}">'
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 17}" text-anchor="end" fill="#1d2733">'
            f"{escape(_clip(label))}</text>"
        )
        offset = 0.0
        for key in keys:
            count = counts.get(key, 0)
            if not count:
                continue
            length = BAR_WIDTH * count / total
            parts.append(
                f'<rect x="{LABEL_WIDTH + offset:.1f}" y="{y + 3}" width="{length:.1f}" '
                f'height="{ROW_HEIGHT - 8}" fill="{colours.get(key, "#999")}">'
                f"<title>{escape(label)} · {escape(key)}: {count} ({_percent(count, total)})</title></rect>"
            )
            offset += length
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 17}" fill="#4a5868">{total}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )
