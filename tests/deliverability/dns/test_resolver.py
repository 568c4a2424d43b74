"""DnsResolver against a real NSD on loopback, and against servers that time out or fail."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset
import pytest
from tests.deliverability.nsd import CONTROL_ZONE, NEGATIVE_TTL, ScriptedServer, StartNsd

from b2bmail.deliverability.dns.answers import Answer, Status
from b2bmail.deliverability.dns.cache import AnswerCache
from b2bmail.deliverability.dns.resolver import (
    DnsResolver,
    Nameserver,
    ResolverSettings,
    ResolverUnusableError,
    ResolverWarning,
    parse_nameserver,
    read_response,
    to_answers,
)
from b2bmail.errors import DnsSetupError

# A TXT RRset far over the 1232-byte EDNS buffer: NSD sets TC over UDP, the resolver retries on TCP.
BIG_TXT = "\n".join(f'big TXT "v=spf1 ip4:192.0.2.{i} {"x" * 200}"' for i in range(12))
ZONES = {
    "example.test": "\n".join(
        [
            "@ MX 10 mx1",
            "@ MX 20 MX2.example.test.",
            '@ TXT "v=spf1 " "include:_spf.example.test -all"',
            "mx1 A 192.0.2.1",
            "mx2 AAAA 2001:db8::2",
            "alias CNAME mx1",
            "nomail MX 0 .",
            'empty TXT "hello"',
            BIG_TXT,
            # c1 -> c9 is 8 CNAME links (the limit), c0 -> c9 is 9.
            *(f"c{i} CNAME c{i + 1}" for i in range(9)),
            "c9 A 192.0.2.9",
            "loop1 CNAME loop2",
            "loop2 CNAME loop1",
            "self CNAME self",
        ]
    )
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.53", Nameserver("192.0.2.53", 53)),
        ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
        ("2001:db8::1", Nameserver("2001:db8::1", 53)),
        ("[2001:db8::1]:5300", Nameserver("2001:db8::1", 5300)),
    ],
    ids=["ipv4", "ipv4-port", "ipv6", "ipv6-port"],
)
def test_parse_nameserver_accepts(text: str, expected: Nameserver) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize(
    "text",
    ["dns.google", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:", "[2001:db8::1", "", "1.2.3"],
    ids=["hostname", "port-0", "port-too-big", "empty-port", "unclosed-bracket", "empty", "short"],
)
def test_parse_nameserver_rejects(text: str) -> None:
    with pytest.raises(DnsSetupError, match="nameserver"):
        parse_nameserver(text)


def run(resolver: DnsResolver, *questions: tuple[str, str]) -> list[Answer]:
    async def ask() -> list[Answer]:
        return list(await asyncio.gather(*(resolver.lookup(n, t) for n, t in questions)))

    return asyncio.run(ask())


@pytest.mark.nsd
def test_found_records_are_normalised(nsd_server: StartNsd) -> None:
    server = nsd_server(ZONES)
    resolver = DnsResolver([server.nameserver])
    mx, txt, a, aaaa, null_mx = run(
        resolver,
        ("Example.Test.", "MX"),
        ("example.test", "TXT"),
        ("mx1.example.test", "A"),
        ("mx2.example.test", "AAAA"),
        ("nomail.example.test", "MX"),
    )
    assert mx == Answer(
        "example.test", "MX", Status.FOUND, ("10 mx1.example.test", "20 mx2.example.test"), 300
    )
    assert txt.records == ("v=spf1 include:_spf.example.test -all",)
    assert a.records == ("192.0.2.1",)
    assert aaaa.records == ("2001:db8::2",)
    assert null_mx.records == ("0 ",)  # RFC 7505 null MX
    assert resolver.stats.queries == 5


@pytest.mark.nsd
def test_cname_is_followed(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver])
    a, cname = run(resolver, ("alias.example.test", "A"), ("alias.example.test", "CNAME"))
    assert a.found and a.records == ("192.0.2.1",)
    assert cname.records == ("mx1.example.test",)


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("name", "rdtype", "reason"),
    [
        ("nowhere.example.test", "MX", "nxdomain"),
        ("mx1.example.test", "MX", "nodata"),
        ("empty.example.test", "A", "nodata"),
    ],
    ids=["nxdomain", "nodata-mx", "nodata-a"],
)
def test_absent_carries_the_negative_ttl(
    nsd_server: StartNsd, name: str, rdtype: str, reason: str
) -> None:
    (answer,) = run(DnsResolver([nsd_server(ZONES).nameserver]), (name, rdtype))
    assert answer == Answer(name, rdtype, Status.ABSENT, (), NEGATIVE_TTL, reason)


@pytest.mark.nsd
def test_truncated_answer_is_fetched_over_tcp(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver])
    (answer,) = run(resolver, ("big.example.test", "TXT"))
    assert answer.found and len(answer.records) == 12
    assert all(r.startswith("v=spf1 ip4:192.0.2.") for r in answer.records)
    assert resolver.stats.tcp == 1
    assert resolver.stats.queries == 2  # UDP (truncated) then TCP


@pytest.mark.nsd
def test_identical_lookups_in_flight_share_one_query(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver])
    answers = run(resolver, *[("example.test", "MX")] * 20)
    assert len({a.records for a in answers}) == 1
    assert resolver.stats.queries == 1
    assert resolver.stats.shared == 19


@pytest.mark.nsd
def test_zone_not_served_is_refused_and_unknown(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver], retries=0)
    (answer,) = run(resolver, ("example.org", "MX"))
    assert (answer.status, answer.reason) == (Status.UNKNOWN, "refused")


@pytest.mark.nsd
def test_next_nameserver_is_tried_after_a_timeout(
    nsd_server: StartNsd, silent_nameserver: str
) -> None:
    resolver = DnsResolver([silent_nameserver, nsd_server(ZONES).nameserver], timeout=0.3)
    (answer,) = run(resolver, ("example.test", "MX"))
    assert answer.found
    assert resolver.stats.queries == 2


def test_silent_server_gives_unknown_timeout(silent_nameserver: str) -> None:
    resolver = DnsResolver([silent_nameserver], timeout=0.2, retries=1)
    (answer,) = run(resolver, ("example.test", "MX"))
    assert answer == Answer("example.test", "MX", Status.UNKNOWN, (), 0, "timeout")
    assert resolver.stats.queries == 2  # one try and one retry
    assert resolver.stats.unknown == 1


@pytest.mark.parametrize(
    ("fixture", "reason"), [("servfail_nameserver", "servfail"), ("refused_nameserver", "refused")]
)
def test_error_rcodes_give_unknown(
    request: pytest.FixtureRequest, fixture: str, reason: str
) -> None:
    resolver = DnsResolver([request.getfixturevalue(fixture)], timeout=1, retries=0)
    (answer,) = run(resolver, ("example.test", "TXT"))
    assert (answer.status, answer.reason, answer.records) == (Status.UNKNOWN, reason, ())


def test_unencodable_name_is_unknown_without_a_query(silent_nameserver: str) -> None:
    resolver = DnsResolver([silent_nameserver], timeout=0.2)
    (answer,) = run(resolver, ("a" * 64 + ".example.test", "MX"))
    assert (answer.status, answer.reason) == (Status.UNKNOWN, "error")
    assert resolver.stats.queries == 0


@pytest.mark.parametrize(
    "kwargs", [{"concurrency": 0}, {"timeout": 0}], ids=["concurrency-0", "timeout-0"]
)
def test_bad_settings_raise_setup_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(DnsSetupError):
        DnsResolver(["127.0.0.1"], **kwargs)  # type: ignore[arg-type]


def test_default_nameservers_come_from_the_system() -> None:
    resolver = DnsResolver()
    assert resolver.nameservers and all(isinstance(ns, Nameserver) for ns in resolver.nameservers)


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "alias.example.test",
            Answer("alias.example.test", "CNAME", Status.FOUND, ("mx1.example.test",), 300),
        ),
        ("mx1.example.test", Answer("mx1.example.test", "CNAME", Status.ABSENT, (), 300, "nodata")),
        (
            "gone.example.test",
            Answer("gone.example.test", "CNAME", Status.ABSENT, (), NEGATIVE_TTL, "nxdomain"),
        ),
    ],
    ids=["alias", "not-an-alias", "nxdomain"],
)
def test_cname_answer_is_learnt_from_the_address_query(
    nsd_server: StartNsd, name: str, expected: Answer
) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver])

    async def ask() -> Answer:
        await resolver.lookup(name, "A")
        return await resolver.lookup(name, "CNAME")

    assert asyncio.run(ask()) == expected
    assert (resolver.stats.queries, resolver.stats.reused) == (1, 1)
    # ...and it agrees with what the server says when asked directly.
    (direct,) = run(DnsResolver([nsd_server(ZONES).nameserver]), (name, "CNAME"))
    assert (direct.status, direct.records, direct.reason) == (
        expected.status,
        expected.records,
        expected.reason,
    )


def test_concurrency_bounds_queries_in_flight() -> None:
    """A server that holds each query 50 ms never sees more than `concurrency` at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    lock = threading.Lock()
    outstanding = [0, 0]  # now, most seen
    stop = threading.Event()

    def answer(wire: bytes, peer: tuple[str, int]) -> None:
        response = dns.message.make_response(dns.message.from_wire(wire))
        response.set_rcode(dns.rcode.REFUSED)
        with lock:
            outstanding[0] -= 1
        sock.sendto(response.to_wire(), peer)

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            with lock:
                outstanding[0] += 1
                outstanding[1] = max(outstanding)
            threading.Timer(0.05, answer, (wire, peer)).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    resolver = DnsResolver([f"127.0.0.1:{sock.getsockname()[1]}"], retries=0, concurrency=2)
    answers = run(resolver, *[(f"n{i}.example.test", "MX") for i in range(8)])
    stop.set()
    thread.join()
    sock.close()
    assert [a.reason for a in answers] == ["refused"] * 8
    assert outstanding[1] == 2


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("name", "rdtype", "expected"),
    [
        ("c1.example.test", "A", Answer("c1.example.test", "A", Status.FOUND, ("192.0.2.9",), 300)),
        (
            "c0.example.test",
            "A",
            Answer("c0.example.test", "A", Status.UNKNOWN, (), 0, "cname-chain"),
        ),
        (
            "loop1.example.test",
            "A",
            Answer("loop1.example.test", "A", Status.UNKNOWN, (), 0, "cname-loop"),
        ),
        (
            "self.example.test",
            "MX",
            Answer("self.example.test", "MX", Status.UNKNOWN, (), 0, "cname-loop"),
        ),
    ],
    ids=["8-links", "9-links", "loop", "self-loop"],
)
def test_cname_loops_and_chains_over_8_links_are_unknown(
    nsd_server: StartNsd, tmp_path: Path, name: str, rdtype: str, expected: Answer
) -> None:
    # Regression: a loop (or a long chain) was read as NODATA, and the domain undeliverable.
    with AnswerCache(tmp_path / "dns.sqlite3") as cache:
        resolver = DnsResolver([nsd_server(ZONES).nameserver], cache=cache)
        (answer,) = run(resolver, (name, rdtype))
        assert answer == expected
        assert (cache.get(name, rdtype) is None) == expected.unknown


def message(question: str, rdtype: str, *records: str, rcode: int = 0) -> bytes:
    """A response to `question`: answer-section `records` as "owner ttl type rdata" lines, and
    "authority:" before a line to put it in the authority section instead."""
    response = dns.message.make_response(dns.message.make_query(question, rdtype))
    response.set_rcode(dns.rcode.Rcode(rcode))
    for line in records:
        section = response.answer
        if line.startswith("authority:"):
            section, line = response.authority, line.removeprefix("authority:")
        owner, ttl, kind, rdata = line.split(maxsplit=3)
        section.append(dns.rrset.from_text(owner, int(ttl), "IN", kind, rdata))
    return response.to_wire()


def answer_of(wire: bytes, name: str, rdtype: str) -> Answer:
    rcode, answers, authority = read_response(wire)
    return to_answers(name, rdtype, answers, authority, rcode)[0]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            ["example.com. 300 MX 10 mx.example.com.", "evil.example. 300 MX 10 mx.evil.example."],
            Answer("example.com", "MX", Status.FOUND, ("10 mx.example.com",), 300),
        ),
        (
            ["evil.example. 300 MX 10 mx.evil.example."],
            Answer("example.com", "MX", Status.UNKNOWN, (), 0, "mismatch"),
        ),
        (
            ["www.example.com. 300 MX 10 mx.evil.example."],
            Answer("example.com", "MX", Status.UNKNOWN, (), 0, "mismatch"),
        ),
    ],
    ids=["other-owner-beside", "other-owner-only", "subdomain-owner"],
)
def test_records_owned_by_another_name_are_ignored(records: list[str], expected: Answer) -> None:
    assert answer_of(message("example.com", "MX", *records), "example.com", "MX") == expected


def test_records_outside_the_cname_chain_are_ignored() -> None:
    wire = message(
        "www.example.com",
        "A",
        "www.example.com. 300 CNAME cdn.example.net.",
        "cdn.example.net. 60 A 192.0.2.7",
        "evil.example. 300 A 203.0.113.66",
        "cdn.example.org. 300 A 203.0.113.67",
    )
    assert answer_of(wire, "www.example.com", "A") == Answer(
        "www.example.com", "A", Status.FOUND, ("192.0.2.7",), 60
    )


@pytest.fixture
def scripted() -> Iterator[list[ScriptedServer]]:
    servers: list[ScriptedServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_records_for_another_name_are_never_cached(
    scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    def respond(query: dns.message.Message) -> dns.message.Message:
        wire = message(
            query.question[0].name.to_text(),
            "MX",
            "example.com. 300 MX 10 mx.example.com.",
            "evil.example. 300 MX 10 mx.evil.example.",
            "mx.example.com. 300 A 203.0.113.66",
        )
        response = dns.message.from_wire(wire)
        response.id = query.id
        return response

    scripted.append(server := ScriptedServer(respond))
    with AnswerCache(tmp_path / "dns.sqlite3") as cache:
        resolver = DnsResolver([server.nameserver], cache=cache, timeout=1)
        (mx,) = run(resolver, ("example.com", "MX"))
        cache.flush()
        assert mx.records == ("10 mx.example.com",)
        cached = cache.get("example.com", "MX")
        assert cached is not None and cached.records == ("10 mx.example.com",)
        assert cache.get("evil.example", "MX") is None
        assert cache.get("mx.example.com", "A") is None


@pytest.mark.nsd
def test_control_check_goes_first_and_once(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server(ZONES).nameserver], control_zone=CONTROL_ZONE)
    run(resolver, ("example.test", "MX"), ("example.test", "TXT"))
    run(resolver, ("mx1.example.test", "A"))  # a second event loop: no second check
    assert resolver.stats.queries == 2 + 3  # SOA + random name, then the three questions


def test_failed_control_check_raises_from_every_lookup(dead_nameserver: str) -> None:
    resolver = DnsResolver([dead_nameserver], timeout=0.2, control_zone=CONTROL_ZONE)
    with pytest.raises(ResolverUnusableError, match=r"\(SOA b2bmail-control\.test: timeout\)"):
        run(resolver, *[(f"d{i}.example.test", "MX") for i in range(50)])
    assert resolver.stats.queries == 4  # two questions, each tried twice; no domain asked


def test_cached_answers_need_no_control_check(dead_nameserver: str, tmp_path: Path) -> None:
    with AnswerCache(tmp_path / "dns.sqlite3") as cache:
        cache.put(Answer("example.test", "MX", Status.FOUND, ("10 mx.example.test",), 300))
        settings = ResolverSettings(
            nameservers=(dead_nameserver,), timeout=0.2, cache_path=str(cache.path)
        )
    resolver = settings.open()
    try:
        assert resolver.control_zone == "."
        (mx,) = run(resolver, ("example.test", "MX"))
    finally:
        resolver.close()
    assert mx.found and resolver.stats.queries == 0


@pytest.mark.parametrize("zone", ["a..example", "x" * 64])
def test_bad_control_zone_is_a_setup_error(zone: str) -> None:
    with pytest.raises(DnsSetupError, match="invalid control zone"):
        DnsResolver(["127.0.0.1"], control_zone=zone)


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("bad", "seen", "timeouts"),
    [
        ("dead_nameserver", f"SOA {CONTROL_ZONE}: timeout", 4),
        ("lying_nameserver", f"SOA {CONTROL_ZONE}: nxdomain", 0),
        ("rewriting_nameserver", "a name that cannot exist: 198.51.100.7", 0),
    ],
    ids=["dead", "nxdomain-for-everything", "rewrites-nxdomain"],
)
def test_a_failing_nameserver_is_dropped_with_a_warning(
    nsd_server: StartNsd, request: pytest.FixtureRequest, bad: str, seen: str, timeouts: int
) -> None:
    # The failing server comes first: without the check, it gets every first question.
    bad_server, good = request.getfixturevalue(bad), nsd_server(ZONES).nameserver
    resolver = DnsResolver([bad_server, good], timeout=0.3, control_zone=CONTROL_ZONE)
    with pytest.warns(ResolverWarning) as warned:
        answers = run(resolver, *[("example.test", "MX"), ("mx1.example.test", "A")] * 3)
    (warning,) = warned
    assert str(warning.message).startswith(f"the DNS resolver at {bad_server} gives no usable")
    assert seen in str(warning.message) and str(warning.message).endswith(f"asking only {good}")
    assert [a.status for a in answers] == [Status.FOUND] * 6
    assert resolver.nameservers == [parse_nameserver(good)]
    assert resolver.stats.timeouts == timeouts  # the check's two questions, tried twice each


def test_every_nameserver_failing_is_one_error(dead_nameserver: str, lying_nameserver: str) -> None:
    resolver = DnsResolver(
        [dead_nameserver, lying_nameserver], timeout=0.3, control_zone=CONTROL_ZONE
    )
    started = time.monotonic()
    with pytest.raises(ResolverUnusableError) as raised:
        run(resolver, ("example.test", "MX"))
    assert time.monotonic() - started < 2 * 0.3 + 0.5  # both checked at once: two timeouts
    assert raised.value.message == (
        f"the DNS resolver at {dead_nameserver}, {lying_nameserver} gives no usable answers:"
        f" offline, or it rewrites answers ({dead_nameserver}: SOA {CONTROL_ZONE}: timeout;"
        f" {lying_nameserver}: SOA {CONTROL_ZONE}: nxdomain)"
    )
