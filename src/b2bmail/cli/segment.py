"""`b2bmail segment`: put every row of a recipient list in one bucket, and report."""

from __future__ import annotations

import os

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import encoding_options, format_option, join_options, out_option
from b2bmail.cli.verbosity import VERBOSE, say, timed
from b2bmail.i18n import _
from b2bmail.output import json_document


@main.command()
@click.argument("recipients", type=click.Path(dir_okay=False))
@click.option(
    "--segments",
    "segments_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Segments file (YAML) whose rules assign each row.",
)
@join_options()
@click.option(
    "--locale",
    default="en",
    show_default=True,
    help="Locale the list's numbers are written in (fr_FR reads 1 200,50 and 1.200).",
)
@encoding_options
@format_option("text", "json", "csv")
@out_option()
def segment(
    recipients: str,
    segments_path: str,
    companies: str | None,
    suppress: tuple[str, ...],
    locale: str,
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
    # The reader, segments and email-validator load when the command runs, not when Click
    # builds it: `b2bmail segment --help` stays fast.
    from b2bmail.output import check_outputs, numeric_locale, write_atomic
    from b2bmail.recipients.report import report_json, report_text
    from b2bmail.recipients.segmenting import segment_csv_chunks, segment_list

    check_outputs((out_path,), (recipients, segments_path, companies, *suppress))
    with timed(_("segment")):
        report = segment_list(
            recipients,
            segments_path,
            companies=companies,
            suppress=suppress,
            encoding=encoding,
            delimiter=delimiter,
            locale=locale,
        )
    data: bytes
    if output_format == "json":
        data = json_document("segment", report_json(report)).encode()
    elif output_format == "csv":
        data = b"".join(segment_csv_chunks(report, numeric_locale(os.environ)))
    else:
        data = report_text(report).encode()
    if out_path is not None:
        write_atomic(out_path, data)
        say(_("wrote {path}").format(path=out_path), VERBOSE)
    else:
        click.echo(data, nl=False)
    click.get_current_context().exit(EXIT_FINDINGS if report.invalid else EXIT_OK)
