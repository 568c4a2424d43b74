"""Who receives a domain's mail: provider fingerprints over all MX hosts, and gateways in front.

Fingerprints live in `data/deliverability_providers.csv` (one row per pattern, with its source).
An MX host matches a `suffix` pattern on label boundaries only: `mx1.pphosted.com` and
`pphosted.com` match `pphosted.com`, `evilpphosted.com` does not.

Gateway heuristic (documented in README, "Auditing a recipient list"): when the MX hosts name a secure email
gateway (Proofpoint, Mimecast ...), the mailbox behind it is not visible in MX. We look for it
in two public signals the domain itself publishes:
  1. its SPF record's include:/redirect= targets (`include:spf.protection.outlook.com` means
     Microsoft 365 sends for the domain, so it almost certainly hosts the mailboxes);
  2. its apex TXT records (a Microsoft 365 tenant verification record `MS=ms12345678`).
The first mailbox provider found this way gives "Proofpoint in front of Microsoft 365".
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from b2bmail.deliverability.audit.mx import is_ip_literal
from b2bmail.deliverability.dns.answers import normalize_name
from b2bmail.deliverability.records.dmarc import organizational_domain
from b2bmail.i18n import N_

DATA_FILE = "deliverability_providers.csv"
# The names a guess is given beyond the data file's own. They stay English in the result (the
# JSON and CSV keys); `b2bmail.deliverability.audit.report.provider_label` shows them to people.
SELF_HOSTED = N_("Self-hosted")
OTHER = N_("Other ({owner})")
IN_FRONT_OF = N_("{gateway} in front of {mailbox}")
GATEWAY = "gateway"
MAILBOX_KINDS = frozenset({"mailbox", "consumer", "hosting"})


@dataclass(frozen=True)
class Fingerprint:
    """One pattern that names a provider."""

    provider: str
    kind: str  # gateway | mailbox | consumer | hosting | forwarding
    signal: str  # mx | spf | txt
    match: str  # suffix | exact | regex | prefix
    pattern: str
    source: str

    def matches(self, value: str) -> bool:
        """Does `value` (a host name, or a TXT record for `prefix`) match this fingerprint?"""
        if self.match == "prefix":
            return value.startswith(self.pattern)
        return self.matches_name(normalize_name(value))

    def matches_name(self, name: str) -> bool:
        """`matches` for a name already normalised (lower-case, no trailing dot)."""
        pattern = self.pattern.lower()
        if self.match == "suffix":
            return name == pattern or name.endswith("." + pattern)
        if self.match == "exact":
            return name == pattern
        if self.match == "regex":
            return _compiled(pattern).fullmatch(name) is not None
        if self.match == "prefix":
            return False
        raise ValueError(f"unknown match type {self.match!r}")


@dataclass(frozen=True)
class ProviderGuess:
    """The provider in front (`name`) and what it is made of."""

    name: str | None  # "Proofpoint in front of Microsoft 365", "Mimecast", "Self-hosted", None
    gateway: str | None = None
    mailbox: str | None = None
    kind: str | None = None  # kind of the most preferred MX host's provider
    self_hosted: bool = False
    mixed: tuple[str, ...] = ()  # other providers seen on less preferred MX hosts
    evidence: tuple[str, ...] = ()  # how the mailbox behind a gateway was found


def read_fingerprints(path: str | Path | None = None) -> tuple[Fingerprint, ...]:
    """Read the fingerprint table (the packaged one by default); '#' lines are comments."""
    if path is None:
        return _packaged_fingerprints()
    return _parse(Path(path).read_text(encoding="utf-8"))


@functools.cache
def _packaged_fingerprints() -> tuple[Fingerprint, ...]:
    text = resources.files("b2bmail.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return _parse(text)


def _parse(text: str) -> tuple[Fingerprint, ...]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(
        Fingerprint(
            row["provider"], row["kind"], row["signal"], row["match"], row["pattern"], row["source"]
        )
        for row in csv.DictReader(lines)
    )


def match_host(host: str, fingerprints: Sequence[Fingerprint]) -> Fingerprint | None:
    """The first MX fingerprint matching `host`, or None."""
    name = normalize_name(host)
    return next((f for f in fingerprints if f.signal == "mx" and f.matches_name(name)), None)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def is_under(host: str, domain: str) -> bool:
    """True when `host` is `domain` or a name below it (label boundaries)."""
    host, domain = normalize_name(host), normalize_name(domain)
    return host == domain or host.endswith("." + domain)


def identify_provider(
    domain: str,
    mx_hosts: Sequence[str],
    *,
    spf_targets: Iterable[str] = (),
    txt_records: Iterable[str] = (),
    fingerprints: Sequence[Fingerprint] | None = None,
) -> ProviderGuess:
    """Name the provider behind `mx_hosts` (most preferred first), gateway and mailbox apart."""
    table = read_fingerprints() if fingerprints is None else fingerprints
    seen: list[tuple[str, str]] = []  # (provider, kind) per host, in preference order
    for host in mx_hosts:
        found = match_host(host, table)
        if found is not None:
            seen.append((found.provider, found.kind))
        elif is_under(host, domain) or organizational_domain(host) == organizational_domain(domain):
            # MX under the domain, or under its organisational domain (mail.acme.com for
            # sales.acme.com): the organisation runs its own mail server.
            seen.append((SELF_HOSTED, "self-hosted"))
        else:
            # An IP-literal MX target has no organisational domain: name the address itself.
            bare = host.rstrip(".")
            owner = bare if is_ip_literal(bare) else organizational_domain(host)
            seen.append((OTHER.format(owner=owner), "other"))
    if not seen:
        return ProviderGuess(None)
    first, kind = seen[0]
    mixed = tuple(dict.fromkeys(p for p, _ in seen if p != first))
    if kind != GATEWAY:
        return ProviderGuess(
            first,
            mailbox=first if kind in MAILBOX_KINDS else None,
            kind=kind,
            self_hosted=kind == "self-hosted",
            mixed=mixed,
        )
    mailbox, evidence = _mailbox_behind(table, spf_targets, txt_records)
    name = IN_FRONT_OF.format(gateway=first, mailbox=mailbox) if mailbox else first
    return ProviderGuess(
        name, gateway=first, mailbox=mailbox, kind=kind, mixed=mixed, evidence=evidence
    )


def _mailbox_behind(
    table: Sequence[Fingerprint], spf_targets: Iterable[str], txt_records: Iterable[str]
) -> tuple[str | None, tuple[str, ...]]:
    for target in spf_targets:
        for fp in table:
            if fp.signal == "spf" and fp.matches(target):
                return fp.provider, (f"SPF includes {normalize_name(target)}",)
    for record in txt_records:
        for fp in table:
            if fp.signal == "txt" and fp.matches(record.strip()):
                return fp.provider, (f"TXT record {record.strip()[:40]!r}",)
    return None, ()
