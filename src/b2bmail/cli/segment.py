"""`b2bmail segment`: put every row of a recipient list in one bucket, and report."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import encoding_options, format_option, out_option
from b2bmail.output import check_outputs, write_atomic
from b2bmail.recipients.buckets import SegmentReport
from b2bmail.recipients.decoding import DELIMITER_NAMES
from b2bmail.recipients.segmenting import segment_csv_chunks, segment_list

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
        "rows": [
            {
                "row": o.row,
                "email": o.email,
                "bucket": o.bucket,
                "reason": o.reason,
                "duplicate_of": o.duplicate_of,
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


@main.command()
@click.argument("recipients", type=click.Path(dir_okay=False))
@click.option(
    "--segments",
    "segments_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Segments file (YAML) whose rules assign each row.",
)
@click.option(
    "--companies",
    type=click.Path(dir_okay=False),
    default=None,
    help="Companies CSV joined on company id or e-mail domain (fields: company.<key>).",
)
@click.option(
    "--suppress",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Suppression list: one address, @domain or domain per line (repeatable).",
)
@encoding_options
@format_option("text", "json", "csv")
@out_option()
def segment(
    recipients: str,
    segments_path: str,
    companies: str | None,
    suppress: tuple[str, ...],
    encoding: str | None,
    delimiter: str | None,
    output_format: str,
    out_path: str | None,
) -> None:
    """Put every row of a recipient list in exactly one bucket.

    Buckets: a segment id, or unassigned, invalid, duplicate, suppressed; the
    counts add up to the rows read. Exit 1 when any row is invalid.

    \b
    Example:
        b2bmail segment examples/heavy-equipment/recipients.csv \\
            --segments examples/heavy-equipment/segments.yaml --format json
        b2bmail segment list.csv --segments segments.yaml --suppress optout.txt \\
            --format csv --out list-segmented.csv
    """
    check_outputs((out_path,), (recipients, segments_path, companies, *suppress))
    report = segment_list(
        recipients,
        segments_path,
        companies=companies,
        suppress=suppress,
        encoding=encoding,
        delimiter=delimiter,
    )
    data: bytes
    if output_format == "json":
        data = (json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n").encode()
    elif output_format == "csv":
        data = b"".join(segment_csv_chunks(report))
    else:
        data = report_text(report).encode()
    if out_path is not None:
        write_atomic(out_path, data)
    else:
        click.echo(data, nl=False)
    click.get_current_context().exit(EXIT_FINDINGS if report.invalid else EXIT_OK)
