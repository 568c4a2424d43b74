"""Where a domain's mail goes: MX records, their hosts' addresses, and what is wrong with them.

`collect_mx(lookup, domain)` asks the questions (MX; then A, CNAME and — when there is no A —
AAAA of the MX hosts, lazily in order of preference; or A/AAAA of the domain when it has no MX)
and `analyze_mx(domain, answers)` reads them, purely:

- RFC 5321 §5.1: a sender tries every MX host, most preferred first, so one usable host
  anywhere in the list makes the domain deliverable. Hosts are resolved one preference level
  at a time (equal preferences together: §5.1 gives them equal standing), and resolving stops
  at the first level with a usable host; at most `MAX_MX_HOSTS` (20) distinct hosts are
  resolved. When none of those is usable and more hosts were left past that bound, the
  outcome is "unknown" (with the reason), never "no-mail-host": an unchecked host may work;
- RFC 7505: a single MX "0 ." (a null MX, `"0 "` in our records) says the domain takes no mail;
- RFC 5321 §5.1: no MX record means the domain's own A/AAAA address is the mail host;
- RFC 5321 §5.1 / RFC 2181 §10.3: an MX target must be a host name with address records, not
  an alias (CNAME) and not an IP literal;
- hosts without addresses, or with private, loopback or reserved ones (`ipaddress`), cannot
  take mail from the Internet.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from b2bmail.deliverability.dns.answers import Answer, Lookup, Status, normalize_name
from b2bmail.i18n import _

# Distinct MX hosts resolved per domain at most. Real domains publish a handful; the bound keeps
# a hostile or broken MX set (hundreds of dead names) from costing hundreds of queries.
MAX_MX_HOSTS = 20
Answers = Mapping[tuple[str, str], Answer]


@dataclass(frozen=True)
class MxFinding:
    """Something worth a flag about a domain's MX setup (codes are stable)."""

    code: str  # mx-null-mixed | mx-cname | mx-ip-literal | mx-host-no-address | mx-host-private
    host: str
    detail: str


@dataclass(frozen=True)
class MxHost:
    host: str
    preference: int
    status: Status  # of its addresses: FOUND (any), ABSENT (none), UNKNOWN (could not tell)
    addresses: tuple[str, ...] = ()
    cname: str | None = None
    ip_literal: bool = False

    @property
    def public_addresses(self) -> tuple[str, ...]:
        return tuple(a for a in self.addresses if is_public_address(a))


@dataclass(frozen=True)
class MxAnalysis:
    """The mail route of one domain.

    `outcome`: "mx" (usable MX hosts), "fallback" (no MX, the domain's address takes mail),
    "null-mx", "nxdomain", "no-mail-host" (no host with a public address), or "unknown".
    """

    domain: str
    outcome: str
    hosts: tuple[MxHost, ...] = ()
    fallback_addresses: tuple[str, ...] = ()
    findings: tuple[MxFinding, ...] = ()
    unknown: tuple[str, ...] = ()  # "MX example.com: timeout" for each question left unknown
    # MX hosts not resolved, as (preference, host): less preferred than a usable host, or past
    # the bound of MAX_MX_HOSTS. Their names still tell who receives the mail (providers.py).
    unresolved: tuple[tuple[int, str], ...] = ()

    @property
    def host_names(self) -> tuple[str, ...]:
        """Every MX host, resolved or not, most preferred first."""
        resolved = [(h.preference, h.host) for h in self.hosts]
        return tuple(host for _, host in sorted(resolved + list(self.unresolved)))


def parse_mx(records: tuple[str, ...]) -> list[tuple[int, str]]:
    """`("20 b.example", "10 a.example")` -> `[(10, "a.example"), (20, "b.example")]`."""
    parsed = []
    for record in records:
        pref, _, host = record.partition(" ")
        try:
            parsed.append((int(pref), normalize_name(host)))
        except ValueError:
            continue
    return sorted(parsed)


def is_ip_literal(host: str) -> bool:
    text = host.strip("[]")
    if text.lower().startswith("ipv6:"):
        text = text[5:]
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_public_address(text: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified addresses."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_global and not address.is_multicast


async def collect_mx(lookup: Lookup, domain: str, *, max_hosts: int = MAX_MX_HOSTS) -> MxAnalysis:
    """Ask what `analyze_mx` needs about `domain` and analyse it.

    MX hosts are resolved one preference level at a time, most preferred first, the hosts of a
    level concurrently; it stops at the first level with a usable host, or after `max_hosts`
    distinct hosts.
    """
    domain = normalize_name(domain)
    answers: dict[tuple[str, str], Answer] = {}
    mx = await lookup.lookup(domain, "MX")
    answers[(domain, "MX")] = mx
    if mx.found:
        budget = max_hosts
        entries = [(p, h) for p, h in parse_mx(mx.records) if h and not is_ip_literal(h)]
        for _, level in itertools.groupby(entries, key=lambda entry: entry[0]):
            names = [h for _, h in level if (h, "A") not in answers]
            names = list(dict.fromkeys(names))[:budget]
            budget -= len(names)
            for result in await asyncio.gather(*(_host_answers(lookup, h) for h in names)):
                answers.update(result)
            if budget <= 0 or any(_usable(h, answers) for h in names):
                break
    elif mx.absent and not mx.nxdomain:
        a, aaaa = await asyncio.gather(lookup.lookup(domain, "A"), lookup.lookup(domain, "AAAA"))
        answers[(domain, "A")], answers[(domain, "AAAA")] = a, aaaa
    return analyze_mx(domain, answers, max_hosts=max_hosts)


async def _host_answers(lookup: Lookup, host: str) -> dict[tuple[str, str], Answer]:
    # A first: the resolver learns from it whether the host is an alias, so the CNAME question
    # that follows is usually answered without a query (resolver.to_answers).
    a = await lookup.lookup(host, "A")
    found = {(host, "A"): a}
    # Most hosts have an IPv4 address; ask for IPv6 only when IPv4 did not answer the question,
    # and not when the name does not exist at all.
    if not a.found and not a.nxdomain:
        found[(host, "AAAA")], found[(host, "CNAME")] = await asyncio.gather(
            lookup.lookup(host, "AAAA"), lookup.lookup(host, "CNAME")
        )
    else:
        found[(host, "CNAME")] = await lookup.lookup(host, "CNAME")
    return found


def analyze_mx(domain: str, answers: Answers, *, max_hosts: int = MAX_MX_HOSTS) -> MxAnalysis:
    """Read the answers `collect_mx` gathered (or a test table) into an `MxAnalysis`."""
    domain = normalize_name(domain)
    mx = answers[(domain, "MX")]
    if mx.unknown:
        return MxAnalysis(domain, "unknown", unknown=(_unknown(mx),))
    if mx.nxdomain:
        return MxAnalysis(domain, "nxdomain")
    if mx.absent:
        return _fallback(domain, answers)
    entries = parse_mx(mx.records)
    findings: list[MxFinding] = []
    if entries and all(host == "" for _, host in entries):
        return MxAnalysis(domain, "null-mx")  # RFC 7505 §3
    if any(host == "" for _, host in entries):
        # RFC 7505 §3: a null MX must be the only MX record; the others still route mail.
        findings.append(MxFinding("mx-null-mixed", domain, "a null MX next to other MX records"))
    hosts: list[MxHost] = []
    unknown: list[str] = []
    unresolved: list[tuple[int, str]] = []
    for pref, name in [(p, h) for p, h in entries if h]:
        if is_ip_literal(name):
            findings.append(
                MxFinding("mx-ip-literal", name, "MX target is an IP address, not a host name")
            )
            hosts.append(MxHost(name, pref, Status.ABSENT, ip_literal=True))
            continue
        if (name, "A") not in answers:  # not asked: see collect_mx
            unresolved.append((pref, name))
            continue
        host, host_findings, host_unknown = _read_host(name, pref, answers)
        hosts.append(host)
        findings += host_findings
        unknown += host_unknown
    if any(h.public_addresses for h in hosts):
        outcome = "mx"
    elif unresolved or any(h.status is Status.UNKNOWN for h in hosts):
        outcome = "unknown"
    else:
        outcome = "no-mail-host"
    if unresolved and outcome != "mx":
        # Only the bound leaves hosts unasked while none is usable: they may work (RFC 5321
        # §5.1), so "no mail host" would be a guess.
        asked = len({h.host for h in hosts if not h.ip_literal})
        unknown.append(
            _(
                "MX {domain}: none of the {asked} most preferred hosts is usable and "
                "{count} more were not resolved (at most {limit} are)"
            ).format(domain=domain, asked=asked, count=len(unresolved), limit=max_hosts)
        )
    return MxAnalysis(
        domain, outcome, tuple(hosts), (), tuple(findings), tuple(unknown), tuple(unresolved)
    )


def _usable(name: str, answers: Answers) -> bool:
    """True when the host `name` has a public address in `answers`: it can take mail."""
    return bool(_read_host(name, 0, answers)[0].public_addresses)


def _read_host(name: str, pref: int, answers: Answers) -> tuple[MxHost, list[MxFinding], list[str]]:
    a = answers[(name, "A")]
    aaaa = answers.get((name, "AAAA"))
    cname_answer = answers.get((name, "CNAME"))
    cname = cname_answer.records[0] if cname_answer and cname_answer.found else None
    addresses = a.records + (aaaa.records if aaaa and aaaa.found else ())
    statuses = [a.status] + ([aaaa.status] if aaaa else [])
    if addresses:
        status = Status.FOUND
    elif Status.UNKNOWN in statuses:
        status = Status.UNKNOWN
    else:
        status = Status.ABSENT
    findings = []
    unknown = [_unknown(x) for x in (a, aaaa) if x is not None and x.unknown]
    if cname:
        detail = _("MX target is an alias (CNAME to {target}), RFC 2181 §10.3").format(target=cname)
        findings.append(MxFinding("mx-cname", name, detail))
    if status is Status.ABSENT:
        detail = _("MX host has no A or AAAA record")
        findings.append(MxFinding("mx-host-no-address", name, detail))
    private = [ip for ip in addresses if not is_public_address(ip)]
    if private:
        findings.append(
            MxFinding(
                "mx-host-private",
                name,
                _("MX host has non-public addresses: {addresses}").format(
                    addresses=", ".join(private)
                ),
            )
        )
    return MxHost(name, pref, status, addresses, cname), findings, unknown


def _fallback(domain: str, answers: Answers) -> MxAnalysis:
    # RFC 5321 §5.1: with no MX, the domain itself is the implicit MX (its A/AAAA records).
    a, aaaa = answers[(domain, "A")], answers[(domain, "AAAA")]
    addresses = a.records + aaaa.records
    unknown = tuple(_unknown(x) for x in (a, aaaa) if x.unknown)
    findings: tuple[MxFinding, ...] = ()
    if addresses and not any(is_public_address(ip) for ip in addresses):
        findings = (
            MxFinding(
                "mx-host-private",
                domain,
                _("address is not public: {addresses}").format(addresses=", ".join(addresses)),
            ),
        )
    if any(is_public_address(ip) for ip in addresses):
        outcome = "fallback"
    elif unknown:
        outcome = "unknown"
    else:
        outcome = "no-mail-host"
    return MxAnalysis(domain, outcome, (), addresses, findings, unknown)


def _unknown(answer: Answer) -> str:
    return _("{type} {name}: {reason}").format(
        type=answer.rdtype, name=answer.name, reason=answer.reason or _("unknown")
    )
