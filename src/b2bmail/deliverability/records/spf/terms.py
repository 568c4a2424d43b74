"""The recursive count of SPF's DNS-querying terms (RFC 7208 §4.6.4), through include and redirect.

Apart from check_host(): this walks every branch (the worst case a receiver may meet), where
check_host() follows one path for one client IP.
"""

from __future__ import annotations

from dataclasses import dataclass

from b2bmail.deliverability.dns.answers import Lookup
from b2bmail.deliverability.records.spf.syntax import MAX_DNS_TERMS, parse_spf, select_spf_records
from b2bmail.i18n import _

__all__ = ["SpfLookupCount", "count_dns_terms"]


@dataclass(frozen=True)
class SpfLookupCount:
    """DNS-querying terms reachable from a domain's SPF record, through include and redirect.

    This is the worst case a receiver may have to evaluate (every term reached), measured
    against the limit of 10 (RFC 7208 §4.6.4). Targets that use macros cannot be followed
    without a message and are listed in `unresolved`; `unknown` is set when a lookup on the
    way timed out or failed, so the total is a lower bound.

    `permerrors` are what makes check_host() end in permerror whenever evaluation reaches it,
    whatever the client IP: an include/redirect loop (the domain includes itself, directly or
    through others), a target without exactly one SPF record, a record with a syntax error.
    `problems` are the other notes (a lookup that failed, no record at the domain itself).
    """

    total: int
    per_domain: tuple[tuple[str, int], ...]  # each record visited and its own term count
    unresolved: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unknown: bool = False
    permerrors: tuple[str, ...] = ()

    @property
    def within_limit(self) -> bool:
        return self.total <= MAX_DNS_TERMS


async def count_dns_terms(lookup: Lookup, domain: str) -> SpfLookupCount:
    """Count the DNS-querying terms reachable from `domain`'s SPF record (RFC 7208 §4.6.4)."""
    per_domain: list[tuple[str, int]] = []
    unresolved: list[str] = []
    problems: list[str] = []
    permerrors: list[str] = []
    state = {"unknown": False, "total": 0}

    async def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            # Each pass round the loop costs a term, so evaluation always runs past the limit
            # of 10: a permerror (RFC 7208 §4.6.4; OpenSPF suite include-loop, redirect-loop).
            chain = " -> ".join((*path, name))
            permerrors.append(
                _(
                    "{name} includes itself ({chain}): evaluation runs past 10 lookups"
                    " (RFC 7208 §4.6.4)"
                ).format(name=name, chain=chain)
            )
            return
        if state["total"] > 4 * MAX_DNS_TERMS:  # far over the limit: no need to walk on
            return
        answer = await lookup.lookup(name, "TXT")
        if answer.unknown:
            state["unknown"] = True
            problems.append(
                _("TXT lookup for {domain} failed ({reason}): count incomplete").format(
                    domain=name, reason=answer.reason
                )
            )
            return
        records = select_spf_records(answer.records) if answer.found else ()
        if len(records) != 1:
            # RFC 7208 §4.5: several records are a permerror; §5.2, §6.1: so is an include or
            # redirect target with none. The domain itself without one is "none", not an error.
            where = permerrors if path or records else problems
            where.append(
                _("{domain} has {count} SPF records").format(domain=name, count=len(records))
            )
            return
        record = parse_spf(records[0])
        if not record.valid:
            permerrors.append(f"{name}: {record.errors[0].message}")  # RFC 7208 §4.6
            return
        per_domain.append((name, record.dns_terms))
        state["total"] += record.dns_terms
        targets = [
            m.domain_spec for m in record.mechanisms if m.name == "include" and m.domain_spec
        ]
        if record.redirect is not None and not any(m.name == "all" for m in record.mechanisms):
            targets.append(record.redirect)
        for target in targets:
            if "%" in target:
                unresolved.append(target)
            else:
                await visit(target.lower().rstrip("."), (*path, name))

    await visit(domain.lower().rstrip("."), ())
    return SpfLookupCount(
        int(state["total"]),
        tuple(per_domain),
        tuple(unresolved),
        tuple(problems),
        bool(state["unknown"]),
        tuple(permerrors),
    )
