"""What the audit reads from a recipient domain's SPF record and DMARC discovery."""

from __future__ import annotations

import pytest

from b2bmail.deliverability.audit.auth import AuthSignals, read_auth_signals
from b2bmail.deliverability.records.dmarc import DmarcDiscovery, parse_dmarc


def found(text: str, record_domain: str = "acme.example") -> DmarcDiscovery:
    return DmarcDiscovery("acme.example", "found", "acme.example", record_domain, parse_dmarc(text))


@pytest.mark.parametrize(
    ("txt", "expected"),
    [
        ([], AuthSignals()),
        (
            ["MS=ms123", "v=spf1 include:spf.protection.outlook.com ~all"],
            AuthSignals(
                "v=spf1 include:spf.protection.outlook.com ~all", ("spf.protection.outlook.com",)
            ),
        ),
        (["v=spf1 -all"], AuthSignals("v=spf1 -all", (), True)),
        (["v=spf1 a -all"], AuthSignals("v=spf1 a -all", (), False)),
        (["v=spf1 -all exp=why.example"], AuthSignals("v=spf1 -all exp=why.example", (), True)),
        (
            ["v=spf1 redirect=_spf.example"],
            AuthSignals("v=spf1 redirect=_spf.example", ("_spf.example",)),
        ),
        (["v=spf1 -all", "v=spf1 ~all"], AuthSignals()),
        (["v=spf10 -all"], AuthSignals()),
    ],
    ids=[
        "nothing",
        "m365-include",
        "reject-all",
        "a-then-all",
        "reject-all-with-exp",
        "redirect",
        "two-records",
        "not-spf1",
    ],
)
def test_spf_signals(txt: list[str], expected: AuthSignals) -> None:
    assert read_auth_signals(txt) == expected


@pytest.mark.parametrize(
    ("discovery", "policy"),
    [
        (found("v=DMARC1; p=reject"), "reject"),
        (found("v=DMARC1; p=none; rua=mailto:d@acme.example"), "none"),
        (found("v=DMARC1; p=bogus"), None),
        (found("v=DMARC1; p=reject; sp=quarantine", record_domain="example"), "quarantine"),
        (DmarcDiscovery("acme.example", "absent", "acme.example"), None),
        (DmarcDiscovery("acme.example", "unknown", "acme.example", problem="timeout"), None),
    ],
    ids=["reject", "none", "bad-policy", "inherited-sp", "absent", "unknown"],
)
def test_dmarc_policy(discovery: DmarcDiscovery, policy: str | None) -> None:
    assert read_auth_signals([], discovery).dmarc_policy == policy
