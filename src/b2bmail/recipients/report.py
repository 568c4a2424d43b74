"""A segment report (recipients.segmenting.segment_list) for people (text) and programs (JSON)."""

from __future__ import annotations

import textwrap
from typing import Any

from b2bmail.recipients.buckets import SegmentReport
from b2bmail.recipients.decoding import DELIMITER_NAMES

#: Rows listed per bucket in the text report; every one of them is in the JSON.
TEXT_LIST_LIMIT = 20


def report_json(report: SegmentReport) -> dict[str, Any]:
    """The stable JSON shape of a segment report (keys documented in README, "Recipient lists")."""
    return {
        "input": {
            "path": str(report.path),
            "encoding": report.encoding,
            "delimiter": report.delimiter,
            "email_column": report.email_column,
        },
        "rows_read": report.rows_read,
        "blank_rows": report.blank_rows,
        "segments": [{"id": k, "name": v} for k, v in report.segment_names.items()],
        "buckets": dict(report.buckets),
        "values": {
            key: {
                "normalized": c.normalized,
                "unchanged": c.unchanged,
                "unrecognized": c.unrecognized,
                "unrecognized_examples": list(c.examples),
            }
            for key, c in sorted(report.values.items())
        },
        "numbers": {"locale": report.locale, "unreadable_rows": len(report.unread_numbers)},
        "rows": [
            {
                "row": o.row,
                "email": o.email,
                "bucket": o.bucket,
                "reason": o.reason,
                "duplicate_of": o.duplicate_of,
                "notes": list(o.notes),
            }
            for o in report.rows
        ],
    }


def report_text(report: SegmentReport) -> str:
    delim = DELIMITER_NAMES.get(report.delimiter, repr(report.delimiter))
    lines = [
        f"{report.path}: {report.rows_read} row{'' if report.rows_read == 1 else 's'} read"
        f" ({report.encoding}, {delim}-separated, email column {report.email_column!r})"
        + (
            f", {report.blank_rows} blank line{'' if report.blank_rows == 1 else 's'} skipped"
            if report.blank_rows
            else ""
        ),
        "",
    ]
    width = max(len(name) for name in report.buckets)
    for name, count in report.buckets.items():
        label = report.segment_names.get(name, "")
        lines.append(f"  {name:<{width}}  {count:>7}" + (f"  {label}" if label else ""))
    lines += _values_text(report)
    for bucket in ("invalid", "duplicate", "suppressed"):
        rows = [o for o in report.rows if o.bucket == bucket]
        if not rows:
            continue
        lines += ["", f"{bucket}:"]
        for o in rows[:TEXT_LIST_LIMIT]:
            lines += textwrap.wrap(
                f"  row {o.row}: {o.email!r} — {o.reason}",
                width=80,
                subsequent_indent="      ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        if len(rows) > TEXT_LIST_LIMIT:
            lines.append(f"  … and {len(rows) - TEXT_LIST_LIMIT} more (use --format json)")
    return "\n".join(lines) + "\n"


def _values_text(report: SegmentReport) -> list[str]:
    """What the reader normalised and could not, and numbers a rule could not read."""
    lines: list[str] = []
    for key, c in sorted(report.values.items()):
        if not lines:
            lines += ["", "values:"]
        line = f"  {key}: {c.normalized} normalised, {c.unchanged} already canonical"
        if c.unrecognized:
            shown = ", ".join(repr(e) for e in c.examples)
            line += f", {c.unrecognized} not recognised ({shown})"
        lines += textwrap.wrap(line, width=80, subsequent_indent="      ")
    unread = report.unread_numbers
    if unread:
        lines += ["", f"numbers not read (locale {report.locale}):"]
        for o in unread[:TEXT_LIST_LIMIT]:
            lines += textwrap.wrap(
                f"  row {o.row}: " + "; ".join(o.notes),
                width=80,
                subsequent_indent="      ",
                break_long_words=False,
            )
        if len(unread) > TEXT_LIST_LIMIT:
            lines.append(f"  … and {len(unread) - TEXT_LIST_LIMIT} more (use --format json)")
    return lines
