"""MX analysis over answers from a table (StaticResolver raises on any unexpected question),
and over NSD on loopback for the lazy walk through many MX hosts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

import pytest
from tests.deliverability.fakes import StaticResolver
from tests.deliverability.nsd import StartNsd

from b2bmail.deliverability.audit.mx import (
    MAX_MX_HOSTS,
    MxAnalysis,
    MxFinding,
    MxHost,
    collect_mx,
    is_public_address,
)
from b2bmail.deliverability.audit.risk import DomainRisk
from b2bmail.deliverability.audit.run import audit_domain
from b2bmail.deliverability.dns.answers import Status
from b2bmail.deliverability.dns.resolver import DnsResolver

Table = Mapping[tuple[str, str], Iterable[str] | str]


def analyse(table: Table, domain: str = "acme.test") -> tuple[MxAnalysis, StaticResolver]:
    resolver = StaticResolver(table)
    return asyncio.run(collect_mx(resolver, domain)), resolver


def test_mx_hosts_with_public_addresses() -> None:
    result, resolver = analyse(
        {
            # equal preference: both hosts are resolved though mx1 is usable (RFC 5321 §5.1)
            ("acme.test", "MX"): ["10 mx2.acme.test", "10 mx1.acme.test"],
            ("mx1.acme.test", "A"): ["203.0.113.10", "8.8.8.8"],
            ("mx1.acme.test", "CNAME"): [],
            ("mx2.acme.test", "A"): [],
            ("mx2.acme.test", "CNAME"): [],
            ("mx2.acme.test", "AAAA"): ["2a00:1450:4001::1"],
        }
    )
    assert result == MxAnalysis(
        "acme.test",
        "mx",
        (
            MxHost("mx1.acme.test", 10, Status.FOUND, ("203.0.113.10", "8.8.8.8")),
            MxHost("mx2.acme.test", 10, Status.FOUND, ("2a00:1450:4001::1",)),
        ),
        findings=(
            MxFinding(
                "mx-host-private", "mx1.acme.test", "MX host has non-public addresses: 203.0.113.10"
            ),
        ),
    )
    assert ("mx1.acme.test", "AAAA") not in resolver.queries  # IPv4 answered: no AAAA asked


@pytest.mark.parametrize(
    ("table", "outcome"),
    [
        ({("acme.test", "MX"): "nxdomain"}, "nxdomain"),
        ({("acme.test", "MX"): ["0 "]}, "null-mx"),
        ({("acme.test", "MX"): "timeout"}, "unknown"),
        ({("acme.test", "MX"): "servfail"}, "unknown"),
        (
            {("acme.test", "MX"): [], ("acme.test", "A"): ["8.8.4.4"], ("acme.test", "AAAA"): []},
            "fallback",
        ),
        (
            {("acme.test", "MX"): [], ("acme.test", "A"): [], ("acme.test", "AAAA"): []},
            "no-mail-host",
        ),
        (
            {("acme.test", "MX"): [], ("acme.test", "A"): "timeout", ("acme.test", "AAAA"): []},
            "unknown",
        ),
        (
            {("acme.test", "MX"): [], ("acme.test", "A"): ["10.0.0.1"], ("acme.test", "AAAA"): []},
            "no-mail-host",
        ),
        (
            {
                ("acme.test", "MX"): ["10 gone.acme.test"],
                ("gone.acme.test", "A"): "nxdomain",
                ("gone.acme.test", "CNAME"): "nxdomain",
            },
            "no-mail-host",
        ),
        (
            {
                ("acme.test", "MX"): ["10 slow.acme.test"],
                ("slow.acme.test", "A"): "timeout",
                ("slow.acme.test", "CNAME"): "timeout",
                ("slow.acme.test", "AAAA"): "timeout",
            },
            "unknown",
        ),
        (
            {
                ("acme.test", "MX"): ["10 lo.acme.test"],
                ("lo.acme.test", "A"): ["127.0.0.1"],
                ("lo.acme.test", "CNAME"): [],
            },
            "no-mail-host",
        ),
        ({("acme.test", "MX"): ["10 192.0.2.1"]}, "no-mail-host"),
    ],
    ids=[
        "nxdomain",
        "null-mx",
        "mx-timeout",
        "mx-servfail",
        "no-mx-a-fallback",
        "no-mx-no-address",
        "no-mx-a-timeout",
        "no-mx-private-address",
        "host-nxdomain",
        "host-timeout",
        "host-loopback",
        "ip-literal-only",
    ],
)
def test_outcomes(table: Table, outcome: str) -> None:
    assert analyse(table)[0].outcome == outcome


def test_cname_target_and_mixed_null_mx_are_flagged() -> None:
    result, _ = analyse(
        {
            ("acme.test", "MX"): ["0 ", "10 alias.acme.test"],
            ("alias.acme.test", "A"): ["8.8.8.8"],
            ("alias.acme.test", "CNAME"): ["real.hoster.example"],
        }
    )
    assert result.outcome == "mx"
    assert [f.code for f in result.findings] == ["mx-null-mixed", "mx-cname"]
    assert result.hosts[0].cname == "real.hoster.example"


def dead_hosts_then(usable: int, listed: int) -> dict[tuple[str, str], Iterable[str] | str]:
    """`listed` MX hosts mx1..mxN at preferences 1..N; all dead but mx<usable> (0: none)."""
    table: dict[tuple[str, str], Iterable[str] | str] = {
        ("acme.test", "MX"): [f"{i} mx{i}.acme.test" for i in range(1, listed + 1)]
    }
    for i in range(1, listed + 1):
        if i == usable:
            table[(f"mx{i}.acme.test", "A")] = ["8.8.8.8"]
            table[(f"mx{i}.acme.test", "CNAME")] = []
            break
        table[(f"mx{i}.acme.test", "A")] = "nxdomain"
        table[(f"mx{i}.acme.test", "CNAME")] = "nxdomain"
    return table


def test_resolving_stops_at_the_first_usable_host() -> None:
    # mx2..mx8 are not in the table: StaticResolver raises if one of them is asked.
    result, resolver = analyse(dead_hosts_then(usable=1, listed=8))
    assert result.outcome == "mx"
    assert resolver.queries == [
        ("acme.test", "MX"),
        ("mx1.acme.test", "A"),
        ("mx1.acme.test", "CNAME"),
    ]
    assert [h.host for h in result.hosts] == ["mx1.acme.test"]
    # The names of the hosts not asked about still count for the provider guess.
    assert result.host_names == tuple(f"mx{i}.acme.test" for i in range(1, 9))


def test_the_sixth_host_makes_the_domain_deliverable() -> None:
    result, resolver = analyse(dead_hosts_then(usable=6, listed=8))
    assert result.outcome == "mx"
    asked = [name for name, rdtype in resolver.queries if rdtype == "A"]
    assert asked == [f"mx{i}.acme.test" for i in range(1, 7)]  # in order of preference
    assert [f.code for f in result.findings] == ["mx-host-no-address"] * 5


def test_hosts_of_equal_preference_are_asked_together() -> None:
    # RFC 5321 §5.1: equal preference, equal standing; both are asked though `a` is usable.
    result, resolver = analyse(
        {
            ("acme.test", "MX"): ["10 b.acme.test", "10 a.acme.test", "20 c.acme.test"],
            ("a.acme.test", "A"): ["8.8.8.8"],
            ("a.acme.test", "CNAME"): [],
            ("b.acme.test", "A"): ["10.0.0.2"],
            ("b.acme.test", "CNAME"): [],
        }
    )
    assert result.outcome == "mx"
    assert [h.host for h in result.hosts] == ["a.acme.test", "b.acme.test"]
    assert ("c.acme.test", "A") not in resolver.queries


def test_a_host_listed_twice_is_asked_once() -> None:
    result, resolver = analyse(
        {
            ("acme.test", "MX"): ["10 x.acme.test", "20 x.acme.test", "30 y.acme.test"],
            ("x.acme.test", "A"): "nxdomain",
            ("x.acme.test", "CNAME"): "nxdomain",
            ("y.acme.test", "A"): ["8.8.8.8"],
            ("y.acme.test", "CNAME"): [],
        }
    )
    assert result.outcome == "mx"
    assert resolver.queries.count(("x.acme.test", "A")) == 1


def test_twenty_hosts_are_resolved_at_most() -> None:
    assert MAX_MX_HOSTS == 20  # the bound docs/manual/audit.md documents
    # At the bound: the 20th host is usable and is asked.
    result, _ = analyse(dead_hosts_then(usable=20, listed=25))
    assert result.outcome == "mx"
    # One past it: the 21st is never asked (StaticResolver would raise), so nothing says the
    # domain cannot take mail: the outcome is unknown with the reason, not no-mail-host.
    result, resolver = analyse(dead_hosts_then(usable=21, listed=25))
    assert ("mx21.acme.test", "A") not in resolver.queries
    assert result.outcome == "unknown"
    assert result.unknown == (
        "MX acme.test: none of the 20 most preferred hosts is usable and 5 more were not "
        "resolved (at most 20 are)",
    )
    assert len(result.host_names) == 25
    # A timeout among the hosts asked does not hide that others were left unasked.
    table = dead_hosts_then(usable=21, listed=25)
    table[("mx1.acme.test", "A")] = "timeout"
    table[("mx1.acme.test", "AAAA")] = "timeout"
    result, _ = analyse(table)
    assert result.outcome == "unknown"
    assert result.unknown[0] == "A mx1.acme.test: timeout"
    assert result.unknown[-1].endswith("5 more were not resolved (at most 20 are)")


# Six MX hosts, five of them dead in five ways, and 25 where only hosts past the bound work.
MX_ZONES = {
    "six.test": """
@ MX 10 mx1
@ MX 20 mx2
@ MX 30 mx3
@ MX 40 mx4
@ MX 50 mx5
@ MX 60 mx6
mx2 A 10.0.0.2
mx3 A 127.0.0.1
mx4 TXT "no address here"
mx5 A 0.0.0.0
mx6 A 8.8.8.8
""",
    "bound.test": "\n".join(
        [f"@ MX {i} mx{i}" for i in range(1, 26)]
        + [f"twenty MX {i} t{i}" for i in range(1, 21)]
        + ["t20 A 8.8.8.8"]
        + [f"mx{i} A 8.8.4.{i}" for i in range(21, 26)]
    ),
}


def audit_over_nsd(nsd_server: StartNsd, domain: str) -> DomainRisk:
    resolver = DnsResolver([nsd_server(MX_ZONES).nameserver], cache=None)
    try:
        return asyncio.run(audit_domain(resolver, domain))
    finally:
        resolver.close()


def test_five_dead_hosts_and_a_sixth_that_works_over_nsd(nsd_server: StartNsd) -> None:
    risk = audit_over_nsd(nsd_server, "six.test")
    assert (risk.mx.outcome, risk.level) == ("mx", "medium")
    assert [c for c in (a.code for a in risk.applied)] == ["self-hosted", "mx-host-unusable"]


@pytest.mark.parametrize(
    ("domain", "outcome", "level"),
    [("twenty.bound.test", "mx", "medium"), ("bound.test", "unknown", "unknown")],
    ids=["usable-20th-of-20", "usable-21st-of-25"],
)
def test_mx_bound_over_nsd(nsd_server: StartNsd, domain: str, outcome: str, level: str) -> None:
    risk = audit_over_nsd(nsd_server, domain)
    assert (risk.mx.outcome, risk.level) == (outcome, level)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("127.0.0.1", False),
        ("169.254.1.1", False),
        ("0.0.0.0", False),
        ("240.0.0.1", False),
        ("2a00:1450:4001::1", True),
        ("::1", False),
        ("fd00::1", False),
        ("not-an-ip", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public
