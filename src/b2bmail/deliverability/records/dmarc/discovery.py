"""DMARC policy discovery (RFC 7489 §6.6.3), the organizational domain (§3.2) and external
report authorization (§7.1): everything about DMARC that asks DNS."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from b2bmail.deliverability.dns.answers import Lookup, normalize_name
from b2bmail.deliverability.records.dmarc.syntax import DmarcRecord, is_dmarc_record, parse_dmarc
from b2bmail.i18n import _

__all__ = [
    "DmarcDiscovery",
    "ReportAuthorization",
    "check_report_authorization",
    "find_dmarc",
    "organizational_domain",
    "spf_aligned",
]


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    # The ICANN section of the Public Suffix List bundled with `publicsuffixlist` (no
    # download). Private entries (cloud hosting zones) are left out: a mail host under
    # `amazonaws.com` or `onmicrosoft.com` belongs to its operator's organisation.
    return PublicSuffixList(only_icann=True)


def organizational_domain(domain: str) -> str:
    """The Organizational Domain of RFC 7489 §3.2: the public suffix plus one label
    (`mail.example.co.uk` -> `example.co.uk`); a public suffix itself stays as it is."""
    name = normalize_name(domain)
    return _public_suffixes().privatesuffix(name) or name


def spf_aligned(mail_from_domain: str, from_domain: str, mode: str) -> bool:
    """RFC 7489 §3.1.2: in strict mode (aspf=s) the RFC5321.MailFrom domain must equal the
    RFC5322.From domain; in relaxed mode (aspf=r) their Organizational Domains must be equal."""
    a, b = normalize_name(mail_from_domain), normalize_name(from_domain)
    if mode == "s":
        return a == b
    return organizational_domain(a) == organizational_domain(b)


@dataclass(frozen=True)
class DmarcDiscovery:
    """Where the policy for `domain` was looked for and what was found (RFC 7489 §6.6.3)."""

    domain: str
    status: str  # "found" | "absent" | "unknown" | "multiple"
    org_domain: str
    record_domain: str | None = None  # the domain whose _dmarc record applies
    record: DmarcRecord | None = None
    problem: str = ""
    other_records: tuple[str, ...] = ()  # TXT at _dmarc that are not DMARC (e.g. an SPF record)

    @property
    def inherited(self) -> bool:
        return self.record_domain is not None and self.record_domain != self.domain

    @property
    def effective_policy(self) -> str | None:
        if self.record is None:
            return None
        return self.record.subdomain_policy if self.inherited else self.record.policy


async def find_dmarc(lookup: Lookup, domain: str) -> DmarcDiscovery:
    """Look for _dmarc.<domain>, then _dmarc.<organisational domain> (RFC 7489 §6.6.3)."""
    domain = normalize_name(domain)
    org = organizational_domain(domain)
    others: list[str] = []
    for candidate in dict.fromkeys((domain, org)):
        answer = await lookup.lookup(f"_dmarc.{candidate}", "TXT")
        if answer.unknown:
            # Unknown is not absent: do not fall back as if there were no record
            return DmarcDiscovery(
                domain,
                "unknown",
                org,
                candidate,
                problem=_("TXT lookup for {domain} failed ({reason})").format(
                    domain=f"_dmarc.{candidate}", reason=answer.reason
                ),
            )
        found = [r for r in answer.records if is_dmarc_record(r)]
        others += [r for r in answer.records if not is_dmarc_record(r)]
        if len(found) > 1:
            return DmarcDiscovery(
                domain,
                "multiple",
                org,
                candidate,
                problem=_(
                    "{name} has {count} DMARC records: receivers apply none (RFC 7489 §6.6.3)"
                ).format(name=f"_dmarc.{candidate}", count=len(found)),
                other_records=tuple(others),
            )
        if found:
            return DmarcDiscovery(
                domain, "found", org, candidate, parse_dmarc(found[0]), other_records=tuple(others)
            )
    return DmarcDiscovery(
        domain,
        "absent",
        org,
        problem=(
            _("no DMARC record at {name} or {org}").format(
                name=f"_dmarc.{domain}", org=f"_dmarc.{org}"
            )
            if org != domain
            else _("no DMARC record at {name}").format(name=f"_dmarc.{domain}")
        ),
        other_records=tuple(others),
    )


@dataclass(frozen=True)
class ReportAuthorization:
    """Whether a report destination outside the domain agreed to receive its reports."""

    uri: str
    destination: str  # the domain of the report address
    name: str  # <domain>._report._dmarc.<destination>, or "" when no check is needed
    status: str  # "same-domain" | "authorized" | "unauthorized" | "unknown"


async def check_report_authorization(
    lookup: Lookup, discovery: DmarcDiscovery
) -> tuple[ReportAuthorization, ...]:
    """RFC 7489 §7.1: external rua/ruf destinations must publish <domain>._report._dmarc."""
    record, domain = discovery.record, discovery.record_domain
    if record is None or domain is None:
        return ()
    out: list[ReportAuthorization] = []
    for uri in (*record.rua, *record.ruf):
        address = uri.address
        if address is None:
            continue
        destination = address.rpartition("@")[2]
        if organizational_domain(destination) == organizational_domain(domain):
            out.append(ReportAuthorization(uri.uri, destination, "", "same-domain"))
            continue
        name = f"{domain}._report._dmarc.{destination}"
        answer = await lookup.lookup(name, "TXT")
        if answer.unknown:
            status = "unknown"
        elif any(is_dmarc_record(r) for r in answer.records):
            status = "authorized"
        else:
            status = "unauthorized"
        out.append(ReportAuthorization(uri.uri, destination, name, status))
    return tuple(out)
