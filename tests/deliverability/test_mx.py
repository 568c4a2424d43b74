"""MX analysis over answers from a table (StaticResolver raises on any unexpected question)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

import pytest

from b2bmail.deliverability.answers import StaticResolver, Status
from b2bmail.deliverability.mx import MxAnalysis, MxFinding, MxHost, collect_mx, is_public_address

Table = Mapping[tuple[str, str], Iterable[str] | str]


def analyse(table: Table, domain: str = "acme.test") -> tuple[MxAnalysis, StaticResolver]:
    resolver = StaticResolver(table)
    return asyncio.run(collect_mx(resolver, domain)), resolver


def test_mx_hosts_with_public_addresses() -> None:
    result, resolver = analyse(
        {
            ("acme.test", "MX"): ["20 mx2.acme.test", "10 mx1.acme.test"],
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
            MxHost("mx2.acme.test", 20, Status.FOUND, ("2a00:1450:4001::1",)),
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


def test_hosts_are_bounded_to_the_most_preferred() -> None:
    table: dict[tuple[str, str], Iterable[str] | str] = {
        ("acme.test", "MX"): [f"{i} mx{i}.acme.test" for i in range(1, 9)]
    }
    for i in range(1, 6):
        table[(f"mx{i}.acme.test", "A")] = ["8.8.8.8"]
        table[(f"mx{i}.acme.test", "CNAME")] = []
    result, _ = analyse(table)  # StaticResolver would raise if mx6..mx8 were asked
    assert result.host_names == tuple(f"mx{i}.acme.test" for i in range(1, 6))


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
