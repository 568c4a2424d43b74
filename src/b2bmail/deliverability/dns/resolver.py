"""The one module that speaks DNS: dnspython's async queries turned into `Answer`s.

`DnsResolver` implements the `Lookup` protocol of `answers.py`. It sends stub queries (RD set)
to the configured nameservers — the system's recursive resolvers by default, or an
authoritative server such as NSD in tests — with:

- a few UDP sockets per nameserver, shared by all queries in flight (transport.py);
- bounded concurrency (an `asyncio.Semaphore`; 256 by default: benchmarks/audit.py, 5,000
  domains with 20 ms added per query, is bound by latency up to about 128 queries in flight
  and by this process's CPU from there, least at 256; with a public resolver that publishes a
  per-client rate limit — Google Public DNS: 1,500 queries per second — use 32);
- a per-query timeout and a number of retries over the nameservers in turn;
- TCP when a UDP answer comes back truncated (RFC 1035 §4.2.1, RFC 7766 §5);
- three outcomes, never two: FOUND, ABSENT (NXDOMAIN or NODATA, with the negative TTL taken
  from the SOA in the authority section, RFC 2308 §5) and UNKNOWN (timeout, SERVFAIL, REFUSED,
  network error, a CNAME loop or a chain over 8 links, an answer for another name) — an
  UNKNOWN is never cached and never read as "no record";
- identical lookups in flight shared: one query on the wire, many awaiters; and an answer,
  once had, reused for the resolver's life (one command run);
- an optional `AnswerCache` (SQLite) consulted before the wire and fed after it;
- with a `control_zone` (the CLI's `--control-zone`, the root by default), a check of the
  nameservers before the first query goes on the wire: the zone's SOA must be found and a
  random name under it must not. A dead resolver (timeouts), one that says NXDOMAIN to
  everything, or one that rewrites NXDOMAIN into an address (ad-serving ISP resolvers) fails
  it, and every lookup raises `ResolverUnusableError` instead of turning each domain into
  "unknown" or "does not exist". Every nameserver is checked, all at once: a dead resolver is
  found within (retries + 1) timeouts for the whole run; with several, those that fail are
  dropped for the run (a `ResolverWarning`) and the others asked alone.

`stats` counts what was actually sent, so a test or a benchmark can prove that a cached second
run sends no query at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.wire

from b2bmail.deliverability.dns.answers import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    Answer,
    DnsWarning,
    Status,
    normalize_name,
)
from b2bmail.deliverability.dns.cache import AnswerCache, default_cache_path
from b2bmail.deliverability.dns.transport import UdpChannel, build_query
from b2bmail.errors import DnsSetupError
from b2bmail.i18n import _


class ResolverUnusableError(DnsSetupError):
    """The nameservers failed the control check: offline, or they rewrite answers."""


class ResolverWarning(DnsWarning):
    """Some nameservers failed the control check: the others are asked alone."""


DEFAULT_RETRIES = 1
# RFC 9715 / DNS Flag Day 2020: an EDNS buffer of 1232 bytes avoids IP fragmentation; larger
# answers come back truncated and are fetched again over TCP.
EDNS_PAYLOAD = 1232
QUERIES_PER_SOCKET = 32
MAX_SOCKETS = 32
# CNAME links followed before the answer is UNKNOWN ("cname-chain"). RFC 1034 §3.6.2 sets no
# number and only asks to stop on loops; recursive resolvers stop somewhere near 10. Eight is
# far beyond any real mail setup (MX host -> provider alias -> load balancer is 2 or 3 links).
MAX_CNAME_CHAIN = 8
_RCODE_REASONS = {int(dns.rcode.SERVFAIL): "servfail", int(dns.rcode.REFUSED): "refused"}


@dataclass(frozen=True)
class Nameserver:
    """Where queries go: an IP address and a port."""

    host: str
    port: int = 53

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """Read `IP`, `IP:PORT`, `IPv6` or `[IPv6]:PORT`; raise `DnsSetupError` on anything else."""
    value = text.strip()
    host, port_text = value, ""
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            host = ""
        port_text = rest[1:]
    elif value.count(":") == 1:
        host, _colon, port_text = value.partition(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise DnsSetupError(
            _("invalid nameserver {value}").format(value=repr(text)),
            hint=_("give an IP address, optionally with a port: 192.0.2.53 or 127.0.0.1:5353"),
        ) from None
    port = 53
    if port_text or value.endswith(":"):
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise DnsSetupError(
                _("invalid port in nameserver {value}").format(value=repr(text)),
                hint=_("use a port between 1 and 65535"),
            )
        port = int(port_text)
    return Nameserver(str(address), port)


def system_nameservers() -> list[Nameserver]:
    """The resolvers of /etc/resolv.conf (or the platform's equivalent), read by dnspython."""
    try:
        config = dns.resolver.Resolver(configure=True)
    except (dns.resolver.NoResolverConfiguration, OSError) as exc:
        raise DnsSetupError(
            _("no system DNS resolver is configured"), hint=_("pass --nameserver IP[:PORT]")
        ) from exc
    servers = [str(ns) for ns in config.nameservers]
    if not servers:
        raise DnsSetupError(
            _("no system DNS resolver is configured"), hint=_("pass --nameserver IP[:PORT]")
        )
    return [Nameserver(server, config.port) for server in servers]


@dataclass(frozen=True)
class ResolverSettings:
    """How to resolve, as the command line gives it (`--nameserver`, `--timeout` ...)."""

    nameservers: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    concurrency: int = DEFAULT_CONCURRENCY
    use_cache: bool = True
    refresh: bool = False
    cache_path: str | None = None  # default: $B2BMAIL_CACHE, else the user's cache folder
    control_zone: str | None = "."  # checked before the first query; None: no check

    def open(self) -> DnsResolver:
        """A resolver with these settings (and its cache open); call `close()` when done."""
        servers = [parse_nameserver(ns) for ns in self.nameservers] or system_nameservers()
        cache = AnswerCache(self.cache_path or default_cache_path()) if self.use_cache else None
        return DnsResolver(
            servers,
            timeout=self.timeout,
            retries=self.retries,
            concurrency=self.concurrency,
            cache=cache,
            refresh=self.refresh,
            control_zone=self.control_zone,
        )


def _control_zone(text: str) -> str:
    zone = normalize_name(text) or "."
    try:
        build_query(zone, dns.rdatatype.SOA, EDNS_PAYLOAD)
    except ValueError:
        raise DnsSetupError(
            _("invalid control zone {value}").format(value=repr(text)),
            hint=_("give a zone your resolver must know, e.g. '.' (the root) or example.com"),
        ) from None
    return zone


@dataclass
class ResolverStats:
    """Counters for one resolver's life (mutable on purpose: it is a running tally)."""

    lookups: int = 0  # calls to lookup()
    queries: int = 0  # DNS messages sent on the wire (UDP and TCP)
    tcp: int = 0  # of which re-sent over TCP after a truncated UDP answer
    cache_hits: int = 0
    shared: int = 0  # lookups that joined an identical query already in flight
    reused: int = 0  # lookups answered from this resolver's earlier answers (incl. learnt CNAMEs)
    unknown: int = 0  # lookups that ended UNKNOWN
    timeouts: int = 0  # queries that got no answer in time (then retried or given up)


class DnsResolver:
    """Async DNS lookups returning `Answer`s; see the module docstring for the guarantees."""

    def __init__(
        self,
        nameservers: Sequence[str | Nameserver] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        concurrency: int = DEFAULT_CONCURRENCY,
        cache: AnswerCache | None = None,
        refresh: bool = False,
        control_zone: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise DnsSetupError(
                _("invalid concurrency {value}").format(value=concurrency), hint=_("use 1 or more")
            )
        if timeout <= 0:
            raise DnsSetupError(
                _("invalid timeout {value}").format(value=timeout),
                hint=_("use a positive number of seconds"),
            )
        if nameservers:
            self.nameservers = [
                ns if isinstance(ns, Nameserver) else parse_nameserver(ns) for ns in nameservers
            ]
        else:
            self.nameservers = system_nameservers()
        self.timeout = timeout
        self.retries = max(0, retries)
        self.concurrency = concurrency
        self.cache = cache
        self.refresh = refresh
        self.control_zone = None if control_zone is None else _control_zone(control_zone)
        self.stats = ResolverStats()
        # The control check (see the module docstring): one task per event loop until it passes.
        self._checked = control_zone is None
        self._check: asyncio.Future[None] | None = None
        # Bound to the running event loop on first use; a new loop (another asyncio.run) gets
        # fresh ones, so one resolver and its cache can serve several runs.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(concurrency)
        self._inflight: dict[tuple[str, str], asyncio.Future[Answer]] = {}
        # Per event loop (see transport.py): for each nameserver, one UDP socket per
        # QUERIES_PER_SOCKET queries in flight, used in turn, so a burst of answers never
        # overflows one socket's receive buffer (and source ports vary, RFC 5452 §4.5).
        self._channels: dict[Nameserver, list[UdpChannel]] = {}
        self._turn = 0
        # Answers already had in this resolver's life (one command run), with the CNAME answers
        # learnt from A/AAAA responses (see `to_answers`): a question is never sent twice.
        self._known: dict[tuple[str, str], Answer] = {}

    def close(self) -> None:
        """Close the UDP sockets (if their event loop still runs) and commit the cache."""
        for channels in self._channels.values():
            for channel in channels:
                with contextlib.suppress(RuntimeError):  # the loop is already closed
                    channel.close()
        self._channels = {}
        if self.cache is not None:
            self.cache.close()

    async def lookup(self, name: str, rdtype: str) -> Answer:
        """Answer one question, from the cache, from an identical query in flight, or the wire."""
        key = (normalize_name(name), rdtype.upper())
        self.stats.lookups += 1
        known = self._known.get(key)
        if known is not None:
            self.stats.reused += 1
            return known
        if self.cache is not None and not self.refresh:
            cached = self.cache.get(*key)
            if cached is not None:
                self.stats.cache_hits += 1
                self._known[key] = cached
                return cached
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._semaphore = asyncio.Semaphore(self.concurrency)
            self._inflight = {}
            self._channels = {}
            self._check = None
        pending = self._inflight.get(key)
        if pending is not None:
            self.stats.shared += 1
            return await asyncio.shield(pending)
        task = asyncio.ensure_future(self._resolve(*key))
        self._inflight[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._inflight.pop(key, None)
            else:
                task.add_done_callback(lambda _t: self._inflight.pop(key, None))

    async def _resolve(self, name: str, rdtype: str) -> Answer:
        if not self._checked:
            if self._check is None:
                self._check = asyncio.ensure_future(self._check_nameservers())
            await asyncio.shield(self._check)
        async with self._semaphore:
            answer, alias = await self._query(name, rdtype)
        if answer.unknown:
            self.stats.unknown += 1
        else:
            self._known[(name, rdtype)] = answer
            if self.cache is not None:
                self.cache.put(answer)
        if alias is not None:
            self._known[(alias.name, alias.rdtype)] = alias
            if self.cache is not None:
                self.cache.put(alias)
        return answer

    async def _check_nameservers(self) -> None:
        """Check every nameserver at once; keep those that pass, with a `ResolverWarning` for
        the others; raise `ResolverUnusableError` when none passes."""
        zone = self.control_zone or "."
        label = f"b2bmail-check-{secrets.token_hex(6)}"
        random_name = label if zone == "." else f"{label}.{zone}"
        problems = await asyncio.gather(
            *(self._check_nameserver(ns, zone, random_name) for ns in self.nameservers)
        )
        failed = [(ns, seen) for ns, seen in zip(self.nameservers, problems, strict=True) if seen]
        if len(failed) == len(self.nameservers):
            servers = ", ".join(str(ns) for ns, _ in failed)
            seen = failed[0][1] if len(failed) == 1 else "; ".join(f"{n}: {s}" for n, s in failed)
            raise ResolverUnusableError(
                _(
                    "the DNS resolver at {servers} gives no usable answers: offline, or it"
                    " rewrites answers ({seen})"
                ).format(servers=servers, seen=seen),
                hint=_(
                    "check the network, or pass --nameserver with a working resolver"
                    " (--control-zone: a zone it must serve, when it is not a recursive resolver)"
                ),
            )
        if failed:
            # Left in the rotation, a dead server would cost a timeout on every question it
            # gets first, and a lying one would answer some of them wrongly.
            dropped = {ns for ns, _ in failed}
            self.nameservers = [ns for ns in self.nameservers if ns not in dropped]
            for ns, seen in failed:
                warnings.warn(
                    _(
                        "the DNS resolver at {server} gives no usable answers ({seen}): asking"
                        " only {others}"
                    ).format(server=ns, seen=seen, others=", ".join(map(str, self.nameservers))),
                    ResolverWarning,
                    stacklevel=2,
                )
        self._checked = True

    async def _check_nameserver(self, server: Nameserver, zone: str, random_name: str) -> str:
        """What is wrong with `server` ("" when nothing): the control zone's SOA must be found
        and a random name under it must be absent.

        The random name is how Chromium detects NXDOMAIN-rewriting resolvers (random labels
        that cannot exist must not resolve); the SOA, how a resolver that answers NXDOMAIN (or
        nothing) to everything is told from a list of dead domains.
        """
        (soa, _soa_alias), (missing, _alias) = await asyncio.gather(
            self._query(zone, "SOA", [server]), self._query(random_name, "A", [server])
        )
        if not soa.found:
            return _("{type} {name}: {reason}").format(type="SOA", name=zone, reason=soa.reason)
        if not missing.absent:
            got = ", ".join(missing.records) if missing.found else missing.reason
            return _("A {name}, a name that cannot exist: {answer}").format(
                name=random_name, answer=got
            )
        return ""

    def _channel(self, server: Nameserver) -> UdpChannel:
        channels = self._channels.get(server)
        if channels is None:
            count = min(MAX_SOCKETS, -(-self.concurrency // QUERIES_PER_SOCKET))
            channels = [UdpChannel(server.host, server.port) for _ in range(count)]
            self._channels[server] = channels
        self._turn += 1
        return channels[self._turn % len(channels)]

    async def _query(
        self, name: str, rdtype: str, servers: Sequence[Nameserver] = ()
    ) -> tuple[Answer, Answer | None]:
        """Ask `servers` (default: the resolver's nameservers) in turn, `retries` more times."""
        servers = servers or self.nameservers
        try:
            qtype = dns.rdatatype.from_text(rdtype)
            wire = build_query(name, qtype, EDNS_PAYLOAD)
        except (dns.exception.DNSException, ValueError):
            # A name that cannot be encoded (empty label, label over 63 octets) was never asked.
            return Answer(name, rdtype, Status.UNKNOWN, (), 0, "error"), None
        reason = "error"
        for attempt in range(self.retries + 1):
            for index in range(len(servers)):
                server = servers[(attempt + index) % len(servers)]
                self.stats.queries += 1
                try:
                    data = await self._channel(server).ask(wire, self.timeout)
                    if data[2] & 0x02:
                        # TC: the answer did not fit; ask again over TCP (RFC 7766 §5).
                        self.stats.queries += 1
                        self.stats.tcp += 1
                        query = dns.message.make_query(
                            name, qtype, use_edns=0, payload=EDNS_PAYLOAD
                        )
                        response = await dns.asyncquery.tcp(
                            query, server.host, timeout=self.timeout, port=server.port
                        )
                        data = response.to_wire()
                    rcode, answer_section, authority = read_response(data)
                except (TimeoutError, dns.exception.Timeout):
                    self.stats.timeouts += 1
                    reason = "timeout"
                    continue
                except (OSError, EOFError, ValueError, dns.exception.DNSException):
                    reason = "error"
                    continue
                if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    return to_answers(name, rdtype, answer_section, authority, rcode)
                reason = _RCODE_REASONS.get(rcode, "error")
        return Answer(name, rdtype, Status.UNKNOWN, (), 0, reason), None


@dataclass(frozen=True)
class _Record:
    owner: dns.name.Name
    rdtype: int
    ttl: int
    rdata: dns.rdata.Rdata


def read_response(data: bytes) -> tuple[int, list[_Record], list[_Record]]:
    """(rcode, answer records, authority records) of a DNS message, additional section skipped.

    A lean reading with dnspython's wire parser: building a whole `dns.message.Message` (rdata
    sets, hashing every record) costs more than everything else a lookup does.
    """
    parser = dns.wire.Parser(data)
    _, flags, qdcount, ancount, nscount, _ = parser.get_struct("!HHHHHH")
    for _ in range(qdcount):
        parser.get_name(decompress=True)
        parser.get_struct("!HH")
    sections: list[list[_Record]] = []
    for count in (ancount, nscount):
        records = []
        for _ in range(count):
            owner = parser.get_name(decompress=True)
            rdtype, rdclass, ttl, rdlen = parser.get_struct("!HHIH")
            with parser.restrict_to(rdlen):
                rdata = dns.rdata.from_wire_parser(rdclass, rdtype, parser)
            records.append(_Record(owner, rdtype, ttl, rdata))
        sections.append(records)
    return flags & 0x000F, sections[0], sections[1]


def to_answers(
    name: str, rdtype: str, answer_section: list[_Record], authority: list[_Record], rcode: int
) -> tuple[Answer, Answer | None]:
    """Turn a NOERROR / NXDOMAIN response into an `Answer`, records normalised (see answers.py).

    Only records owned by `name`, or by the targets of the CNAMEs followed from it (RFC 1034
    §3.6.2), are read: any other record in the answer section is ignored, so it is neither
    answered nor cached (RFC 2181 §5.4.1: data outside the question's chain is not to be
    trusted). An answer section that holds records but none of that chain says nothing about
    the question: UNKNOWN ("mismatch"). A CNAME chain that loops, or has more than
    `MAX_CNAME_CHAIN` links, is UNKNOWN too ("cname-loop", "cname-chain"), never absent: the
    name may well exist, the DNS data is broken (an SPF temperror, RFC 7208 §5).

    For an A or AAAA question, the same response also says whether `name` is an alias: a name
    with a CNAME has no other data, and a server answering for an alias returns the CNAME. The
    second value is that CNAME answer (found, or absent), so an MX host's CNAME check costs no
    extra query; None for other questions.
    """
    qtype = dns.rdatatype.from_text(rdtype)
    try:
        found, cnames = _follow(dns.name.from_text(name), qtype, answer_section)
    except _BrokenChainError as exc:
        return Answer(name, rdtype, Status.UNKNOWN, (), 0, exc.reason), None
    if answer_section and not found and not cnames:
        return Answer(name, rdtype, Status.UNKNOWN, (), 0, "mismatch"), None
    min_ttl = min((r.ttl for r in cnames), default=2**31 - 1)
    if found:
        ttl = min(min_ttl, *(r.ttl for r in found))
        records = tuple(sorted({_present(r.rdata) for r in found}))
        answer = Answer(name, rdtype, Status.FOUND, records, ttl, "")
    else:
        reason = "nxdomain" if rcode == dns.rcode.NXDOMAIN else "nodata"
        soa = next((r for r in authority if r.rdtype == dns.rdatatype.SOA), None)
        # RFC 2308 §5: the negative TTL is the SOA's TTL capped by its MINIMUM field; a negative
        # answer without an SOA must not be cached.
        ttl = min(min_ttl, soa.ttl, soa.rdata.minimum) if soa else 0  # type: ignore[attr-defined]
        answer = Answer(name, rdtype, Status.ABSENT, (), ttl, reason)
    derived = None
    if rdtype in ("A", "AAAA"):
        if cnames:
            target = normalize_name(cnames[0].rdata.target.to_text())  # type: ignore[attr-defined]
            derived = Answer(name, "CNAME", Status.FOUND, (target,), cnames[0].ttl, "")
        else:
            derived = Answer(
                name, "CNAME", Status.ABSENT, (), answer.ttl, answer.reason or "nodata"
            )
    return answer, derived


class _BrokenChainError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _follow(
    current: dns.name.Name, qtype: int, section: list[_Record]
) -> tuple[list[_Record], list[_Record]]:
    """(records of `qtype`, CNAMEs followed) from `current` through the answer section.

    Raises `_BrokenChainError` on a loop or a chain of more than `MAX_CNAME_CHAIN` links.
    """
    cnames: list[_Record] = []
    seen = {current}
    while True:
        found = [r for r in section if r.rdtype == qtype and r.owner == current]
        if found:
            return found, cnames
        alias = next(
            (r for r in section if r.rdtype == dns.rdatatype.CNAME and r.owner == current), None
        )
        if alias is None:
            return [], cnames
        if len(cnames) == MAX_CNAME_CHAIN:
            raise _BrokenChainError("cname-chain")
        cnames.append(alias)
        current = alias.rdata.target  # type: ignore[attr-defined]
        if current in seen:
            raise _BrokenChainError("cname-loop")
        seen.add(current)


def _present(rdata: object) -> str:
    rdtype = getattr(rdata, "rdtype", None)
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)  # type: ignore[attr-defined]
    if rdtype == dns.rdatatype.MX:
        exchange: dns.name.Name = rdata.exchange  # type: ignore[attr-defined]
        # RFC 7505 §3: a null MX has the root as exchange; answers.py spells it "0 ".
        host = "" if exchange == dns.name.root else normalize_name(exchange.to_text())
        return f"{rdata.preference} {host}"  # type: ignore[attr-defined]
    if rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        # RFC 7208 §3.3: the character-strings of one record are concatenated with no separator.
        strings: Sequence[bytes] = rdata.strings  # type: ignore[attr-defined]
        return b"".join(strings).decode("utf-8", "replace")
    if rdtype in (dns.rdatatype.CNAME, dns.rdatatype.PTR, dns.rdatatype.NS):
        return normalize_name(rdata.target.to_text())  # type: ignore[attr-defined]
    return str(rdata.to_text())  # type: ignore[attr-defined]
