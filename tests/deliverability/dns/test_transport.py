"""The shared-socket UDP transport: query bytes, and answers that must match the question."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import dns.message
import dns.rdatatype
import pytest

from b2bmail.deliverability.dns.answers import Status
from b2bmail.deliverability.dns.resolver import DnsResolver
from b2bmail.deliverability.dns.transport import build_query


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [("example.com", "MX"), ("_dmarc.Example.COM.", "TXT"), ("a.b.c.d.example", "AAAA")],
)
def test_query_bytes_match_dnspython(name: str, rdtype: str) -> None:
    query = build_query(name, dns.rdatatype.from_text(rdtype), 1232)
    reference = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    reference.id = 0
    assert b"\0\0" + query.tail == reference.to_wire()


@pytest.mark.parametrize("name", ["a..example", "x" * 64 + ".example", "é.example", "a." * 128])
def test_unencodable_names_raise(name: str) -> None:
    with pytest.raises(ValueError):
        build_query(name, 1, 1232)


@pytest.fixture
def lying_server() -> Iterator[str]:
    """Answers every query with the right id but a different question (a spoofing attempt)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            query = dns.message.from_wire(wire)
            fake = dns.message.make_response(dns.message.make_query("evil.example", "MX"))
            fake.id = query.id
            sock.sendto(fake.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    sock.close()


def test_answer_to_another_question_is_ignored(lying_server: str) -> None:
    resolver = DnsResolver([lying_server], timeout=0.3, retries=0)
    answer = asyncio.run(resolver.lookup("example.com", "MX"))
    assert (answer.status, answer.reason) == (Status.UNKNOWN, "timeout")
