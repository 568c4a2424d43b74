"""A segment report (recipients.segmenting.segment_list) for people (text) and programs (JSON)."""

from __future__ import annotations

import textwrap
from typing import Any

from b2bmail.i18n import _, ngettext
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
    delim = (
        _(DELIMITER_NAMES[report.delimiter])
        if report.delimiter in DELIMITER_NAMES
        else repr(report.delimiter)
    )
    lines = [
        ngettext(
            "{path}: {n} row read ({encoding}, {delimiter}-separated, email column {column})",
            "{path}: {n} rows read ({encoding}, {delimiter}-separated, email column {column})",
            report.rows_read,
        ).format(
            path=report.path,
            n=report.rows_read,
            encoding=report.encoding,
            delimiter=delim,
            column=repr(report.email_column),
        )
        + (
            ngettext(
                ", {n} blank line skipped", ", {n} blank lines skipped", report.blank_rows
            ).format(n=report.blank_rows)
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
                _("  row {row}: {email} — {reason}").format(
                    row=o.row, email=repr(o.email), reason=o.reason
                ),
                width=80,
                subsequent_indent="      ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        if len(rows) > TEXT_LIST_LIMIT:
            lines.append(_more(len(rows) - TEXT_LIST_LIMIT))
    return "\n".join(lines) + "\n"


def _more(count: int) -> str:
    return _("  … and {count} more (use --format json)").format(count=count)


def _values_text(report: SegmentReport) -> list[str]:
    """What the reader normalised and could not, and numbers a rule could not read."""
    lines: list[str] = []
    for key, c in sorted(report.values.items()):
        if not lines:
            lines += ["", _("values:")]
        line = _("  {key}: {normalized} normalised, {unchanged} already canonical").format(
            key=key, normalized=c.normalized, unchanged=c.unchanged
        )
        if c.unrecognized:
            shown = ", ".join(repr(e) for e in c.examples)
            line += _(", {count} not recognised ({shown})").format(
                count=c.unrecognized, shown=shown
            )
        lines += textwrap.wrap(line, width=80, subsequent_indent="      ")
    unread = report.unread_numbers
    if unread:
        lines += ["", _("numbers not read (locale {locale}):").format(locale=report.locale)]
        for o in unread[:TEXT_LIST_LIMIT]:
            lines += textwrap.wrap(
                _("  row {row}: {notes}").format(row=o.row, notes="; ".join(o.notes)),
                width=80,
                subsequent_indent="      ",
                break_long_words=False,
            )
        if len(unread) > TEXT_LIST_LIMIT:
            lines.append(_more(len(unread) - TEXT_LIST_LIMIT))
    return lines
