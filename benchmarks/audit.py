"""Benchmark: audit N generated domains served by NSD on loopback, behind a delaying UDP relay.

    .venv/bin/python benchmarks/audit.py            # N = 5,000, 20 ms added per query
    .venv/bin/python benchmarks/audit.py --n 300    # a quick check

Prints, in one run: domains/second for the concurrent audit (through the relay that adds a fixed
delay to every query, standing in for the network); for a sequential baseline on a sample (one
domain after another, one query at a time, the way a loop over checkdmarc-style lookups works),
and the ratio; domains/second with no added delay (straight to NSD); and a second audit of the
same list answered from the cache, with the number of queries it sent (must be 0).
Targets (issue 5): 5,000 domains in under 30 s with the delay, >= 30x the sequential baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import sys
import tempfile
import time
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.deliverability.nsd (the NSD harness)

from tests.deliverability.nsd import NsdProcess, free_port, nsd_binary  # noqa: E402

from b2bmail.deliverability.audit.run import audit_domain, audit_domains  # noqa: E402
from b2bmail.deliverability.dns.cache import AnswerCache  # noqa: E402
from b2bmail.deliverability.dns.resolver import DnsResolver  # noqa: E402

ZONE = "bench.example"
RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def generate_zones(n: int) -> tuple[list[str], dict[str, str]]:
    """N domains in five shapes: Microsoft 365, Google, Proofpoint + M365, self-hosted, no MX."""
    domains, lines = [], []
    outlook, pphosted = [], []
    for i in range(n):
        label = f"d{i:05d}"
        domains.append(f"{label}.{ZONE}")
        shape = i % 5
        if shape == 0:
            tenant = f"{label}-bench-example"
            lines.append(f"{label} MX 0 {tenant}.mail.protection.outlook.com.")
            lines.append(f'{label} TXT "v=spf1 include:spf.protection.outlook.com -all"')
            outlook.append(f"{tenant} A 52.101.{i // 250 % 250}.{i % 250 + 1}")
        elif shape == 1:
            lines.append(f"{label} MX 1 smtp.google.com.")
            lines.append(f'{label} TXT "v=spf1 include:_spf.google.com ~all"')
            lines.append(f'_dmarc.{label} TXT "v=DMARC1; p=none"')
        elif shape == 2:
            lines.append(f"{label} MX 10 mx0a-{label}.pphosted.com.")
            lines.append(f"{label} MX 10 mx0b-{label}.pphosted.com.")
            lines.append(f'{label} TXT "v=spf1 include:spf.protection.outlook.com -all"')
            lines.append(f'_dmarc.{label} TXT "v=DMARC1; p=reject"')
            pphosted.append(f"mx0a-{label} A 67.231.149.{i % 250 + 1}")
            pphosted.append(f"mx0b-{label} A 67.231.157.{i % 250 + 1}")
        elif shape == 3:
            lines.append(f"{label} MX 10 mail.{label}")
            lines.append(f"mail.{label} A 81.2.{i // 250 % 250}.{i % 250 + 1}")
            lines.append(f'_dmarc.{label} TXT "v=DMARC1; p=quarantine"')
        else:
            lines.append(f"{label} A 93.184.{i // 250 % 250}.{i % 250 + 1}")
    zones = {
        ZONE: "\n".join(lines),
        "mail.protection.outlook.com": "\n".join(outlook) or "@ TXT x",
        "pphosted.com": "\n".join(pphosted) or "@ TXT x",
        "google.com": "smtp A 142.250.153.26",
    }
    return domains, zones


class DelayRelay(asyncio.DatagramProtocol):
    """Forwards each UDP query to NSD after `delay` seconds and relays the answer back.

    Transaction ids are rewritten to the relay's own counter so concurrent queries from many
    sockets never collide on the single upstream socket.
    """

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream_addr = upstream
        self.delay = delay
        self.pending: dict[int, tuple[bytes, tuple[str, int]]] = {}
        self.next_id = 0
        self.transport: asyncio.DatagramTransport | None = None
        self.upstream: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12:
            return
        self.next_id = (self.next_id + 1) & 0xFFFF
        relay_id = self.next_id
        self.pending[relay_id] = (data[:2], addr)
        wire = relay_id.to_bytes(2, "big") + data[2:]
        loop = asyncio.get_running_loop()
        if self.delay:
            loop.call_later(self.delay, self._forward, wire)
        else:
            self._forward(wire)

    def _forward(self, wire: bytes) -> None:
        assert self.upstream is not None
        self.upstream.sendto(wire, self.upstream_addr)

    def answer(self, data: bytes) -> None:
        found = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if found is not None and self.transport is not None:
            original_id, addr = found
            self.transport.sendto(original_id + data[2:], addr)


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, relay: DelayRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.relay.answer(data)


def _udp_socket(address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for option in (RCVBUFFORCE, socket.SO_RCVBUF):  # FORCE passes rmem_max when run as root
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, 8 << 20)
            break
        except OSError:
            continue
    sock.bind(address)
    return sock


async def serve_relay(upstream: tuple[str, int], port: int, delay: float, ready: Event) -> None:
    loop = asyncio.get_running_loop()
    relay = DelayRelay(upstream, delay)
    await loop.create_datagram_endpoint(lambda: relay, sock=_udp_socket(("127.0.0.1", port)))
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Upstream(relay), sock=_udp_socket(("127.0.0.1", 0))
    )
    relay.upstream = transport
    ready.set()
    await asyncio.Event().wait()  # until the process is terminated


def _relay_main(upstream: tuple[str, int], port: int, delay: float, ready: Event) -> None:
    asyncio.run(serve_relay(upstream, port, delay, ready))


def start_relay(upstream: tuple[str, int], delay: float) -> tuple[multiprocessing.Process, str]:
    """The relay runs in its own process, as the network would: its work is not the audit's."""
    port = free_port()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(
        target=_relay_main, args=(upstream, port, delay, ready), daemon=True
    )
    process.start()
    if not ready.wait(10):
        process.terminate()
        raise RuntimeError("the UDP relay did not start")
    return process, f"127.0.0.1:{port}"


async def run(args: argparse.Namespace, nsd: str, domains: list[str], cache_path: Path) -> None:
    host, port = nsd.split(":")
    relay, relay_ns = start_relay((host, int(port)), args.delay_ms / 1000)
    try:
        await measure(args, nsd, relay_ns, domains, cache_path)
    finally:
        relay.terminate()
        relay.join()


async def measure(
    args: argparse.Namespace, nsd: str, relay_ns: str, domains: list[str], cache_path: Path
) -> None:
    n = len(domains)

    with AnswerCache(cache_path) as cache:
        resolver = DnsResolver(
            [relay_ns], concurrency=args.concurrency, timeout=args.timeout, cache=cache
        )
        start, cpu = time.perf_counter(), time.process_time()
        results = await audit_domains(resolver, domains)
        audit_s, audit_cpu = time.perf_counter() - start, time.process_time() - cpu
    unknown = sum(1 for r in results.values() if r.level == "unknown")
    audit_rate = n / audit_s
    print(
        f"audit, {args.delay_ms:g} ms added per query, concurrency {args.concurrency}: "
        f"{n} domains in {audit_s:.2f} s = {audit_rate:.0f} domains/s "
        f"({resolver.stats.queries} queries, {resolver.stats.timeouts} timed out, {unknown} unknown;"
        f" {audit_cpu:.2f} s of CPU in this process)"
    )

    sample = domains[: min(args.sample, n)]
    sequential = DnsResolver([relay_ns], concurrency=1, timeout=args.timeout)
    start = time.perf_counter()
    for domain in sample:
        await audit_domain(sequential, domain)
    seq_s = time.perf_counter() - start
    seq_rate = len(sample) / seq_s
    print(
        f"sequential baseline (one domain after another, one query at a time), {len(sample)} domains: "
        f"{seq_s:.2f} s = {seq_rate:.1f} domains/s ({sequential.stats.queries} queries)"
    )
    print(f"ratio audit / sequential: {audit_rate / seq_rate:.1f}x (target >= 30x)")

    direct = DnsResolver([nsd], concurrency=args.concurrency, timeout=args.timeout)
    start = time.perf_counter()
    await audit_domains(direct, domains)
    direct_s = time.perf_counter() - start
    print(
        f"audit, no added delay (straight to NSD): {n} domains in {direct_s:.2f} s "
        f"= {n / direct_s:.0f} domains/s ({direct.stats.queries} queries,"
        f" {direct.stats.timeouts} timed out)"
    )

    with AnswerCache(cache_path) as cache:
        cached = DnsResolver([relay_ns], concurrency=args.concurrency, cache=cache)
        start = time.perf_counter()
        again = await audit_domains(cached, domains)
        cached_s = time.perf_counter() - start
    same = all(again[d].level == results[d].level for d in domains)
    print(
        f"second audit from the cache: {n} domains in {cached_s:.2f} s = {n / cached_s:.0f} "
        f"domains/s, queries sent: {cached.stats.queries}, same levels: {same}"
    )
    target = "met" if audit_s < 30 and n >= 5000 else "n/a (N < 5000)" if n < 5000 else "MISSED"
    print(f"target 5,000 domains < 30 s with delay: {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="domains to generate (default 5000)")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added per query (ms)")
    parser.add_argument("--sample", type=int, default=100, help="domains in the sequential run")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=256,
        help="queries in flight (default 256, as the CLI's)",
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="per-query timeout (s)")
    args = parser.parse_args()
    if nsd_binary() is None:
        print("benchmark needs nsd (apt-get install nsd)", file=sys.stderr)
        return 2
    domains, zones = generate_zones(args.n)
    process = NsdProcess(zones)
    try:
        server = process.start(wait=60)
        print(
            f"NSD on {server.nameserver} serving {args.n} domains ({sum(z.count(chr(10)) + 1 for z in zones.values())} records)"
        )
        with tempfile.TemporaryDirectory(prefix="b2bmail-bench-") as tmp:
            asyncio.run(run(args, server.nameserver, domains, Path(tmp) / "dns.sqlite3"))
    finally:
        process.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
