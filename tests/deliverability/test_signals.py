"""What the audit reads from a recipient domain's SPF and DMARC records."""

from __future__ import annotations

import pytest

from b2bmail.deliverability.signals import AuthSignals, read_auth_signals


@pytest.mark.parametrize(
    ("txt", "dmarc", "expected"),
    [
        ([], [], AuthSignals()),
        (
            ["MS=ms123", "v=spf1 include:spf.protection.outlook.com ~all"],
            ["v=DMARC1; p=reject"],
            AuthSignals(
                "v=spf1 include:spf.protection.outlook.com ~all",
                ("spf.protection.outlook.com",),
                False,
                "reject",
            ),
        ),
        (["v=spf1 -all"], [], AuthSignals("v=spf1 -all", (), True, None)),
        (["v=spf1 a -all"], [], AuthSignals("v=spf1 a -all", (), False, None)),
        (
            ["v=spf1 -all exp=explain.example"],
            [],
            AuthSignals("v=spf1 -all exp=explain.example", (), True, None),
        ),
        (
            ["v=spf1 redirect=_spf.example"],
            [],
            AuthSignals("v=spf1 redirect=_spf.example", ("_spf.example",), False, None),
        ),
        (["v=spf1 -all", "v=spf1 ~all"], [], AuthSignals()),
        (["v=spf10 -all"], [], AuthSignals()),
        ([], ["v=DMARC1; p=quarantine", "v=DMARC1; p=none"], AuthSignals()),
        ([], ["v=DMARC1; p=bogus"], AuthSignals()),
        ([], ["p=reject; v=DMARC1"], AuthSignals()),
        ([], ["v=DMARC1; p=none; rua=mailto:d@example.com"], AuthSignals(dmarc_policy="none")),
    ],
    ids=[
        "nothing",
        "m365-include-reject",
        "reject-all",
        "a-then-all",
        "reject-all-with-exp",
        "redirect",
        "two-spf-records",
        "not-spf1",
        "two-dmarc-records",
        "bad-policy",
        "version-not-first",
        "none",
    ],
)
def test_read_auth_signals(txt: list[str], dmarc: list[str], expected: AuthSignals) -> None:
    assert read_auth_signals(txt, dmarc) == expected
