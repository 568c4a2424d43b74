"""Hand-made inline SVG bar charts (no JavaScript, no libraries): labels are escaped data.

A label is also a key (`data-label`, the colour map); `names` gives the words shown for it in
the reader's language (a risk level), the key itself being shown when it has none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

LABEL_WIDTH = 190  # the narrowest label column; a longer label widens it
BAR_WIDTH = 420
ROW_HEIGHT = 26
FONT = 'font-family="system-ui, Segoe UI, Roboto, Arial, DejaVu Sans, sans-serif" font-size="13"'


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "0 %"


# Upper bounds of a character's advance at 13 px in DejaVu Sans, the widest font of FONT
# (W is 0.99 em, M 0.86 em, other capitals up to 0.77 em, digits 0.64 em, lower case mostly
# under 0.62 em): an SVG cannot measure its own text without JavaScript, and a label must
# never be cut off, so the estimate errs wide.
WIDE_CHARS = frozenset("WMmw@%")


def _char_width(char: str) -> float:
    if char in WIDE_CHARS:
        return 13.0
    if char.isupper():
        return 10.0
    return 8.5


def _clip(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _text_width(text: str) -> int:
    return round(sum(_char_width(char) for char in text))


def _label_width(labels: Sequence[str]) -> int:
    """The label column: wide enough for the longest (clipped) label plus its 10 px gap."""
    return max([LABEL_WIDTH, *(_text_width(_clip(label)) + 18 for label in labels)])


def bar_chart(
    values: Sequence[tuple[str, int]],
    *,
    title: str,
    colours: Mapping[str, str] | None = None,
    default_colour: str = "#3b6ea5",
    names: Mapping[str, str] | None = None,
) -> str:
    """Horizontal bars, one per (label, count), with count and share written after each bar."""
    total = sum(count for _, count in values)
    peak = max((count for _, count in values), default=0) or 1
    height = ROW_HEIGHT * len(values) + 8
    shown = dict(names or {})
    label_width = _label_width([shown.get(label, label) for label, _ in values])
    width = label_width + BAR_WIDTH + 8 + _text_width(f"{peak} · 100 %") + 8
    rows = []
    for index, (label, count) in enumerate(values):
        y = 4 + index * ROW_HEIGHT
        length = round(BAR_WIDTH * count / peak)
        colour = (colours or {}).get(label, default_colour)
        name = shown.get(label, label)
        rows.append(
            f'<g class="bar" data-label="{escape(label)}" data-count="{count}">'
            f"<title>{escape(name)}: {count} ({_percent(count, total)})</title>"
            f'<text x="{label_width - 10}" y="{y + 17}" text-anchor="end" fill="#1d2733">'
            f"{escape(_clip(name))}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1 if count else 0)}" '
            f'height="{ROW_HEIGHT - 8}" rx="3" fill="{colour}"/>'
            f'<text x="{label_width + length + 8}" y="{y + 17}" fill="#4a5868">'
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
    names: Mapping[str, str] | None = None,
) -> str:
    """One 100 % bar per row, split into `keys` (e.g. a segment's recipients by level), plus a legend."""
    legend_height = 28
    height = legend_height + ROW_HEIGHT * len(rows) + 8
    label_width = _label_width([label for label, _ in rows])
    most = max((sum(counts.get(key, 0) for key in keys) for _, counts in rows), default=0)
    shown = dict(names or {})
    legend_end = label_width + sum(30 + _text_width(shown.get(key, key)) for key in keys)
    width = max(label_width + BAR_WIDTH + 8 + _text_width(str(most)) + 8, legend_end)
    parts = []
    x = label_width
    for key in keys:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{colours.get(key, "#999")}"/>'
            f'<text x="{x + 17}" y="16" fill="#4a5868">{escape(shown.get(key, key))}</text>'
        )
        x += 30 + _text_width(shown.get(key, key))
    for index, (label, counts) in enumerate(rows):
        y = legend_height + index * ROW_HEIGHT
        total = sum(counts.get(key, 0) for key in keys)
        parts.append(
            f'<g class="stack" data-label="{escape(label)}" data-total="{total}">'
            f'<text x="{label_width - 10}" y="{y + 17}" text-anchor="end" fill="#1d2733">'
            f"{escape(_clip(label))}</text>"
        )
        offset = 0.0
        for key in keys:
            count = counts.get(key, 0)
            if not count:
                continue
            length = BAR_WIDTH * count / total
            parts.append(
                f'<rect x="{label_width + offset:.1f}" y="{y + 3}" width="{length:.1f}" '
                f'height="{ROW_HEIGHT - 8}" fill="{colours.get(key, "#999")}">'
                f"<title>{escape(label)} · {escape(shown.get(key, key))}: {count} "
                f"({_percent(count, total)})</title></rect>"
            )
            offset += length
        parts.append(
            f'<text x="{label_width + BAR_WIDTH + 8}" y="{y + 17}" fill="#4a5868">{total}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )
