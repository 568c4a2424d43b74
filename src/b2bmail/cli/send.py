"""`b2bmail send`: proofs, then the campaign, over SMTP with a journal (exactly once)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import encoding_options, join_options, resolver_options
from b2bmail.cli.verbosity import NORMAL, QUIET, VERBOSE, say, shows, timed
from b2bmail.i18n import N_, _

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings
    from b2bmail.send.run import SendPlan

PASSWORD_ENV = "B2BMAIL_SMTP_PASSWORD"
#: How a sending IP stands on a blocklist, as the warning says it.
LISTING = {"listed": N_("listed"), "unknown": N_("unknown")}


@main.command()
@click.argument("campaign", type=click.Path(dir_okay=False))
@click.option(
    "--recipients", required=True, type=click.Path(dir_okay=False), help="Recipient list (CSV)."
)
@click.option(
    "--smtp", "smtp", default=None, help="Submission server HOST[:PORT] (587 STARTTLS, 465 TLS)."
)
@click.option(
    "--user",
    default=None,
    help="SMTP login; the password comes from $B2BMAIL_SMTP_PASSWORD or a prompt.",
)
@click.option(
    "--proof", multiple=True, help="Send each segment's sample here, subject [PROOF] (repeatable)."
)
@click.option("--dry-run", is_flag=True, help="Report what would be sent; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (CI).")
@click.option(
    "--journal",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite journal (default: send-journal.sqlite next to the campaign file).",
)
@click.option(
    "--bounces",
    type=click.Path(dir_okay=False),
    default=None,
    help="Suppression file 5xx bounces are added to (default: bounces.txt next to the journal).",
)
@click.option(
    "--resend-uncertain", is_flag=True, help="Send again messages whose outcome is unknown."
)
@click.option(
    "--return-path", default=None, help="Envelope sender (MAIL FROM) on your bounce domain."
)
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="`b2bmail audit --format json` report: groups by gateway/provider, risk levels.",
)
@click.option(
    "--connections",
    type=click.IntRange(min=1),
    default=None,
    help="Transactions at once per group.",
)
@click.option(
    "--per-minute",
    type=click.FloatRange(min=0),
    default=None,
    help="Messages a minute per group (0: no limit).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="SMTP sessions open at once to the server.",
)
@join_options()
@click.option(
    "--resolve-mx",
    is_flag=True,
    help="Without --audit: group recipients by MX and gateway, asked over DNS.",
)
@click.option(
    "--ip",
    "ips",
    multiple=True,
    metavar="IP",
    help="An address your relay sends from (repeatable): checked against the IP blocklists "
    "(Spamhaus ZEN, SpamCop, Barracuda) before anything is sent; a listed one stops the send.",
)
@click.option(
    "--blocklists",
    "blocklists_path",
    type=click.Path(exists=True, dir_okay=False),
    help="The blocklists to ask (YAML, as data/blocklists.yaml), instead of the built-in ones.",
)
@click.option("--force-listed", is_flag=True, help="Send even when a sending IP is listed.")
@resolver_options
@encoding_options
def send(
    campaign: str,
    recipients: str,
    smtp: str | None,
    user: str | None,
    proof: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    journal: str | None,
    bounces: str | None,
    resend_uncertain: bool,
    return_path: str | None,
    audit_path: str | None,
    connections: int | None,
    per_minute: float | None,
    max_connections: int,
    companies: str | None,
    suppress: tuple[str, ...],
    resolve_mx: bool,
    ips: tuple[str, ...],
    blocklists_path: str | None,
    force_listed: bool,
    resolver_settings: ResolverSettings,
    encoding: str | None,
    delimiter: str | None,
) -> None:
    """Send a campaign over SMTP, DKIM-signed and paced, each message exactly once.

    Every message is recorded in a SQLite journal before and after its SMTP
    transaction: run the same command again after a crash and only the
    remaining messages go. Exit 1 when a message bounced, was deferred or
    its outcome is unknown.

    \b
    Example:
        export B2BMAIL_UNSUBSCRIBE_SECRET=... B2BMAIL_SMTP_PASSWORD=...
        b2bmail send campaign.yaml --recipients list.csv --smtp smtp.example.com \\
            --user news@example.com --proof me@example.com
        b2bmail send campaign.yaml --recipients list.csv --smtp smtp.example.com \\
            --user news@example.com --audit audit.json
    """
    from b2bmail.errors import InputError
    from b2bmail.send.gate import check_sending_ips
    from b2bmail.send.run import SendOptions, plan_lines, send_campaign
    from b2bmail.send.smtp import SmtpTarget, parse_target

    # Before the SMTP server is asked anything: a listed relay gets the campaign refused.
    for result in check_sending_ips(
        resolver_settings,
        ips,
        lists_path=Path(blocklists_path) if blocklists_path else None,
        force=force_listed,
    ):
        if result.status in LISTING:
            warning = _("warning: {address} on {blocklist}: {status}").format(
                address=result.subject, blocklist=result.list_name, status=_(LISTING[result.status])
            )
            reason = f" — {result.reason}" if result.reason else ""
            click.echo(f"b2bmail: {warning}{reason}", err=True)
    target = None
    if smtp is not None:
        host, port = parse_target(smtp)
        password = None
        if user is not None:
            password = os.environ.get(PASSWORD_ENV) or (
                None
                if dry_run
                else click.prompt(
                    _("Password for {user}").format(user=user), hide_input=True, err=True
                )
            )
        target = SmtpTarget(host, port, user, password)
    elif not dry_run:
        raise InputError(_("no SMTP server given"), hint=_("add --smtp HOST[:PORT], or --dry-run"))
    journal_path = Path(journal) if journal else Path(campaign).parent / "send-journal.sqlite"
    options = SendOptions(
        target=target,
        journal=journal_path,
        bounces=Path(bounces) if bounces else journal_path.parent / "bounces.txt",
        proof=proof,
        dry_run=dry_run,
        resend_uncertain=resend_uncertain,
        return_path=return_path,
        audit=Path(audit_path) if audit_path else None,
        resolver=resolver_settings if resolve_mx else None,
        connections=connections,
        per_minute=per_minute,
        max_connections=max_connections,
        companies=Path(companies) if companies else None,
        suppress=tuple(Path(p) for p in suppress),
        encoding=encoding,
        delimiter=delimiter,
    )

    say(
        _("journal {journal}, bounces to {bounces}").format(
            journal=options.journal, bounces=options.bounces
        ),
        VERBOSE,
    )
    bars: list[Any] = []

    def confirm(plan: SendPlan) -> bool:
        if sys.stderr.isatty() and shows(NORMAL):  # a progress bar on a terminal only
            bars.append(click.progressbar(length=plan.to_send, label=_("sending"), file=sys.stderr))
        # The plan is what a person confirms: shown when asked, even with -q.
        for line in plan_lines(plan):
            say(line, QUIET if not yes else NORMAL, err=True)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise InputError(
                _("confirmation needed and no terminal to ask on"), hint=_("add --yes")
            )
        return click.confirm(_("Send now?"), default=False, err=True)

    def progress(n: int) -> None:
        if bars:
            bars[0].update(n)

    with timed(_("send")):
        report = send_campaign(campaign, recipients, options, confirm=confirm, progress=progress)
    if bars:
        bars[0].render_finish()
    if proof:
        for segment, addr, reply in report.proofs:
            click.echo(
                _("proof {segment} -> {address}: {code} {reply}").format(
                    segment=segment, address=addr, code=reply.code, reply=reply.text
                )
            )
        click.get_current_context().exit(EXIT_FINDINGS if report.failed else EXIT_OK)
    if dry_run:
        for line in plan_lines(report.plan):
            click.echo(line)
        say(_("dry run: nothing sent"))
        return
    states = report.journal_states or report.plan.journal_states
    say(
        _(
            "sent {sent}, deferred {deferred}, bounced {bounced}, uncertain {uncertain} this run;"
            " journal {journal}: {states}"
        ).format(
            sent=report.sent,
            deferred=report.deferred,
            bounced=report.failed,
            uncertain=report.uncertain,
            journal=options.journal,
            states=", ".join(f"{k} {v}" for k, v in states.items() if v),
        )
    )
    unfinished = any(states.get(k) for k in ("deferred", "failed", "uncertain", "planned"))
    click.get_current_context().exit(EXIT_FINDINGS if unfinished else EXIT_OK)
