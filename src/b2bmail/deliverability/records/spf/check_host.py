"""SPF evaluation: check_host() of RFC 7208 §4 over an injected `Lookup`."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass, field

from b2bmail.deliverability.dns.answers import Answer, Lookup, is_valid_domain
from b2bmail.deliverability.records.spf.macros import (
    MacroContext,
    MacroSyntaxError,
    expand_macros,
    truncate_domain,
    uses_macro,
)
from b2bmail.deliverability.records.spf.syntax import (
    MAX_DNS_TERMS,
    MAX_VOID_LOOKUPS,
    Mechanism,
    SpfRecord,
    parse_spf,
    select_spf_records,
)
from b2bmail.i18n import _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
# RFC 7208 §6.2 leaves the default explanation to the receiver; macros are expanded in it.
DEFAULT_EXPLANATION = "%{i} is not one of %{d}'s designated mail servers."
MAX_NAMES = 10  # RFC 7208 §4.6.4: at most 10 names per MX or PTR lookup


@dataclass(frozen=True)
class SpfResult:
    """The outcome of check_host() with what it cost and how it got there."""

    result: str  # one of RESULTS
    domain: str
    explanation: str = ""  # only for "fail" (RFC 7208 §6.2)
    lookups: int = 0  # DNS-querying terms evaluated (limit 10, RFC 7208 §4.6.4)
    void_lookups: int = 0  # lookups that found nothing (limit 2, RFC 7208 §4.6.4)
    record: str | None = None  # the SPF record of `domain`, when one was selected
    problem: str = ""  # why, for permerror / temperror / none
    trace: tuple[str, ...] = ()  # one line per step, for people

    def as_dict(self) -> dict[str, object]:
        return {
            "result": self.result,
            "domain": self.domain,
            "explanation": self.explanation,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
            "record": self.record,
            "problem": self.problem,
            "trace": list(self.trace),
        }


class _Stop(Exception):
    """Ends the evaluation with permerror or temperror."""

    def __init__(self, result: str, problem: str) -> None:
        super().__init__(problem)
        self.result = result
        self.problem = problem


def parse_client_ip(ip: str | IPAddress) -> IPAddress:
    """The client address; an IPv4-mapped IPv6 address counts as IPv4 (RFC 7208 §5, §5.6)."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass
class _Evaluation:
    lookup: Lookup
    ip: IPAddress
    sender: str
    helo: str
    receiver: str
    default_explanation: str
    timestamp: int
    lookups: int = 0
    void_lookups: int = 0
    trace: list[str] = field(default_factory=list)
    top_record: str | None = None
    _ptr: Answer | None = None  # the client IP's PTR answer, fetched once
    _validated: tuple[str, ...] | None = None  # its validated names (RFC 7208 §5.5)

    def note(self, depth: int, text: str) -> None:
        self.trace.append("  " * depth + text)

    def context(self, domain: str) -> MacroContext:
        return MacroContext(self.sender, domain, self.ip, self.helo, self.receiver, self.timestamp)

    async def _query(self, name: str, rdtype: str) -> Answer:
        answer = await self.lookup.lookup(name, rdtype)
        if answer.unknown:
            # RFC 7208 §4.4, §5: a DNS error or timeout ends check_host() with temperror
            raise _Stop(
                "temperror",
                _("{type} lookup for {name} failed ({reason})").format(
                    type=rdtype, name=name, reason=answer.reason or _("unknown")
                ),
            )
        return answer

    def _count_term(self, text: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_DNS_TERMS:
            raise _Stop(
                "permerror",
                _("more than {limit} DNS-querying terms at {term} (RFC 7208 §4.6.4)").format(
                    limit=MAX_DNS_TERMS, term=repr(text)
                ),
            )

    def _count_void(self, name: str, depth: int) -> None:
        self.void_lookups += 1
        self.note(depth + 1, f"void lookup {self.void_lookups}: {name}")
        if self.void_lookups > MAX_VOID_LOOKUPS:
            raise _Stop(
                "permerror",
                _("more than {limit} void lookups (RFC 7208 §4.6.4)").format(
                    limit=MAX_VOID_LOOKUPS
                ),
            )

    async def expand(self, spec: str, domain: str, *, explanation: bool = False) -> str:
        validated = "unknown"
        if uses_macro(spec, "p"):
            validated = await self.validated_name(domain)
        text = expand_macros(
            spec, self.context(domain), validated_name=validated, explanation=explanation
        )
        return text if explanation else truncate_domain(text)

    async def ptr_answer(self) -> Answer:
        if self._ptr is None:
            self._ptr = await self.lookup.lookup(self.ip.reverse_pointer, "PTR")
        return self._ptr

    async def validated_names(self) -> tuple[str, ...]:
        """Names of the client IP confirmed by a forward lookup (RFC 7208 §5.5)."""
        if self._validated is not None:
            return self._validated
        answer = await self.ptr_answer()
        names: list[str] = []
        # §5.5: a DNS error on the PTR lookup means no match; §4.6.4: only the first 10 names
        for name in answer.records[:MAX_NAMES] if answer.found else ():
            forward = await self.lookup.lookup(name, "A" if self.ip.version == 4 else "AAAA")
            # §5.5: an error on a forward lookup skips that name and the search continues
            if forward.found and any(_same_ip(r, self.ip) for r in forward.records):
                names.append(name)
        self._validated = tuple(names)
        return self._validated

    async def validated_name(self, domain: str) -> str:
        """%{p}: a validated name, preferring <domain> or a subdomain of it (RFC 7208 §7.3)."""
        names = await self.validated_names()
        for name in names:
            if name == domain or name.endswith("." + domain):
                return name
        return names[0] if names else "unknown"

    async def check(self, domain: str, depth: int) -> tuple[str, str]:
        """check_host() for one domain: (result, explanation)."""
        answer = await self._query(domain, "TXT")
        records = select_spf_records(answer.records) if answer.found else ()
        if not records:
            self.note(depth, f"{domain}: no SPF record ({answer.reason or 'no v=spf1 TXT'})")
            return "none", ""
        if len(records) > 1:
            raise _Stop(
                "permerror",
                _("{domain} has {count} SPF records (RFC 7208 §4.5)").format(
                    domain=domain, count=len(records)
                ),
            )
        if depth == 0:
            self.top_record = records[0]
        self.note(depth, f"{domain}: {records[0]}")
        record = parse_spf(records[0])
        if not record.valid:
            # RFC 7208 §4.6: any syntax error anywhere in the record is a permerror
            raise _Stop("permerror", f"{domain}: {record.errors[0].message}")
        for mechanism in record.mechanisms:
            if await self.matches(mechanism, domain, depth):
                self.note(depth + 1, f"{mechanism.text} matched: {mechanism.result}")
                explanation = (
                    await self.explain(record, domain) if mechanism.result == "fail" else ""
                )
                return mechanism.result, explanation
        if record.redirect is not None:
            # RFC 7208 §6.1: redirect applies only when no mechanism matched
            self._count_term("redirect=" + record.redirect)
            target = await self._target(record.redirect, domain)
            if not is_valid_domain(target):
                raise _Stop(
                    "permerror",
                    _("redirect target {target} is not a valid domain (RFC 7208 §6.1)").format(
                        target=repr(target)
                    ),
                )
            self.note(depth + 1, f"redirect={target}")
            result, explanation = await self.check(target, depth + 1)
            if result == "none":
                raise _Stop(
                    "permerror",
                    _("redirect target {target} has no SPF record (RFC 7208 §6.1)").format(
                        target=target
                    ),
                )
            return result, explanation
        self.note(depth + 1, "no mechanism matched: neutral (RFC 7208 §4.7)")
        return "neutral", ""

    async def _target(self, spec: str, domain: str) -> str:
        try:
            return (await self.expand(spec, domain)).lower()
        except MacroSyntaxError as exc:  # checked at parse time; kept as a permerror for safety
            raise _Stop("permerror", str(exc)) from exc

    async def matches(self, mech: Mechanism, domain: str, depth: int) -> bool:
        if mech.name == "all":
            return True
        if mech.name in ("ip4", "ip6"):
            return (
                mech.network is not None
                and self.ip.version == mech.network.version
                and self.ip in mech.network
            )
        self._count_term(mech.text)
        target = await self._target(mech.domain_spec or domain, domain)
        if mech.name == "include":
            if not is_valid_domain(target):
                raise _Stop(
                    "permerror",
                    _("include target {target} is not a valid domain (RFC 7208 §5.2)").format(
                        target=repr(target)
                    ),
                )
            self.note(depth + 1, f"include:{target}")
            result, _explanation = await self.check(target, depth + 1)
            # RFC 7208 §5.2: the table of recursive results
            if result == "none":
                raise _Stop(
                    "permerror",
                    _("include target {target} has no SPF record (RFC 7208 §5.2)").format(
                        target=target
                    ),
                )
            self.note(
                depth + 1,
                f"include:{target} gave {result}: " + ("match" if result == "pass" else "no match"),
            )
            return result == "pass"
        if not is_valid_domain(target):
            # RFC 7208 §4.3 by analogy: a name no DNS query can be made for does not exist
            self.note(depth + 1, f"{mech.text}: {target!r} is not a valid domain name: no match")
            return False
        if mech.name == "exists":
            answer = await self._query(target, "A")  # RFC 7208 §5.7: always an A query
            if not answer.found:
                self._count_void(target, depth)
            return answer.found
        if mech.name == "a":
            return await self._address_match(target, mech, depth, count_void=True)
        if mech.name == "mx":
            answer = await self._query(target, "MX")
            if not answer.found:
                self._count_void(target, depth)
                return False
            if len(answer.records) > MAX_NAMES:
                raise _Stop(
                    "permerror",
                    _(
                        "{target} has {count} MX records; at most {limit} may be looked up"
                        " (RFC 7208 §4.6.4)"
                    ).format(target=target, count=len(answer.records), limit=MAX_NAMES),
                )
            for record in answer.records:
                host = record.partition(" ")[2].strip().rstrip(".")
                if host and await self._address_match(host, mech, depth, count_void=False):
                    return True
            return False
        # ptr (RFC 7208 §5.5)
        ptr = await self.ptr_answer()
        if ptr.absent:
            self._count_void(self.ip.reverse_pointer, depth)
        names = await self.validated_names()
        return any(name == target or name.endswith("." + target) for name in names)

    async def _address_match(
        self, host: str, mech: Mechanism, depth: int, *, count_void: bool
    ) -> bool:
        answer = await self._query(host, "A" if self.ip.version == 4 else "AAAA")
        if not answer.found:
            if count_void:
                self._count_void(host, depth)
            return False
        prefix = mech.cidr4 if self.ip.version == 4 else mech.cidr6
        for record in answer.records:
            try:
                network = ipaddress.ip_network(f"{record}/{prefix}", strict=False)
            except ValueError:  # not an address: nothing to match
                continue
            if self.ip in network:
                return True
        self.note(depth + 1, f"{mech.text}: {host} -> {', '.join(answer.records)} (no match)")
        return False

    async def explain(self, record: SpfRecord, domain: str) -> str:
        """RFC 7208 §6.2: the exp= text, or the default when anything about it is wrong."""
        default = await self._default(domain)
        if record.exp is None:
            return default
        try:
            name = await self.expand(record.exp, domain)
        except MacroSyntaxError:
            return default
        if not is_valid_domain(name):
            return default
        # The exp lookup is not a term and never a void lookup (RFC 7208 §4.6.4, §6.2)
        answer = await self.lookup.lookup(name, "TXT")
        if not answer.found or len(answer.records) != 1 or not answer.records[0].isascii():
            return default
        try:
            return await self.expand(answer.records[0], domain, explanation=True)
        except MacroSyntaxError:
            return default

    async def _default(self, domain: str) -> str:
        try:
            return await self.expand(self.default_explanation, domain, explanation=True)
        except MacroSyntaxError:
            return self.default_explanation


def _same_ip(record: str, ip: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(record) == ip
    except ValueError:
        return False


def _sender_parts(sender: str, helo: str | None, domain: str) -> str:
    # RFC 7208 §2.4: a null reverse-path checks postmaster@<HELO>; §4.3: no local-part -> postmaster
    if not sender:
        return f"postmaster@{helo or domain}"
    local, at, sender_domain = sender.rpartition("@")
    if not at:
        return f"postmaster@{sender}"
    return f"{local or 'postmaster'}@{sender_domain}"


async def check_host(
    lookup: Lookup,
    ip: str | IPAddress,
    domain: str,
    sender: str,
    helo: str | None = None,
    *,
    receiver: str = "unknown",
    default_explanation: str = DEFAULT_EXPLANATION,
    time_limit: float = 20.0,
) -> SpfResult:
    """Evaluate SPF for `ip` sending as `sender` with <domain> `domain` (RFC 7208 §4).

    Raises ValueError when `ip` is not an IP address. DNS timeouts and failures give
    "temperror", never "none"; so does an evaluation longer than `time_limit` seconds.
    """
    address = parse_client_ip(ip)
    domain = domain.strip()
    domain = domain[:-1] if domain.endswith(".") else domain
    evaluation = _Evaluation(
        lookup=lookup,
        ip=address,
        sender=_sender_parts(sender, helo, domain),
        helo=helo or "unknown",
        receiver=receiver,
        default_explanation=default_explanation,
        timestamp=int(time.time()),
    )
    if not is_valid_domain(domain):
        # RFC 7208 §4.3: a malformed or single-label <domain> gives "none"
        return SpfResult(
            "none",
            domain,
            problem=_("{domain} is not a valid multi-label domain (RFC 7208 §4.3)").format(
                domain=repr(domain)
            ),
        )
    try:
        result, explanation = await asyncio.wait_for(
            evaluation.check(domain.lower(), 0), time_limit
        )
        problem = _("no SPF record (RFC 7208 §4.5)") if result == "none" else ""
    except TimeoutError:
        # RFC 7208 §4.6.4: past the elapsed-time limit (at least 20 s), the result is temperror
        result, explanation = "temperror", ""
        problem = _("evaluation took longer than {seconds} s (RFC 7208 §4.6.4)").format(
            seconds=f"{time_limit:g}"
        )
        evaluation.note(0, f"temperror: {problem}")
    except _Stop as stop:
        result, explanation, problem = stop.result, "", stop.problem
        evaluation.note(0, f"{result}: {problem}")
    return SpfResult(
        result=result,
        domain=domain.lower(),
        explanation=explanation,
        lookups=evaluation.lookups,
        void_lookups=evaluation.void_lookups,
        record=evaluation.top_record,
        problem=problem,
        trace=tuple(evaluation.trace),
    )
