"""`b2bmail` commands: recipients (segment)."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import format_option, out_option
from b2bmail.output import check_outputs, write_atomic
from b2bmail.recipients.buckets import RESERVED, SegmentReport
from b2bmail.recipients.decoding import DELIMITER_NAMES
from b2bmail.recipients.segmenting import segment_csv_chunks, segment_list
from b2bmail.render.personalize import (
    SECRET_ENV,
    PersonalizeReport,
    build_per_recipient,
)
from b2bmail.render.personalize import report_json as personalize_json

TEXT_LIST_LIMIT = 20


def encoding_options(func: Any) -> Any:
    """`--encoding` and `--delimiter`, shared by the commands that read a recipient list."""
    func = click.option(
        "--delimiter",
        default=None,
        help="Force the column delimiter: ',', ';', 'tab' (default: detected from the header).",
    )(func)
    return click.option(
        "--encoding",
        default=None,
        help="Force the text encoding, e.g. utf-8 or cp1252 (default: UTF-8, else Windows-1252).",
    )(func)


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


def _shown_email(email: str, width: int = 60) -> str:
    return repr(email if len(email) <= width else email[: width - 1] + "…")


def personalize_text(report: PersonalizeReport, target: str, listing: str = "--format json") -> str:
    """People's summary of a per-recipient build. Rows not written are listed (the first
    few here, each of them in `listing`: OUT/personalize.json or --format json)."""
    lines = [f"{report.messages} message(s) from {report.rows_read} row(s) -> {target}"]
    if report.blank_rows:
        lines[0] += f" ({report.blank_rows} blank line(s) skipped)"
    for seg_id, count in report.built.items():
        lines.append(f"  {seg_id:<24} {count:>7}")
    if report.stages:
        line = "by stage: " + ", ".join(f"{k} {v}" for k, v in report.stages.items())
        if report.stage_defaulted:
            line += f" ({report.stage_defaulted} without a known stage got their segment's default)"
        lines.append(line)
    not_sent: dict[str, int] = {}
    for issue in report.not_sent:
        not_sent[issue.bucket] = not_sent.get(issue.bucket, 0) + 1
    if not_sent:
        lines.append(
            "not sent: "
            + ", ".join(f"{k} {v}" for k, v in not_sent.items())
            + f" (each row and why: {listing})"
        )
    for issue in report.issues[:TEXT_LIST_LIMIT]:
        lines.append(
            f"  row {issue.row}: {_shown_email(issue.email)} — {issue.kind}: {issue.detail}"
        )
    if len(report.issues) > TEXT_LIST_LIMIT:
        lines.append(f"  … and {len(report.issues) - TEXT_LIST_LIMIT} more ({listing})")
    return "\n".join(lines)


def recipient_options(func: Any) -> Any:
    """The `build` options for per-recipient output (owned here, applied in cli/build.py)."""
    func = encoding_options(func)
    options = [
        click.option(
            "--suppress",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="With --recipients: suppression list (address, @domain or domain per line).",
        ),
        click.option(
            "--companies",
            type=click.Path(dir_okay=False),
            default=None,
            help="With --recipients: companies CSV joined on company id or e-mail domain.",
        ),
        click.option(
            "--mbox",
            type=click.Path(dir_okay=False),
            default=None,
            help="With --recipients: write all messages to this mbox file instead of .eml files.",
        ),
        click.option(
            "--per-recipient",
            is_flag=True,
            help="With --recipients: one .eml per recipient in OUT/<segment>/.",
        ),
        click.option(
            "--recipients",
            type=click.Path(dir_okay=False),
            default=None,
            help="Recipient list (CSV/TSV) to personalise the campaign for.",
        ),
    ]
    for option in options:
        func = option(func)
    return func


def wants_per_recipient(options: dict[str, Any]) -> bool:
    return bool(options.get("recipients") or options.get("per_recipient") or options.get("mbox"))


def run_per_recipient(
    campaign: str | Path,
    *,
    out_dir: str | Path,
    output_format: str,
    date: datetime | None = None,
    segment_ids: tuple[str, ...] = (),
    recipients: str | None = None,
    per_recipient: bool = False,
    mbox: str | None = None,
    companies: str | None = None,
    suppress: tuple[str, ...] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
) -> int:
    """`build --recipients FILE --per-recipient [--mbox FILE]`: write the messages, print the
    report, return the exit code (1 when rows were invalid or could not be built)."""
    if recipients is None:
        raise click.UsageError("--per-recipient and --mbox need --recipients FILE")
    if not per_recipient and mbox is None:
        raise click.UsageError("--recipients needs --per-recipient (or --mbox FILE)")
    report = build_per_recipient(
        campaign,
        recipients,
        out_dir=None if mbox is not None else out_dir,
        mbox=mbox,
        companies=companies,
        suppress=suppress,
        encoding=encoding,
        delimiter=delimiter,
        date=date,
        segment_ids=segment_ids or None,
    )
    if report.token_source != "secret":
        click.echo(
            f"b2bmail: warning: ${SECRET_ENV} is not set; unsubscribe tokens use a guessable"
            " fallback key (fine for previews, not for sending)",
            err=True,
        )
    if output_format == "json":
        click.echo(json.dumps(personalize_json(report), ensure_ascii=False, indent=2))
    else:
        if mbox is not None:
            click.echo(personalize_text(report, str(mbox)))
        else:
            listing = str(Path(out_dir) / "personalize.json")
            click.echo(personalize_text(report, str(out_dir), listing))
    failed = report.buckets.get("invalid", 0) or report.skipped
    return EXIT_FINDINGS if failed else EXIT_OK


__all__ = [
    "RESERVED",
    "encoding_options",
    "personalize_text",
    "recipient_options",
    "report_json",
    "report_text",
    "run_per_recipient",
    "segment",
    "wants_per_recipient",
]
