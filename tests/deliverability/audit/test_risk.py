"""The risk model: a table of domains (StaticResolver) and the level, score and codes they get."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

import pytest
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.audit.risk import (
    assess_recipient,
    load_risk_model,
    reaches,
)
from b2bmail.deliverability.audit.run import audit_domain
from b2bmail.errors import ConfigError

Table = dict[tuple[str, str], Iterable[str] | str]
D = "acme.test"


def zone(
    mx: Iterable[str] | str,
    txt: Iterable[str] | str = (),
    dmarc: Iterable[str] | str = (),
    hosts: Mapping[str, Iterable[str] | str] | None = None,
    address: tuple[Iterable[str] | str, Iterable[str] | str] | None = None,
) -> Table:
    """A StaticResolver table for acme.test; MX hosts get A (default: a public address), CNAME none."""
    table: Table = {(D, "MX"): mx, (D, "TXT"): txt, (f"_dmarc.{D}", "TXT"): dmarc}
    if isinstance(mx, list):
        for record in mx:
            host = record.split(" ", 1)[1]
            if host:
                table[(host, "A")] = (hosts or {}).get(host, ["52.101.0.1"])
                table[(host, "CNAME")] = []
    if address is not None:
        table[(D, "A")], table[(D, "AAAA")] = address
    return table


M365 = ["0 acme-test.mail.protection.outlook.com"]
PROOFPOINT = ["10 mx0a-1.pphosted.com", "10 mx0b-1.pphosted.com"]

CASES: list[tuple[str, Table, str, int, list[str]]] = [
    (
        "nxdomain",
        zone("nxdomain", "nxdomain", "nxdomain"),
        "undeliverable",
        100,
        ["domain-nxdomain"],
    ),
    ("null-mx", zone(["0 "]), "undeliverable", 100, ["null-mx"]),
    ("no-mx-no-address", zone([], address=([], [])), "undeliverable", 100, ["no-mail-host"]),
    (
        "no-mx-spf-reject-all",
        zone([], ["v=spf1 -all"], address=(["93.184.216.34"], [])),
        "undeliverable",
        100,
        ["no-mx-spf-reject-all"],
    ),
    ("no-mx-fallback", zone([], address=(["93.184.216.34"], [])), "medium", 20, ["no-mx-fallback"]),
    (
        "m365",
        zone(M365, ["v=spf1 include:spf.protection.outlook.com -all"]),
        "low",
        10,
        ["microsoft365"],
    ),
    ("google", zone(["1 smtp.google.com"]), "low", 5, ["google-workspace"]),
    ("mimecast", zone(["10 eu-smtp-inbound-1.mimecast.com"]), "medium", 30, ["secure-gateway"]),
    # The recipient's own DMARC policy governs mail from it, not what it receives (RFC 7489
    # §6.3): p=reject, p=quarantine and p=none score the same, nothing.
    (
        "proofpoint-over-m365-dmarc-reject",
        zone(
            PROOFPOINT, ["v=spf1 include:spf.protection.outlook.com -all"], ["v=DMARC1; p=reject"]
        ),
        "high",
        45,
        ["secure-gateway", "gateway-and-microsoft365"],
    ),
    ("self-hosted", zone(["10 mail.acme.test"]), "medium", 25, ["self-hosted"]),
    (
        "self-hosted-dmarc-quarantine",
        zone(["10 mail.acme.test"], (), ["v=DMARC1; p=quarantine; rua=mailto:d@acme.test"]),
        "medium",
        25,
        ["self-hosted"],
    ),
    ("m365-dmarc-reject", zone(M365, (), ["v=DMARC1; p=REJECT"]), "low", 10, ["microsoft365"]),
    ("m365-dmarc-none", zone(M365, (), ["v=DMARC1; p=none"]), "low", 10, ["microsoft365"]),
    (
        "one-host-private",
        # the primary is private, the backup takes the mail (hosts after it are never asked)
        zone(["10 mail.acme.test", "20 backup.acme.test"], hosts={"mail.acme.test": ["10.0.0.5"]}),
        "medium",
        35,
        ["self-hosted", "mx-host-unusable"],
    ),
    ("mx-timeout", zone("timeout", [], []), "unknown", 0, ["dns-unknown"]),
    ("txt-servfail", zone(M365, "servfail", []), "unknown", 10, ["microsoft365", "dns-unknown"]),
    (
        "nxdomain-beats-unknown",
        zone("nxdomain", "timeout", "timeout"),
        "undeliverable",
        100,
        ["domain-nxdomain", "dns-unknown"],
    ),
]


@pytest.mark.parametrize(
    ("table", "level", "score", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_domain_risk(table: Table, level: str, score: int, codes: list[str]) -> None:
    risk = asyncio.run(audit_domain(StaticResolver(table), D))
    assert (risk.level, risk.score, [r.code for r in risk.reasons]) == (level, score, codes)
    assert all(r.message.endswith(".") and "?" not in r.message for r in risk.reasons)


def test_reasons_read_as_sentences() -> None:
    table = zone(PROOFPOINT, ["v=spf1 include:spf.protection.outlook.com -all"])
    risk = asyncio.run(audit_domain(StaticResolver(table), D))
    assert risk.provider == "Proofpoint in front of Microsoft 365"
    assert [r.message for r in risk.reasons] == [
        "acme.test sits behind Proofpoint, a secure email gateway that filters bulk mail harder"
        " (quarantine, URL rewriting, sandboxing).",
        "acme.test is filtered twice: Proofpoint in front, then Microsoft 365 (Exchange Online"
        " Protection) behind it.",
    ]


@pytest.mark.parametrize(
    ("flags", "level", "score", "codes"),
    [
        ({}, "low", 10, ["microsoft365"]),
        ({"is_role": True}, "medium", 30, ["microsoft365", "role-address"]),
        ({"is_free": True}, "medium", 40, ["microsoft365", "free-mail"]),
        ({"is_disposable": True}, "high", 70, ["microsoft365", "disposable"]),
    ],
    ids=["plain", "role", "free", "disposable"],
)
def test_address_factors_add_to_the_domain(
    flags: dict[str, bool], level: str, score: int, codes: list[str]
) -> None:
    domain = asyncio.run(audit_domain(StaticResolver(zone(M365)), D))
    risk = assess_recipient(
        "info@acme.test",
        domain,
        is_free=flags.get("is_free", False),
        is_disposable=flags.get("is_disposable", False),
        is_role=flags.get("is_role", False),
    )
    assert (risk.level, risk.score, [r.code for r in risk.reasons]) == (level, score, codes)


def test_disposable_has_a_minimum_level_of_high() -> None:
    domain = asyncio.run(audit_domain(StaticResolver(zone(["1 smtp.google.com"])), D))
    assert assess_recipient("x@acme.test", domain, is_disposable=True).level == "high"


def test_address_factors_never_lift_unknown() -> None:
    domain = asyncio.run(audit_domain(StaticResolver(zone("timeout", [], [])), D))
    assert assess_recipient("x@acme.test", domain, is_free=True).level == "unknown"


@pytest.mark.parametrize(
    ("level", "threshold", "expected"),
    [
        ("low", "undeliverable", False),
        ("undeliverable", "undeliverable", True),
        ("high", "medium", True),
        ("medium", "high", False),
        ("unknown", "high", False),
        ("unknown", "low", False),
        ("unknown", "unknown", True),
        ("undeliverable", "unknown", True),
        ("high", "unknown", False),
    ],
)
def test_reaches(level: str, threshold: str, expected: bool) -> None:
    assert reaches(level, threshold) is expected


def test_every_factor_the_code_uses_is_in_the_model() -> None:
    model = load_risk_model()
    used = {c for case in CASES for c in case[4]} | {"free-mail", "disposable", "role-address"}
    used |= {"mx-cname", "mx-ip-literal", "mx-null-mixed"}
    assert used <= set(model.factors)
    assert set(model.factors) - used == set()


def test_the_retired_dmarc_factor_is_gone_and_documented() -> None:
    # strict-dmarc scored the recipient's own DMARC policy; retired, its code is not reused.
    assert "strict-dmarc" not in load_risk_model().factors
    packaged = resources.files("b2bmail.data").joinpath("deliverability_risk.yaml")
    assert "#   strict-dmarc — " in packaged.read_text(encoding="utf-8")


def test_malformed_model_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "risk.yaml"
    path.write_text("thresholds: {medium: 20, high: 45}\nfactors:\n  x: {weight: 1}\n")
    with pytest.raises(ConfigError, match="malformed risk model"):
        load_risk_model(path)


def test_risk_model_is_read_by_the_checked_yaml_loader(tmp_path: Path) -> None:
    # Regression: yaml.safe_load let a ConstructorError escape as a traceback.
    path = tmp_path / "risk.yaml"
    path.write_text("thresholds: {medium: 20, high: 45}\nfactors: !foo {}\n")
    with pytest.raises(ConfigError) as info:
        load_risk_model(path)
    assert (info.value.path, info.value.line) == (str(path), 2)
    assert "unknown YAML tag '!foo'" in str(info.value)
