"""Real DNS servers on loopback for tests and benchmarks: NSD, plus two misbehaving ones.

- `NsdProcess.start(zones)` writes zone files and an nsd.conf into a folder, starts Debian's
  `nsd -d` on a free 127.0.0.1 port, waits until it answers and returns an `NsdServer`.
  `zones` maps a zone origin ("example.test") to its records in zone-file syntax; an SOA
  (negative TTL `NEGATIVE_TTL`) and an NS record are added when the text has no SOA; the
  zone `CONTROL_ZONE` is always served too (the resolver check, see below).
- `SilentServer`: binds UDP and TCP on loopback and never answers (timeouts): a dead resolver.
- `ScriptedServer`: answers every UDP query with a function's message (canned or lying answers);
  `RcodeServer`: one of them, answering every query with one rcode (SERVFAIL, REFUSED ...).

No pytest at import time, so `benchmarks/audit.py` can use it too; the fixtures are in
conftest.py (`nsd_server`, `silent_nameserver`, `servfail_nameserver`, `refused_nameserver`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset

NSD_ENV = "B2BMAIL_REQUIRE_NSD"
NEGATIVE_TTL = 60
DEFAULT_TTL = 300
# Every server here (NSD included) serves this zone, so `audit` and `check-sender` pass their
# resolver check with `--control-zone CONTROL_ZONE` (or $B2BMAIL_CONTROL_ZONE, which the test
# fixtures set): NSD is authoritative for the test zones only, not the root.
CONTROL_ZONE = "b2bmail-control.test"
CONTROL_SOA = f"ns.{CONTROL_ZONE}. hostmaster.{CONTROL_ZONE}. 1 3600 600 86400 {NEGATIVE_TTL}"


def nsd_binary() -> str | None:
    """Path of the `nsd` executable, or None when it is not installed."""
    return shutil.which("nsd") or next(
        (p for p in ("/usr/sbin/nsd", "/usr/local/sbin/nsd") if os.access(p, os.X_OK)), None
    )


def nsd_required() -> bool:
    """True when a missing nsd must fail the run (CI sets B2BMAIL_REQUIRE_NSD=1)."""
    return os.environ.get(NSD_ENV) == "1"


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on `host` (bound once to make sure, then released)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free UDP+TCP port on loopback")


def zone_file(origin: str, body: str) -> str:
    """Zone-file text for `origin`: `body`, preceded by $ORIGIN/$TTL and an SOA when missing."""
    origin = origin.rstrip(".").lower()
    head = [f"$ORIGIN {origin}.", f"$TTL {DEFAULT_TTL}"]
    if " SOA " not in body.upper():
        head += [
            f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 {NEGATIVE_TTL}",
            f"@ IN NS ns.{origin}.",
        ]
    return "\n".join([*head, body.strip(), ""])


def read_zone_files(*paths: str | Path) -> dict[str, str]:
    """Zones from files: `NAME.zone` holds zone NAME, unless `$ZONE origin` lines split it."""
    zones: dict[str, str] = {}
    for path in map(Path, paths):
        origin, lines = path.stem, list[str]()
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("$ZONE "):
                if any(x.strip() and not x.startswith(";") for x in lines):
                    zones[origin] = "\n".join(lines)
                origin, lines = line.split()[1], []
            else:
                lines.append(line)
        if any(x.strip() and not x.startswith(";") for x in lines):
            zones[origin] = "\n".join(lines)
    return zones


ZONES_DIR = Path(__file__).parent / "zones"


@dataclass(frozen=True)
class NsdServer:
    """A running authoritative server: where to send queries."""

    host: str
    port: int

    @property
    def nameserver(self) -> str:
        """`IP:PORT`, as `--nameserver` and `DnsResolver(nameservers=...)` take it."""
        return f"{self.host}:{self.port}"


StartNsd = Callable[[dict[str, str]], NsdServer]
"""The type of the `nsd_server` fixture: zones in, running server out."""


class NsdError(RuntimeError):
    """NSD did not start; the message carries its log."""


class NsdProcess:
    """One `nsd -d` child serving the zones it was given, until `stop()`."""

    def __init__(self, zones: Mapping[str, str], workdir: Path | None = None) -> None:
        binary = nsd_binary()
        if binary is None:
            raise NsdError("nsd is not installed (Debian package `nsd`)")
        self._binary = binary
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="b2bmail-nsd-"))
        self.zones = {CONTROL_ZONE: f"@ IN SOA {CONTROL_SOA}\n@ IN NS ns", **zones}
        self.host = "127.0.0.1"
        self.port = free_port(self.host)
        self._proc: subprocess.Popen[bytes] | None = None

    def _write_config(self) -> Path:
        wd = self.workdir
        wd.mkdir(parents=True, exist_ok=True)
        lines = [
            "server:",
            f"  ip-address: {self.host}",
            f"  port: {self.port}",
            "  do-ip6: no",
            '  username: ""',  # running as root in CI: do not try to drop privileges
            '  chroot: ""',
            f'  zonesdir: "{wd}"',
            f'  pidfile: "{wd}/nsd.pid"',
            '  database: ""',
            f'  xfrdfile: "{wd}/xfrd.state"',
            f'  zonelistfile: "{wd}/zone.list"',
            f'  logfile: "{wd}/nsd.log"',
            "  server-count: 1",
            "  verbosity: 1",
            "  hide-version: yes",
            "  round-robin: no",
            "  minimal-responses: yes",  # like most recursive resolvers: no NS/glue padding
            # Debian builds NSD with response rate limiting (200/s per client netblock): off,
            # or bursts of answers from loopback are dropped and tests or benchmarks time out.
            "  rrl-ratelimit: 0",
            "  rrl-whitelist-ratelimit: 0",
            "remote-control:",
            "  control-enable: no",
        ]
        for index, (origin, body) in enumerate(sorted(self.zones.items())):
            name = origin.rstrip(".").lower()
            filename = f"zone{index}.zone"
            (wd / filename).write_text(zone_file(name, body), encoding="utf-8")
            lines += ["zone:", f"  name: {name}", f"  zonefile: {filename}"]
        conf = wd / "nsd.conf"
        conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return conf

    def start(self, wait: float = 15.0) -> NsdServer:
        conf = self._write_config()
        self._proc = subprocess.Popen(
            [self._binary, "-d", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        probe_zone = next(iter(sorted(self.zones)), ".")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise NsdError(f"nsd exited with {self._proc.returncode}:\n{self.log()}")
            query = dns.message.make_query(probe_zone, "SOA")
            try:
                dns.query.udp(query, self.host, port=self.port, timeout=0.2)
            except (OSError, dns.exception.Timeout):
                time.sleep(0.05)
                continue
            return NsdServer(self.host, self.port)
        self.stop()
        raise NsdError(f"nsd did not answer within {wait} s:\n{self.log()}")

    def log(self) -> str:
        path = self.workdir / "nsd.log"
        return path.read_text(errors="replace") if path.exists() else "(no log)"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class SilentServer:
    """Binds UDP and TCP on loopback and never answers: every query times out."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port(host)
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((host, self.port))
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.bind((host, self.port))
        self._tcp.listen(64)  # the kernel accepts connections; nobody ever reads them

    @property
    def nameserver(self) -> str:
        return f"{self.host}:{self.port}"

    def stop(self) -> None:
        self._udp.close()
        self._tcp.close()


Respond = Callable[[dns.message.Message], dns.message.Message | None]


def answer_control(query: dns.message.Message) -> dns.message.Message | None:
    """What a working resolver says to the control check of `CONTROL_ZONE` (its SOA; NXDOMAIN
    under it, with the SOA), or None for any other question."""
    question = query.question[0]
    zone = dns.name.from_text(CONTROL_ZONE)
    if not question.name.is_subdomain(zone):
        return None
    response = dns.message.make_response(query)
    soa = dns.rrset.from_text(zone, NEGATIVE_TTL, "IN", "SOA", CONTROL_SOA)
    if question.name == zone and question.rdtype == dns.rdatatype.SOA:
        response.answer.append(soa)
    else:
        response.set_rcode(dns.rcode.NXDOMAIN)
        response.authority.append(soa)
    return response


class ScriptedServer:
    """Answers every UDP query with `respond(query)` (canned, wrong or lying DNS messages);
    a query it returns None for is never answered."""

    def __init__(self, respond: Respond, host: str = "127.0.0.1") -> None:
        self.host = host
        self.respond = respond
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self.port = int(self._sock.getsockname()[1])
        self.queries = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def nameserver(self) -> str:
        return f"{self.host}:{self.port}"

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                wire, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            self.queries += 1
            response = self.respond(query)
            if response is None:
                continue
            try:
                self._sock.sendto(response.to_wire(), peer)
            except OSError:
                return

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._sock.close()


class RcodeServer(ScriptedServer):
    """Answers every UDP query with the same rcode (e.g. SERVFAIL, REFUSED) and no records —
    but the control check like a working resolver (`answer_control`), so that a command gets
    past it and meets the rcode on the questions it asks about domains."""

    def __init__(self, rcode: dns.rcode.Rcode, host: str = "127.0.0.1") -> None:
        self.rcode = rcode
        super().__init__(self._answer, host)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        control = answer_control(query)
        if control is not None:
            return control
        response = dns.message.make_response(query)
        response.set_rcode(self.rcode)
        return response


def serve(paths: list[str]) -> None:
    """`python -m tests.deliverability.nsd [ZONE FILES]`: serve zones until Ctrl-C (for demos)."""
    files = paths or sorted(str(p) for p in ZONES_DIR.glob("*.zone"))
    process = NsdProcess(read_zone_files(*files))
    server = process.start()
    print(
        f"NSD serving {len(process.zones)} zones; use --nameserver {server.nameserver}"
        f" --control-zone {CONTROL_ZONE} --no-cache"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        process.stop()


if __name__ == "__main__":
    import sys

    serve(sys.argv[1:])
