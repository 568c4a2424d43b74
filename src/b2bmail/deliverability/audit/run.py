"""Audit a recipient list over DNS: every domain once, concurrently; every address scored.

`audit_domains` asks, per domain and all at the same time (the resolver bounds what is on the
wire and shares identical questions in flight): MX, then the A/CNAME(/AAAA) of the MX hosts
(bounded), the apex TXT (SPF, tenant hints) and the DMARC record (`_dmarc.<domain>`, then the
organisational domain's, RFC 7489 §6.6.3). `audit_recipients` classifies each
address with the recipients module, audits the distinct domains, scores each address and sums
up by level and by provider. Progress goes through a callback; the library never prints.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from b2bmail.deliverability.audit.auth import read_auth_signals
from b2bmail.deliverability.audit.mx import collect_mx
from b2bmail.deliverability.audit.providers import identify_provider
from b2bmail.deliverability.audit.risk import (
    ALL_LEVELS,
    DomainRisk,
    RecipientRisk,
    RiskModel,
    assess_domain,
    assess_recipient,
    load_risk_model,
    reaches,
)
from b2bmail.deliverability.dns.answers import Lookup, normalize_name
from b2bmail.deliverability.dns.resolver import ResolverSettings
from b2bmail.deliverability.records.dmarc import find_dmarc
from b2bmail.i18n import N_, _
from b2bmail.output import CsvLayout
from b2bmail.recipients import classify_address, read_recipients

Progress = Callable[[int, int], None]  # (domains done, domains in all)
# Domains worked on at once (one worker each). The resolver's own semaphore bounds the queries
# on the wire; this keeps memory flat for lists of any length.
DOMAINS_IN_FLIGHT = 1024
NO_PROVIDER = N_("(no mail host)")
# How the provider summary names domains without a recognisable provider, by mail route
# (English keys of `by_provider`; translated where shown, `report.provider_label`).
ROUTE_LABELS = {
    "fallback": N_("(no MX: the domain's own address)"),
    "null-mx": N_("(null MX: takes no mail)"),
    "nxdomain": N_("(domain does not exist)"),
    "no-mail-host": NO_PROVIDER,
    "unknown": N_("(unknown: DNS did not answer)"),
}


class RowLike(Protocol):
    """What the audit needs of a recipient row (`b2bmail.recipients.RecipientRow` has it)."""

    @property
    def row(self) -> int: ...

    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class AuditedRecipient:
    row: int
    risk: RecipientRisk


@dataclass(frozen=True)
class InvalidRecipient:
    """An address that is not valid: reported in its own bucket, never dropped silently."""

    row: int
    email: str
    reason: str


@dataclass(frozen=True)
class AuditReport:
    recipients: tuple[AuditedRecipient, ...]
    invalid: tuple[InvalidRecipient, ...]
    domains: Mapping[str, DomainRisk]
    by_level: Mapping[str, int] = field(default_factory=dict)
    by_provider: Mapping[str, int] = field(default_factory=dict)  # most common first
    by_gateway: Mapping[str, int] = field(default_factory=dict)
    # The audited list's delimiter and BOM, for a CSV report laid out as it was (UTF-8).
    source_layout: CsvLayout | None = None

    def reaches(self, threshold: str) -> bool:
        """True when any recipient's level reaches `threshold` (see `risk.reaches`).

        An invalid address cannot be delivered: it counts as `undeliverable`, which every
        threshold reaches.
        """
        return bool(self.invalid) or any(reaches(r.risk.level, threshold) for r in self.recipients)


async def audit_domain(
    lookup: Lookup, domain: str, *, model: RiskModel | None = None
) -> DomainRisk:
    """Ask DNS about one domain and score it."""
    name = normalize_name(domain)
    mx, txt, dmarc = await asyncio.gather(
        collect_mx(lookup, name), lookup.lookup(name, "TXT"), find_dmarc(lookup, name)
    )
    signals = read_auth_signals(txt.records, dmarc)
    guess = identify_provider(
        name, mx.host_names, spf_targets=signals.spf_targets, txt_records=txt.records
    )
    unknown = (
        [_("{type} {name}: {reason}").format(type="TXT", name=name, reason=txt.reason)]
        if txt.unknown
        else []
    )
    if dmarc.status == "unknown":
        unknown.append(dmarc.problem)
    return assess_domain(mx, signals, guess, unknown=unknown, model=model)


async def audit_domains(
    lookup: Lookup,
    domains: Iterable[str],
    *,
    progress: Progress | None = None,
    model: RiskModel | None = None,
) -> dict[str, DomainRisk]:
    """Audit each distinct domain once, concurrently; keys are the normalised names, in order."""
    names = list(dict.fromkeys(normalize_name(d) for d in domains))
    rm = model or load_risk_model()
    results: dict[str, DomainRisk] = {}
    pending = iter(names)
    if progress is not None:
        progress(0, len(names))

    async def work() -> None:
        # Workers share one iterator: each takes the next domain when it is free.
        for name in pending:
            results[name] = await audit_domain(lookup, name, model=rm)
            if progress is not None:
                progress(len(results), len(names))

    await asyncio.gather(*(work() for _ in range(min(DOMAINS_IN_FLIGHT, len(names)))))
    return {name: results[name] for name in names}


async def audit_recipients(
    rows: Iterable[RowLike],
    lookup: Lookup,
    *,
    progress: Progress | None = None,
    model: RiskModel | None = None,
) -> AuditReport:
    """Classify and score every recipient row; invalid addresses get their own bucket."""
    rm = model or load_risk_model()
    checked = []
    invalid = []
    for row in rows:
        # RecipientRow carries the reader's classification already; other rows get one here.
        check = getattr(row, "check", None) or classify_address(row.email)
        if check.valid:
            checked.append((row.row, check))
        else:
            invalid.append(InvalidRecipient(row.row, row.email, check.reason))
    domains = await audit_domains(
        lookup, (c.ascii_domain for _, c in checked), progress=progress, model=rm
    )
    audited = tuple(
        AuditedRecipient(
            number,
            assess_recipient(
                check.normalized,
                domains[normalize_name(check.ascii_domain)],
                is_free=check.is_free,
                is_disposable=check.is_disposable,
                is_role=check.is_role,
                model=rm,
            ),
        )
        for number, check in checked
    )
    levels = Counter(r.risk.level for r in audited)
    providers = Counter(
        r.risk.provider or ROUTE_LABELS.get(domains[r.risk.domain].mx.outcome, NO_PROVIDER)
        for r in audited
    )
    gateways = Counter(
        g for r in audited if (g := domains[normalize_name(r.risk.domain)].guess.gateway)
    )
    return AuditReport(
        audited,
        tuple(invalid),
        domains,
        {level: levels.get(level, 0) for level in ALL_LEVELS},
        dict(providers.most_common()),
        dict(gateways.most_common()),
    )


def audit_file(
    path: str | Path,
    settings: ResolverSettings,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Read a recipient list (same reader as `b2bmail segment`) and audit it over DNS."""
    table = read_recipients(path, encoding=encoding, delimiter=delimiter)
    resolver = settings.open()
    try:
        report = asyncio.run(audit_recipients(table.rows, resolver, progress=progress))
    finally:
        resolver.close()
    return replace(report, source_layout=CsvLayout(table.delimiter, table.has_bom))
