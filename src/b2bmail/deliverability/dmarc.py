"""DMARC policy discovery (RFC 7489 §6.6.3) and the record parser, re-exported from dmarc_parse."""

from __future__ import annotations

from dataclasses import dataclass

from b2bmail.deliverability.answers import Lookup, normalize_name
from b2bmail.deliverability.dmarc_parse import (
    KNOWN_TAGS,
    POLICIES,
    DmarcRecord,
    ReportUri,
    is_dmarc_record,
    parse_dmarc,
    parse_uri_list,
)

__all__ = [
    "KNOWN_TAGS",
    "POLICIES",
    "TWO_LABEL_SUFFIXES",
    "DmarcDiscovery",
    "DmarcRecord",
    "ReportAuthorization",
    "ReportUri",
    "check_report_authorization",
    "find_dmarc",
    "is_dmarc_record",
    "organizational_domain",
    "parse_dmarc",
    "parse_uri_list",
]

# Organisational domain: a heuristic, not the Public Suffix List (RFC 7489 §3.2 asks for a
# public suffix list; we ship none). The registrable domain is taken as the last two labels,
# or the last three under these common two-label public suffixes.
TWO_LABEL_SUFFIXES = frozenset(
    [
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "me.uk",
        "ltd.uk",
        "plc.uk",
        "net.uk",
        "com.au",
        "net.au",
        "org.au",
        "edu.au",
        "gov.au",
        "co.nz",
        "org.nz",
        "net.nz",
        "co.jp",
        "ne.jp",
        "or.jp",
        "ac.jp",
        "co.kr",
        "or.kr",
        "com.br",
        "net.br",
        "org.br",
        "com.cn",
        "net.cn",
        "org.cn",
        "com.hk",
        "com.sg",
        "com.tw",
        "com.tr",
        "co.in",
        "net.in",
        "org.in",
        "co.za",
        "org.za",
        "com.mx",
        "com.ar",
        "co.il",
        "com.my",
        "com.ph",
        "com.pl",
        "com.ua",
        "co.id",
        "com.vn",
        "gouv.fr",
        "asso.fr",
        "com.es",
    ]
)


def organizational_domain(domain: str) -> str:
    """The registrable domain by the heuristic described above TWO_LABEL_SUFFIXES."""
    labels = normalize_name(domain).split(".")
    keep = 3 if ".".join(labels[-2:]) in TWO_LABEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


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
                problem=f"TXT lookup for _dmarc.{candidate} failed ({answer.reason})",
            )
        found = [r for r in answer.records if is_dmarc_record(r)]
        others += [r for r in answer.records if not is_dmarc_record(r)]
        if len(found) > 1:
            return DmarcDiscovery(
                domain,
                "multiple",
                org,
                candidate,
                problem=f"_dmarc.{candidate} has {len(found)} DMARC records: receivers apply none (RFC 7489 §6.6.3)",
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
        problem=f"no DMARC record at _dmarc.{domain}"
        + (f" or _dmarc.{org}" if org != domain else ""),
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
