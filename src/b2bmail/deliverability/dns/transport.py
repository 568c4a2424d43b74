"""UDP for many DNS queries at once: a few shared sockets per nameserver, answers matched by id.

Opening a socket per query (what `dns.asyncquery.udp` does) costs more than the query itself
when thousands are in flight. A `UdpChannel` is one connected, non-blocking UDP socket to a
nameserver, kept for the life of an event loop (the resolver keeps a few per nameserver); a
reader task hands each datagram to the query waiting for its transaction id, after checking that it is a response (QR set) to the same
question (RFC 5452 §9.1: match id, question and source — the connected socket guarantees the
source). Ids are random (`secrets`); a datagram that matches nothing is dropped.

No dns.* here: queries are built as bytes (RFC 1035 §4.1) and answers returned as bytes for
`resolver.py` to parse. `asyncio.run` cancels the reader task at the end of the run, which
closes the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import struct
from dataclasses import dataclass

CLASS_IN = 1
FLAG_RD = 0x0100
TYPE_OPT = 41
RECEIVE_BUFFER = 1 << 20


@dataclass(frozen=True)
class WireQuery:
    """A query's bytes without its id (filled in per send), and its question section."""

    tail: bytes  # flags, counts, question and OPT record: everything after the id
    question: bytes


def build_query(name: str, qtype: int, payload: int) -> WireQuery:
    """RFC 1035 §4.1 query with RD set and an EDNS(0) OPT record (RFC 6891) of `payload` bytes.

    Raises ValueError for a name that cannot be encoded (non-ASCII, empty or long labels).
    """
    labels = name.rstrip(".").encode("ascii").split(b".") if name.strip(".") else []
    if any(not 0 < len(label) < 64 for label in labels):
        raise ValueError(f"cannot encode {name!r}")
    qname = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    if len(qname) > 255:
        raise ValueError(f"name too long: {name!r}")
    question = qname + struct.pack("!HH", qtype, CLASS_IN)
    header = struct.pack("!HHHHH", FLAG_RD, 1, 0, 0, 1)
    opt = b"\0" + struct.pack("!HHIH", TYPE_OPT, payload, 0, 0)
    return WireQuery(header + question + opt, question)


def _expire(future: asyncio.Future[bytes]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class UdpChannel:
    """One UDP socket to one nameserver, shared by every query in flight to it."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._sock.setblocking(False)
        with contextlib.suppress(OSError):  # the kernel caps it at net.core.rmem_max
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self._sock.connect((host, port))
        self._pending: dict[int, tuple[asyncio.Future[bytes], bytes]] = {}
        self._loop = asyncio.get_running_loop()
        self._reader = self._loop.create_task(self._read())

    async def ask(self, query: WireQuery, timeout: float) -> bytes:
        """Send `query` and return the matching response's bytes; TimeoutError or OSError."""
        qid = secrets.randbits(16)
        while qid in self._pending:
            qid = secrets.randbits(16)
        future: asyncio.Future[bytes] = self._loop.create_future()
        self._pending[qid] = (future, query.question.lower())
        # A timer rather than asyncio.wait_for: no extra task per query (thousands in flight).
        timer = self._loop.call_later(timeout, _expire, future)
        try:
            await self._loop.sock_sendall(self._sock, qid.to_bytes(2, "big") + query.tail)
            return await future
        finally:
            timer.cancel()
            self._pending.pop(qid, None)

    async def _read(self) -> None:
        try:
            while True:
                try:
                    data = await self._loop.sock_recv(self._sock, 65535)
                except OSError as exc:
                    # An ICMP error (port unreachable ...) says nothing about which query it
                    # answers: every query waiting on this server fails.
                    for future, _ in list(self._pending.values()):
                        if not future.done():
                            future.set_exception(exc)
                    continue
                self._dispatch(data)
        finally:
            self._sock.close()

    def _dispatch(self, data: bytes) -> None:
        if len(data) < 12 or not data[2] & 0x80:  # too short, or not a response (QR clear)
            return
        entry = self._pending.get(int.from_bytes(data[:2], "big"))
        if entry is None:
            return
        future, question = entry
        if data[12 : 12 + len(question)].lower() == question and not future.done():
            future.set_result(data)

    def close(self) -> None:
        self._reader.cancel()
