"""`b2bmail` commands: sender authentication (check-sender)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import format_option, out_option, resolver_options
from b2bmail.cli.verbosity import VERBOSE, say, timed
from b2bmail.deliverability.dns.answers import is_valid_domain
from b2bmail.deliverability.records.dkim import SELECTOR
from b2bmail.i18n import _
from b2bmail.output import json_document

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings

_LDH = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")


def _domain(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = value.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise click.BadParameter(_("{value!r} is not a domain name").format(value=value)) from None
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise click.BadParameter(
            _(
                "{value!r} is an IP address, not a domain name — give the domain you send from"
                " and the IP with --ip"
            ).format(value=value)
        )
    if not is_valid_domain(name) or not all(_LDH.fullmatch(label) for label in name.split(".")):
        raise click.BadParameter(
            _(
                "{value!r} is not a domain name — give the domain you send from, e.g. example.com"
            ).format(value=value)
        )
    return name


def _ips(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            raise click.BadParameter(
                _("{value!r} is not an IPv4 or IPv6 address").format(value=value)
            ) from None
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            # A zone index (fe80::1%eth0) is local to this host: no SPF or PTR record can name it.
            raise click.BadParameter(
                _("{value!r} has a zone index — give the address without {zone!r}").format(
                    value=value, zone=f"%{ip.scope_id}"
                )
            )
    return values


def _selectors(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    for value in values:
        if not SELECTOR.fullmatch(value):
            raise click.BadParameter(
                _("{value!r} is not a DKIM selector (letters, digits, '-', '_', dots)").format(
                    value=value
                )
            )
        if any(len(label) > 63 for label in value.split(".")):
            # RFC 1035 §2.3.4: a DNS label is at most 63 octets.
            raise click.BadParameter(
                _(
                    "{value!r} has a part longer than 63 characters — check the s= tag of your"
                    " DKIM-Signature"
                ).format(value=value)
            )
    return values


@main.command("check-sender")
@click.argument("domain", callback=_domain)
@click.option(
    "--ip",
    "ips",
    multiple=True,
    callback=_ips,
    metavar="IP",
    help="A sending IP: evaluated with SPF check_host() and reverse DNS (repeatable).",
)
@click.option(
    "--dkim-selector",
    "selectors",
    multiple=True,
    callback=_selectors,
    metavar="S",
    help="A DKIM selector you sign with: S._domainkey.DOMAIN is checked (repeatable).",
)
@click.option(
    "--dkim-key",
    "key_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The private key you sign with, for the --dkim-selector in the same position: the"
    " published key must be its public half (repeatable).",
)
@click.option(
    "--return-path",
    "return_path",
    callback=lambda ctx, param, value: None if value is None else _domain(ctx, param, value),
    metavar="DOMAIN",
    help="The Return-Path (MAIL FROM) domain, when it is not DOMAIN: SPF is checked there"
    " and its DMARC alignment with DOMAIN (aspf=r or s).",
)
@click.option(
    "--link-domain",
    "link_domains",
    multiple=True,
    callback=lambda ctx, param, values: tuple(_domain(ctx, param, v) for v in values),
    metavar="DOMAIN",
    help="A domain your links point to: looked up in the domain blocklists (repeatable).",
)
@click.option(
    "--blocklists",
    "blocklists_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Use the blocklists in this YAML file instead of the built-in ones.",
)
@click.option(
    "--no-blocklists",
    is_flag=True,
    help="Do not look the IPs and domains up in DNS blocklists.",
)
@resolver_options
@format_option("text", "json")
@out_option()
def check_sender(
    domain: str,
    ips: tuple[str, ...],
    selectors: tuple[str, ...],
    key_files: tuple[str, ...],
    return_path: str | None,
    link_domains: tuple[str, ...],
    blocklists_file: str | None,
    no_blocklists: bool,
    resolver_settings: ResolverSettings,
    output_format: str,
    out_path: str | None,
) -> None:
    """Check a sending domain's SPF, DKIM, DMARC, MTA-STS, TLS-RPT and reverse DNS.

    Also looks the sending IPs up in DNS blocklists (Spamhaus ZEN, SpamCop, Barracuda) and
    the domain and --link-domain domains in domain blocklists (Spamhaus DBL, SURBL, URIBL).
    Ends with the Gmail / Yahoo / Microsoft bulk-sender checklist. Exit 0 when no
    item fails or stays unknown (a DNS timeout), 1 otherwise, 2 on bad input.

    \b
    Example:
        b2bmail check-sender example.com
        b2bmail check-sender example.com --ip 192.0.2.25 --dkim-selector s1
        b2bmail check-sender example.com --dkim-selector s1 --dkim-key s1.private.pem
        b2bmail check-sender example.com --ip 2001:db8::25 --format json --out sender.json
        b2bmail check-sender example.com --ip 192.0.2.25 --link-domain links.example.net
        b2bmail check-sender example.com --return-path bounces.example.com --ip 192.0.2.25
    """
    # The checks (dnspython, asyncio) load when the command runs, not when Click builds it:
    # `b2bmail check-sender --help` stays fast.
    from b2bmail.deliverability.records.dkim import signing_public_key
    from b2bmail.deliverability.sender.blocklists import load_blocklists
    from b2bmail.deliverability.sender.check import run_check_sender
    from b2bmail.deliverability.sender.report import format_text, report_to_dict
    from b2bmail.output import write_atomic

    if no_blocklists and (blocklists_file or link_domains):
        raise click.UsageError(
            _("--no-blocklists cannot be used with --blocklists or --link-domain")
        )
    if len(key_files) > len(selectors):
        raise click.UsageError(_("each --dkim-key needs its --dkim-selector (give them in pairs)"))
    # Read before any DNS query: a wrong key file is bad input (exit 2), not a finding.
    dkim_keys = {s: (f, signing_public_key(f)) for s, f in zip(selectors, key_files, strict=False)}
    lists = () if no_blocklists else load_blocklists(blocklists_file)
    with timed(_("DNS checks")):
        report = run_check_sender(
            resolver_settings,
            domain,
            ips,
            selectors,
            blocklists=lists,
            link_domains=link_domains,
            dkim_keys=dkim_keys,
            return_path=return_path,
        )
    if output_format == "json":
        text = json_document("check-sender", report_to_dict(report))
    else:
        text = format_text(report)
    if out_path is not None:
        write_atomic(out_path, text)
        say(_("wrote {path}").format(path=out_path), VERBOSE)
    else:
        click.echo(text, nl=False)
    click.get_current_context().exit(EXIT_OK if report.ok else EXIT_FINDINGS)
