"""SPF (RFC 7208): the parser, check_host() and a recursive count of DNS-querying terms.

The syntax lives in spf_parse.py, macros in spf_macro.py and evaluation in spf_eval.py; this
module is the one place other code imports from.
"""

from __future__ import annotations

from dataclasses import dataclass

from b2bmail.deliverability.answers import Lookup
from b2bmail.deliverability.spf_eval import (
    DEFAULT_EXPLANATION,
    RESULTS,
    SpfResult,
    check_host,
    is_valid_domain,
    parse_client_ip,
)
from b2bmail.deliverability.spf_parse import (
    MAX_DNS_TERMS,
    MAX_VOID_LOOKUPS,
    Mechanism,
    Modifier,
    SpfRecord,
    is_spf_record,
    parse_spf,
    select_spf_records,
)

__all__ = [
    "DEFAULT_EXPLANATION",
    "MAX_DNS_TERMS",
    "MAX_VOID_LOOKUPS",
    "RESULTS",
    "Mechanism",
    "Modifier",
    "SpfLookupCount",
    "SpfRecord",
    "SpfResult",
    "check_host",
    "count_dns_terms",
    "is_spf_record",
    "is_valid_domain",
    "parse_client_ip",
    "parse_spf",
    "select_spf_records",
]


@dataclass(frozen=True)
class SpfLookupCount:
    """DNS-querying terms reachable from a domain's SPF record, through include and redirect.

    This is the worst case a receiver may have to evaluate (every term reached), measured
    against the limit of 10 (RFC 7208 §4.6.4). Targets that use macros cannot be followed
    without a message and are listed in `unresolved`; `unknown` is set when a lookup on the
    way timed out or failed, so the total is a lower bound.
    """

    total: int
    per_domain: tuple[tuple[str, int], ...]  # each record visited and its own term count
    unresolved: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unknown: bool = False

    @property
    def within_limit(self) -> bool:
        return self.total <= MAX_DNS_TERMS


async def count_dns_terms(lookup: Lookup, domain: str) -> SpfLookupCount:
    """Count the DNS-querying terms reachable from `domain`'s SPF record (RFC 7208 §4.6.4)."""
    per_domain: list[tuple[str, int]] = []
    unresolved: list[str] = []
    problems: list[str] = []
    state = {"unknown": False, "total": 0}

    async def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            problems.append(f"{name} includes itself ({' -> '.join((*path, name))})")
            return
        if state["total"] > 4 * MAX_DNS_TERMS:  # far over the limit: no need to walk on
            return
        answer = await lookup.lookup(name, "TXT")
        if answer.unknown:
            state["unknown"] = True
            problems.append(f"TXT lookup for {name} failed ({answer.reason}): count incomplete")
            return
        records = select_spf_records(answer.records) if answer.found else ()
        if len(records) != 1:
            problems.append(f"{name} has {len(records)} SPF records")
            return
        record = parse_spf(records[0])
        if not record.valid:
            problems.append(f"{name}: {record.errors[0].message}")
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
    )
