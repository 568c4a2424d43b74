"""`b2bmail` commands: audit."""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import (
    encoding_options,
    format_option,
    out_option,
    resolver_options,
    stderr_is_terminal,
)
from b2bmail.cli.verbosity import NORMAL, VERBOSE, say, shows, timed
from b2bmail.deliverability.audit.risk import ALL_LEVELS
from b2bmail.i18n import _

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings


class ProgressBar:
    """A click progress bar on stderr, created on the first report (when the total is known)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._pos = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(
                length=total, label=_("Auditing domains"), file=sys.stderr
            )
            self._bar.__enter__()
        self._bar.update(done - self._pos)
        self._pos = done

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(t, e, tb)


@main.command()
@click.argument("recipients", type=click.Path(dir_okay=False))
@resolver_options
@click.option(
    "--fail-on",
    type=click.Choice(ALL_LEVELS),
    default="undeliverable",
    show_default=True,
    help="Exit 1 when a recipient reaches this level (low < medium < high < undeliverable;"
    " 'unknown' fails on unknown or undeliverable).",
)
@encoding_options
@format_option("text", "json", "csv")
@out_option()
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write a self-contained HTML report with charts (see the manual, Previewing a campaign).",
)
@click.option(
    "--segments",
    "segments_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="A segments file: the HTML report then charts each segment's recipients by level.",
)
def audit(
    recipients: str,
    resolver_settings: ResolverSettings,
    fail_on: str,
    encoding: str | None,
    delimiter: str | None,
    output_format: str,
    out_path: str | None,
    report_path: str | None,
    segments_path: str | None,
) -> None:
    """Score every recipient's deliverability risk from DNS (MX, gateways, SPF, DMARC).

    Each domain is asked once, concurrently; answers are cached (TTL-aware) in the
    user's cache folder or $B2BMAIL_CACHE. Invalid addresses are listed apart and
    count as undeliverable for --fail-on.

    \b
    Example:
        b2bmail audit examples/heavy-equipment/recipients.csv
        b2bmail audit list.csv --nameserver 1.1.1.1 --format json --out audit.json
        b2bmail audit list.csv --fail-on high --format csv --out audit.csv
        b2bmail audit list.csv --report audit.html --segments segments.yaml
    """
    # The audit (dnspython, the recipient reader, email-validator) and the HTML report load when
    # the command runs, not when Click builds it: `b2bmail audit --help` stays fast.
    from b2bmail.deliverability.audit.report import format_csv, format_json, format_text
    from b2bmail.deliverability.audit.run import audit_file
    from b2bmail.output import check_outputs, numeric_locale, write_atomic
    from b2bmail.preview.report import segment_rows, write_audit_report

    if segments_path is not None and report_path is None:
        raise click.UsageError(_("--segments only shapes the HTML report: add --report FILE"))
    check_outputs((out_path, report_path), (recipients, segments_path))
    segment_of = None
    if segments_path is not None:
        # Before any DNS: a mistake in the segments file should not cost a whole audit.
        segment_of = segment_rows(recipients, segments_path, encoding=encoding, delimiter=delimiter)
    with ProgressBar() as bar, timed(_("DNS audit")):
        report = audit_file(
            recipients,
            resolver_settings,
            encoding=encoding,
            delimiter=delimiter,
            progress=bar if stderr_is_terminal() and shows(NORMAL) else None,
        )
    if shows(VERBOSE):
        say(
            _("{recipients} recipient(s), {invalid} invalid, {domains} domain(s) asked").format(
                recipients=len(report.recipients),
                invalid=len(report.invalid),
                domains=len(report.domains),
            ),
            VERBOSE,
        )
    if output_format == "json":
        text = format_json(report, recipients)
    elif output_format == "csv":
        text = format_csv(report, numeric_locale(os.environ))
    else:
        text = format_text(report, recipients)
    if report_path is not None:
        write_audit_report(report, report_path, source=recipients, segment_of=segment_of)
        say(_("wrote {path}").format(path=report_path), VERBOSE)
    if out_path is not None:
        write_atomic(out_path, text)
        say(_("wrote {path}").format(path=out_path), VERBOSE)
    else:
        click.echo(text, nl=False)
    click.get_current_context().exit(EXIT_FINDINGS if report.reaches(fail_on) else EXIT_OK)
