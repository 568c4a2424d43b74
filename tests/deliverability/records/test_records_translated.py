"""DNS record findings in the reader's language (issue 18): the sentence is translated, the
code and the severity are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from b2bmail import i18n
from b2bmail.deliverability.records.dkim import parse_dkim_key
from b2bmail.deliverability.records.dmarc import parse_dmarc
from b2bmail.deliverability.records.finding import Finding
from b2bmail.deliverability.records.spf import parse_spf

FR_DMARC = [
    (
        "dmarc-no-rua",
        "info",
        "pas de rua= : vous ne recevrez aucun rapport agrégé (RFC 7489 §7.2).",
    ),
    (
        "dmarc-monitoring-only",
        "info",
        "p=none ne fait que surveiller : le courrier en échec n'est ni mis en quarantaine"
        " ni rejeté (RFC 7489 §6.3).",
    ),
]
NL_SPF = [
    ("spf-bad-cidr", "error", "'ip4:192.0.2.0/33': prefix /33 is langer dan 32 (RFC 7208 §5.6)."),
    (
        "spf-ptr-discouraged",
        "warning",
        "het mechanisme 'ptr' ZOU NIET gebruikt moeten worden: het is traag en onbetrouwbaar"
        " (RFC 7208 §5.5).",
    ),
    (
        "spf-pass-all",
        "warning",
        "'+all' staat elke host op internet toe om namens dit domein te verzenden (RFC 7208 §5.1).",
    ),
]
FR_DKIM = [("dkim-key-revoked", "error", "p= est vide : la clé est révoquée (RFC 6376 §3.6.1).")]


@pytest.mark.parametrize(
    ("language", "parse", "text", "expected"),
    [
        ("fr", parse_dmarc, "v=DMARC1; p=none", FR_DMARC),
        ("nl", parse_spf, "v=spf1 ptr ip4:192.0.2.0/33 +all", NL_SPF),
        ("fr", parse_dkim_key, "v=DKIM1; p=", FR_DKIM),
    ],
    ids=["dmarc-fr", "spf-nl", "dkim-fr"],
)
def test_findings_in_french_and_dutch(
    language: str,
    parse: Callable[[str], object],
    text: str,
    expected: list[tuple[str, str, str]],
) -> None:
    with i18n.using(language):
        findings: tuple[Finding, ...] = parse(text).findings  # type: ignore[attr-defined]
    assert [(f.code, f.severity, f.message) for f in findings] == expected
