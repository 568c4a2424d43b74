"""Fixtures for DNS integration tests: NSD on loopback and nameservers that misbehave.

    def test_x(nsd_server):
        server = nsd_server({"example.test": "@ MX 10 mx\\nmx A 192.0.2.1"})
        resolver = DnsResolver([server.nameserver], cache=None)

`nsd_server` is session-scoped: the same zones ask for the same running server, so tests that
share zones share one NSD process. Without `nsd` the tests that use it skip with a visible
reason — or fail when B2BMAIL_REQUIRE_NSD=1 (CI).
"""

from __future__ import annotations

from collections.abc import Iterator

import dns.message
import dns.rcode
import dns.rrset
import pytest
from tests.deliverability.nsd import (
    CONTROL_ZONE,
    NsdProcess,
    NsdServer,
    RcodeServer,
    ScriptedServer,
    SilentServer,
    StartNsd,
    answer_control,
    nsd_binary,
    nsd_required,
)

from b2bmail.cli.options import CONTROL_ZONE_ENV


def require_nsd() -> None:
    """Skip (locally) or fail (CI, B2BMAIL_REQUIRE_NSD=1) when nsd is not installed."""
    if nsd_binary() is None:
        message = "nsd is not installed (apt-get install nsd); DNS integration tests need it"
        if nsd_required():
            pytest.fail(f"B2BMAIL_REQUIRE_NSD=1 but {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def _nsd_pool() -> Iterator[dict[tuple[tuple[str, str], ...], tuple[NsdProcess, NsdServer]]]:
    pool: dict[tuple[tuple[str, str], ...], tuple[NsdProcess, NsdServer]] = {}
    yield pool
    for process, _ in pool.values():
        process.stop()


@pytest.fixture
def nsd_server(
    _nsd_pool: dict[tuple[tuple[str, str], ...], tuple[NsdProcess, NsdServer]],
) -> StartNsd:
    """Factory: `nsd_server(zones) -> NsdServer(host, port)`; zones = {origin: zone text}."""
    require_nsd()

    def start(zones: dict[str, str]) -> NsdServer:
        key = tuple(sorted(zones.items()))
        if key not in _nsd_pool:
            process = NsdProcess(zones)
            _nsd_pool[key] = (process, process.start())
        return _nsd_pool[key][1]

    return start


@pytest.fixture(autouse=True)
def control_zone_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """Commands check their resolver with `CONTROL_ZONE`, which every test server serves
    (NSD has no root zone). Autouse here; modules elsewhere import it by name."""
    monkeypatch.setenv(CONTROL_ZONE_ENV, CONTROL_ZONE)
    return CONTROL_ZONE


@pytest.fixture(scope="session")
def silent_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that passes the resolver check and never answers
    anything else: every question about a domain times out."""
    server = ScriptedServer(answer_control)
    yield server.nameserver
    server.stop()


@pytest.fixture(scope="session")
def dead_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that never answers at all (UDP or TCP)."""
    server = SilentServer()
    yield server.nameserver
    server.stop()


def _nxdomain(query: dns.message.Message) -> dns.message.Message:
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    return response


def _rewrite(query: dns.message.Message) -> dns.message.Message:
    # An NXDOMAIN-rewriting resolver: real names answer, names that do not exist get an address.
    control = answer_control(query)
    if control is not None and not control.answer:
        response = dns.message.make_response(query)
        name = query.question[0].name
        response.answer.append(dns.rrset.from_text(name, 60, "IN", "A", "198.51.100.7"))
        return response
    return control or _nxdomain(query)


@pytest.fixture(scope="session")
def lying_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that answers NXDOMAIN to everything."""
    server = ScriptedServer(_nxdomain)
    yield server.nameserver
    server.stop()


@pytest.fixture(scope="session")
def rewriting_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that turns NXDOMAIN into an address (198.51.100.7)."""
    server = ScriptedServer(_rewrite)
    yield server.nameserver
    server.stop()


@pytest.fixture(scope="session")
def servfail_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that answers SERVFAIL to everything."""
    server = RcodeServer(dns.rcode.SERVFAIL)
    yield server.nameserver
    server.stop()


@pytest.fixture(scope="session")
def refused_nameserver() -> Iterator[str]:
    """`IP:PORT` of a loopback server that answers REFUSED to everything."""
    server = RcodeServer(dns.rcode.REFUSED)
    yield server.nameserver
    server.stop()
