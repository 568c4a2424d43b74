"""The check-sender job: is this domain (and these sending IPs) set up to send bulk mail?

Everything comes from DNS through an injected `Lookup`: SPF (RFC 7208), DKIM keys (RFC 6376),
DMARC (RFC 7489), MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) records, and forward-confirmed
reverse DNS of each IP. The result ends in a checklist of the bulk-sender requirements that
Gmail and Yahoo enforce since February 2024 and Outlook.com since May 2025. A DNS timeout or
failure shows as `unknown`, never as a pass or a fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from b2bmail.deliverability.dns.answers import Lookup, normalize_name
from b2bmail.deliverability.dns.resolver import ResolverSettings
from b2bmail.deliverability.records.dkim import DkimKey, find_dkim_key, published_public_key
from b2bmail.deliverability.records.dmarc import (
    DmarcDiscovery,
    ReportAuthorization,
    check_report_authorization,
    find_dmarc,
    spf_aligned,
)
from b2bmail.deliverability.records.policies import PolicyDiscovery, find_mta_sts, find_tls_rpt
from b2bmail.deliverability.records.spf import (
    MAX_DNS_TERMS,
    SpfLookupCount,
    SpfRecord,
    SpfResult,
    check_host,
    count_dns_terms,
    parse_client_ip,
    parse_spf,
    select_spf_records,
)
from b2bmail.deliverability.sender.blocklists import (
    LISTED,
    Blocklist,
    BlocklistResult,
    check_blocklists,
)
from b2bmail.i18n import _

PASS, FAIL, UNKNOWN, SKIPPED = "pass", "fail", "unknown", "skipped"
ALL_PROVIDERS = ("Gmail", "Yahoo", "Microsoft")


@dataclass(frozen=True)
class SpfCheck:
    """The domain's SPF record, its worst-case lookup count, and check_host() per IP."""

    status: str  # "found" | "absent" | "unknown" | "multiple"
    record: SpfRecord | None = None
    lookup_count: SpfLookupCount | None = None
    results: tuple[tuple[str, SpfResult], ...] = ()  # (ip as given, result)
    problem: str = ""


@dataclass(frozen=True)
class PtrCheck:
    """Forward-confirmed reverse DNS of one IP: PTR names, and those whose A/AAAA has the IP."""

    ip: str
    status: str  # PASS | FAIL | UNKNOWN
    names: tuple[str, ...] = ()
    confirmed: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class DkimKeyMatch:
    """Whether the key published for a selector is the public half of the signing key."""

    selector: str
    key_file: str
    status: str  # PASS | FAIL | UNKNOWN
    reason: str


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    status: str  # PASS | FAIL | UNKNOWN | SKIPPED
    reason: str
    required_by: tuple[str, ...] = ALL_PROVIDERS


@dataclass(frozen=True)
class SenderReport:
    domain: str
    ips: tuple[str, ...]
    spf: SpfCheck
    dkim: tuple[DkimKey, ...]
    dmarc: DmarcDiscovery
    mta_sts: PolicyDiscovery
    tls_rpt: PolicyDiscovery
    ptr: tuple[PtrCheck, ...]
    checklist: tuple[ChecklistItem, ...]
    report_authorizations: tuple[ReportAuthorization, ...] = ()  # DMARC rua/ruf, RFC 7489 §7.1
    blocklists: tuple[BlocklistResult, ...] = ()
    dkim_matches: tuple[DkimKeyMatch, ...] = ()
    return_path: str = ""  # the RFC5321.MailFrom domain SPF was checked at ("" = the domain)

    @property
    def ok(self) -> bool:
        """True when no checklist item failed or stayed unknown (skipped items do not count)."""
        return all(item.status in (PASS, SKIPPED) for item in self.checklist)


async def check_spf(lookup: Lookup, domain: str, ips: Iterable[str]) -> SpfCheck:
    answer = await lookup.lookup(domain, "TXT")
    if answer.unknown:
        problem = _("TXT lookup for {domain} failed ({reason})").format(
            domain=domain, reason=answer.reason
        )
        return SpfCheck(UNKNOWN, problem=problem)
    records = select_spf_records(answer.records) if answer.found else ()
    if not records:
        if answer.nxdomain:
            problem = _("{domain} does not exist in DNS (NXDOMAIN)").format(domain=domain)
            return SpfCheck("absent", problem=problem)
        problem = _("no v=spf1 TXT record at {domain} (RFC 7208 §4.5)").format(domain=domain)
        return SpfCheck("absent", problem=problem)
    results = await asyncio.gather(
        *(check_host(lookup, ip, domain, f"postmaster@{domain}") for ip in ips)
    )
    pairs = tuple(zip(ips, results, strict=True))
    if len(records) > 1:
        problem = _("{count} SPF records at {domain}: a permerror (RFC 7208 §4.5)").format(
            count=len(records), domain=domain
        )
        return SpfCheck("multiple", results=pairs, problem=problem)
    count = await count_dns_terms(lookup, domain)
    return SpfCheck("found", parse_spf(records[0]), count, pairs)


async def check_ptr(lookup: Lookup, ip: str) -> PtrCheck:
    """PTR of the IP, then A/AAAA of each name (at most 10) must contain the IP (FCrDNS)."""
    address = parse_client_ip(ip)
    answer = await lookup.lookup(address.reverse_pointer, "PTR")
    if answer.unknown:
        reason = _("PTR lookup failed ({reason})").format(reason=answer.reason)
        return PtrCheck(ip, UNKNOWN, reason=reason)
    if not answer.found:
        reason = _("no PTR record for {name}").format(name=address.reverse_pointer)
        return PtrCheck(ip, FAIL, reason=reason)
    names = answer.records[:10]
    rdtype = "A" if address.version == 4 else "AAAA"
    forwards = await asyncio.gather(*(lookup.lookup(name, rdtype) for name in names))
    confirmed = tuple(
        name
        for name, fwd in zip(names, forwards, strict=True)
        if fwd.found and any(_same(r, address) for r in fwd.records)
    )
    if confirmed:
        reason = _("{name} resolves back to {ip}").format(name=confirmed[0], ip=ip)
        return PtrCheck(ip, PASS, names, confirmed, reason)
    if any(fwd.unknown for fwd in forwards):
        reason = _("{type} lookup of a PTR name failed").format(type=rdtype)
        return PtrCheck(ip, UNKNOWN, names, reason=reason)
    reason = _("PTR {names} does not resolve back to {ip} ({type})").format(
        names=", ".join(names), ip=ip, type=rdtype
    )
    return PtrCheck(ip, FAIL, names, reason=reason)


def match_dkim_key(key: DkimKey, key_file: str, signing_key: bytes) -> DkimKeyMatch:
    """Compare the published key with the signing key's public half (both SPKI DER): a
    verifier checks signatures with the published key only (RFC 6376 §6.1.2), so a mismatch
    fails every signature."""
    if key.status == UNKNOWN:
        return DkimKeyMatch(key.selector, key_file, UNKNOWN, key.problem)
    published = published_public_key(key.record) if key.record else None
    if published is None:
        reason = _("no usable key published at {name}").format(name=key.name)
        return DkimKeyMatch(key.selector, key_file, FAIL, reason)
    if published != signing_key:
        reason = _("the key at {name} is not the public half of {file}").format(
            name=key.name, file=key_file
        )
        return DkimKeyMatch(key.selector, key_file, FAIL, reason)
    reason = _("{name} matches {file}").format(name=key.name, file=key_file)
    return DkimKeyMatch(key.selector, key_file, PASS, reason)


def _same(record: str, address: object) -> bool:
    try:
        return parse_client_ip(record) == address
    except ValueError:
        return False


async def check_sender(
    lookup: Lookup,
    domain: str,
    ips: Iterable[str] = (),
    dkim_selectors: Iterable[str] = (),
    *,
    blocklists: Iterable[Blocklist] = (),
    link_domains: Iterable[str] = (),
    dkim_keys: Mapping[str, tuple[str, bytes]] | None = None,
    return_path: str | None = None,
) -> SenderReport:
    """Check `domain`'s sender authentication; raises ValueError on a malformed IP.

    With `return_path` (the RFC5321.MailFrom domain, when it is not `domain`), SPF is
    checked there — receivers evaluate SPF for the MAIL FROM, RFC 7208 §2.4 — and the
    alignment item says whether it aligns with `domain` for DMARC (RFC 7489 §3.1.2).

    `dkim_keys` maps a selector to (key file, its public key as SubjectPublicKeyInfo DER,
    records.dkim.signing_public_key): the published key must be that key.

    With `blocklists`, the IPs are looked up in the IP lists, and the domain and the
    `link_domains` in the domain lists (the checklist then has a `blocklists` item)."""
    domain = normalize_name(domain)
    mail_from = normalize_name(return_path) if return_path else domain
    ips = tuple(dict.fromkeys(ips))  # each IP once, in the order given
    for ip in ips:
        parse_client_ip(ip)
    selectors = tuple(dict.fromkeys(s.lower() for s in dkim_selectors))
    lists = tuple(blocklists)
    domains = (domain, *(normalize_name(d) for d in link_domains))
    # Started first, awaited last: the blocklist lookups run alongside the others.
    listing = asyncio.ensure_future(check_blocklists(ips, domains, lookup, lists))
    spf, dmarc, mta_sts, tls_rpt, dkim, ptr = await asyncio.gather(
        check_spf(lookup, mail_from, ips),
        find_dmarc(lookup, domain),
        find_mta_sts(lookup, domain),
        find_tls_rpt(lookup, domain),
        asyncio.gather(*(find_dkim_key(lookup, domain, s) for s in selectors)),
        asyncio.gather(*(check_ptr(lookup, ip) for ip in ips)),
    )
    listed = await listing
    authorizations = await check_report_authorization(lookup, dmarc)
    keys = {k.selector: k for k in dkim}
    matches = tuple(
        match_dkim_key(keys[s.lower()], path, public)
        for s, (path, public) in (dkim_keys or {}).items()
        if s.lower() in keys
    )
    checklist = build_checklist(
        domain, spf, tuple(dkim), dmarc, tuple(ptr), matches, return_path=mail_from
    )
    if lists:
        checklist = (*checklist, _blocklist_item(listed))
    return SenderReport(
        domain,
        ips,
        spf,
        tuple(dkim),
        dmarc,
        mta_sts,
        tls_rpt,
        tuple(ptr),
        checklist,
        authorizations,
        listed,
        matches,
        "" if mail_from == domain else mail_from,
    )


def _spf_item(spf: SpfCheck) -> ChecklistItem:
    title = _("SPF record valid, within 10 lookups, and passing for each sending IP")
    if spf.status != "found" or spf.record is None:
        status = UNKNOWN if spf.status == UNKNOWN else FAIL
        return ChecklistItem("spf", title, status, spf.problem)
    if not spf.record.valid:
        return ChecklistItem("spf", title, FAIL, spf.record.errors[0].message)
    count = spf.lookup_count
    if count is not None and count.permerrors:
        # Not only the IPs given: any receiver that reaches this gets permerror, not pass.
        reason = _("permerror: {problems}").format(problems="; ".join(count.permerrors))
        return ChecklistItem("spf", title, FAIL, reason)
    if count is not None and not count.within_limit:
        reason = _(
            "{total} DNS-querying terms reachable; at most {limit} (RFC 7208 §4.6.4)"
        ).format(total=count.total, limit=MAX_DNS_TERMS)
        return ChecklistItem("spf", title, FAIL, reason)
    failing = [
        f"{ip}: {r.result}" for ip, r in spf.results if r.result not in ("pass", "temperror")
    ]
    if failing:
        reason = _("not pass for {results}").format(results="; ".join(failing))
        return ChecklistItem("spf", title, FAIL, reason)
    if count is not None and count.unknown:
        return ChecklistItem("spf", title, UNKNOWN, "; ".join(count.problems))
    if any(r.result == "temperror" for _ip, r in spf.results):
        return ChecklistItem("spf", title, UNKNOWN, _("a DNS lookup failed during evaluation"))
    total = (
        _("{total}/{limit} lookups").format(total=count.total, limit=MAX_DNS_TERMS) if count else ""
    )
    if not spf.results:
        reason = _("record valid ({lookups}); give --ip to evaluate sending IPs").format(
            lookups=total
        )
        return ChecklistItem("spf", title, PASS, reason)
    reason = _("pass for {count} IP(s); {lookups}").format(count=len(spf.results), lookups=total)
    return ChecklistItem("spf", title, PASS, reason)


def _dkim_item(keys: tuple[DkimKey, ...], matches: tuple[DkimKeyMatch, ...]) -> ChecklistItem:
    title = _("DKIM key published for each selector (RSA ≥ 1024 bits; 2048 advised)")
    if not keys:
        reason = _("give --dkim-selector to check the keys you sign with")
        return ChecklistItem("dkim", title, SKIPPED, reason)
    if any(k.status == UNKNOWN for k in keys):
        return ChecklistItem("dkim", title, UNKNOWN, _("a DKIM key lookup failed"))
    bad = [k for k in keys if not k.valid]
    if bad:
        reasons = [f"{k.selector}: {_dkim_problem(k)}" for k in bad]
        return ChecklistItem("dkim", title, FAIL, "; ".join(reasons))
    wrong = [f"{m.selector}: {m.reason}" for m in matches if m.status != PASS]
    if wrong:
        return ChecklistItem("dkim", title, FAIL, "; ".join(wrong))
    sizes = [
        _("{selector}: {type} {bits} bits").format(
            selector=k.selector, type=k.record.key_type, bits=k.record.key_bits
        )
        for k in keys
        if k.record
    ]
    sizes += [
        _("{selector}: matches {file}").format(selector=m.selector, file=m.key_file)
        for m in matches
    ]
    return ChecklistItem("dkim", title, PASS, "; ".join(sizes))


def _dkim_problem(key: DkimKey) -> str:
    if key.record is None:
        return key.problem
    return next((f.message for f in key.record.findings if f.severity == "error"), key.problem)


def _dmarc_item(dmarc: DmarcDiscovery) -> ChecklistItem:
    title = _("DMARC record published with at least p=none")
    if dmarc.status == UNKNOWN:
        return ChecklistItem("dmarc", title, UNKNOWN, dmarc.problem)
    if dmarc.record is None:
        return ChecklistItem("dmarc", title, FAIL, dmarc.problem)
    if not dmarc.record.valid or dmarc.effective_policy is None:
        return ChecklistItem("dmarc", title, FAIL, dmarc.record.errors[0].message)
    where = f"_dmarc.{dmarc.record_domain}"
    reason = (
        _("p={policy} at {where}").format(policy=dmarc.effective_policy, where=where)
        if dmarc.effective_policy != "none"
        else _("p={policy} at {where}; quarantine or reject protects better").format(
            policy=dmarc.effective_policy, where=where
        )
    )
    return ChecklistItem("dmarc", title, PASS, reason)


def _alignment_item(
    domain: str,
    spf: ChecklistItem,
    dkim: ChecklistItem,
    dmarc: DmarcDiscovery,
    return_path: str,
) -> ChecklistItem:
    title = _("DMARC alignment possible for From: @{domain} (SPF or DKIM)").format(domain=domain)
    record = dmarc.record
    aspf = record.aspf if record else "r"
    adkim = record.adkim if record else "r"
    ways = []
    misaligned = ""
    if return_path != domain:
        aligned = spf_aligned(return_path, domain, aspf)
        if not aligned:
            misaligned = (
                _(
                    "Return-Path @{return_path} is not aligned with From @{domain}: they must be"
                    " the same domain (aspf=s), RFC 7489 §3.1.2"
                )
                if aspf == "s"
                else _(
                    "Return-Path @{return_path} is not aligned with From @{domain}: they must"
                    " share the organisational domain (aspf=r), RFC 7489 §3.1.2"
                )
            ).format(return_path=return_path, domain=domain)
        elif spf.status == PASS:
            way = (
                _("SPF, with the Return-Path @{return_path} (strict, aspf=s)")
                if aspf == "s"
                else _("SPF, with the Return-Path @{return_path} (relaxed, aspf=r)")
            )
            ways.append(way.format(return_path=return_path))
    elif spf.status == PASS:
        way = (
            _("SPF, when the Return-Path is @{domain} or a subdomain (aspf=r)")
            if aspf == "r"
            else _("SPF, when the Return-Path is @{domain} exactly (aspf=s)")
        )
        ways.append(way.format(domain=domain))
    if dkim.status == PASS:
        ways.append(
            _("DKIM, signing with d={domain} (adkim={adkim})").format(domain=domain, adkim=adkim)
        )
    if ways:
        note = _(" (not SPF: {reason})").format(reason=misaligned) if misaligned else ""
        return ChecklistItem("alignment", title, PASS, "; ".join(ways) + note)
    if misaligned:
        status = UNKNOWN if dkim.status == UNKNOWN else FAIL
        return ChecklistItem("alignment", title, status, misaligned)
    if UNKNOWN in (spf.status, dkim.status):
        reason = _("SPF or DKIM could not be confirmed")
        return ChecklistItem("alignment", title, UNKNOWN, reason)
    reason = (
        _("SPF fails and DKIM was not checked (no --dkim-selector)")
        if dkim.status == SKIPPED
        else _("SPF fails and DKIM fails")
    )
    return ChecklistItem("alignment", title, FAIL, reason)


def _ptr_item(ptr: tuple[PtrCheck, ...]) -> ChecklistItem:
    title = _("Each sending IP has forward-confirmed reverse DNS")
    who = ("Gmail", "Yahoo")
    if not ptr:
        return ChecklistItem("ptr", title, SKIPPED, _("give --ip to check reverse DNS"), who)
    for status in (FAIL, UNKNOWN):
        bad = [f"{p.ip}: {p.reason}" for p in ptr if p.status == status]
        if bad:
            return ChecklistItem("ptr", title, status, "; ".join(bad), who)
    return ChecklistItem("ptr", title, PASS, "; ".join(p.reason for p in ptr), who)


def _blocklist_item(results: tuple[BlocklistResult, ...]) -> ChecklistItem:
    title = _("Sending IPs and domains on no DNS blocklist")
    for status, label in ((LISTED, FAIL), (UNKNOWN, UNKNOWN)):
        bad = [
            _("{subject} on {list}: {reason}").format(
                subject=r.subject, list=r.list_name, reason=r.reason
            )
            for r in results
            if r.status == status
        ]
        if bad:
            return ChecklistItem("blocklists", title, label, "; ".join(bad))
    asked = sorted({r.list_name for r in results if r.status != "skipped"})
    reason = _("not listed on {lists}").format(lists=", ".join(asked))
    return ChecklistItem("blocklists", title, PASS, reason)


def build_checklist(
    domain: str,
    spf: SpfCheck,
    dkim: tuple[DkimKey, ...],
    dmarc: DmarcDiscovery,
    ptr: tuple[PtrCheck, ...],
    dkim_matches: tuple[DkimKeyMatch, ...] = (),
    *,
    return_path: str | None = None,
) -> tuple[ChecklistItem, ...]:
    """The bulk-sender requirements (Gmail and Yahoo 2024, Microsoft 2025), one item each."""
    spf_item, dkim_item = _spf_item(spf), _dkim_item(dkim, dkim_matches)
    unsubscribe = ChecklistItem(
        "unsubscribe",
        _("One-click unsubscribe (List-Unsubscribe + List-Unsubscribe-Post, RFC 8058)"),
        SKIPPED,
        _("a property of each message, not of DNS: checked by `b2bmail lint`"),
    )
    return (
        spf_item,
        dkim_item,
        _dmarc_item(dmarc),
        _alignment_item(domain, spf_item, dkim_item, dmarc, return_path or domain),
        _ptr_item(ptr),
        unsubscribe,
    )


def run_check_sender(
    settings: ResolverSettings,
    domain: str,
    ips: Iterable[str] = (),
    dkim_selectors: Iterable[str] = (),
    *,
    blocklists: Iterable[Blocklist] = (),
    link_domains: Iterable[str] = (),
    dkim_keys: Mapping[str, tuple[str, bytes]] | None = None,
    return_path: str | None = None,
) -> SenderReport:
    """Open a resolver with `settings`, run `check_sender`, and close the resolver."""
    resolver = settings.open()
    try:
        return asyncio.run(
            check_sender(
                resolver,
                domain,
                ips,
                dkim_selectors,
                blocklists=blocklists,
                link_domains=link_domains,
                dkim_keys=dkim_keys,
                return_path=return_path,
            )
        )
    finally:
        resolver.close()
