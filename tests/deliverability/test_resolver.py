"""DnsResolver against a real NSD on loopback, and against servers that time out or fail."""

from __future__ import annotations

import asyncio
import socket
import threading

import dns.message
import dns.rcode
import pytest
from tests.deliverability.nsd import NEGATIVE_TTL, StartNsd

from b2bmail.deliverability.answers import Answer, Status
from b2bmail.deliverability.resolver import DnsResolver, Nameserver, parse_nameserver
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
