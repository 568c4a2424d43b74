"""Audit reasons in the reader's language (issue 18): the packaged risk model's sentences are
in the library catalogue; the reason codes stay as they are."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.deliverability.audit.test_risk import PROOFPOINT, D, zone
from tests.deliverability.fakes import StaticResolver

from b2bmail import i18n
from b2bmail.deliverability.audit.risk import Applied, evaluate, load_risk_model
from b2bmail.deliverability.audit.run import audit_domain

SPF = ["v=spf1 include:spf.protection.outlook.com -all"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "acme.test est derrière Proofpoint, une passerelle de messagerie sécurisée qui"
                " filtre plus durement les envois en masse (quarantaine, réécriture d'URL, bac à"
                " sable).",
                "acme.test est filtré deux fois : Proofpoint en frontal, puis Microsoft 365"
                " (Exchange Online Protection) derrière.",
            ],
        ),
        (
            "nl",
            [
                "acme.test zit achter Proofpoint, een beveiligde e-mailgateway die bulkmail"
                " strenger filtert (quarantaine, herschrijven van URL's, sandboxing).",
                "acme.test wordt twee keer gefilterd: Proofpoint ervoor, daarna Microsoft 365"
                " (Exchange Online Protection) erachter.",
            ],
        ),
    ],
)
def test_reasons_in_french_and_dutch(language: str, expected: list[str]) -> None:
    with i18n.using(language):
        risk = asyncio.run(audit_domain(StaticResolver(zone(PROOFPOINT, SPF)), D))
    assert [r.message for r in risk.reasons] == expected
    assert [r.code for r in risk.reasons] == ["secure-gateway", "gateway-and-microsoft365"]


def test_an_unknown_domain_says_why_in_french() -> None:
    table = {(D, "MX"): "timeout", (D, "TXT"): [], (f"_dmarc.{D}", "TXT"): []}
    with i18n.using("fr"):
        risk = asyncio.run(audit_domain(StaticResolver(table), D))
    assert (risk.level, [r.code for r in risk.reasons]) == ("unknown", ["dns-unknown"])
    assert risk.reasons[0].message.startswith("Le DNS n'a pas pu répondre pour acme.test (")
    assert risk.reasons[0].message.endswith(") : le risque est inconnu, pas faible.")


def test_a_model_of_ones_own_is_shown_as_written(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(
        "thresholds: {medium: 30, high: 60}\n"
        "factors:\n"
        "  microsoft365: {scope: domain, weight: 10, message: 'Chez {domain} : Microsoft 365.'}\n",
        encoding="utf-8",
    )
    with i18n.using("nl"):
        _level, _score, reasons = evaluate(
            load_risk_model(path), [Applied("microsoft365", (("domain", D),))]
        )
    assert [r.message for r in reasons] == ["Chez acme.test : Microsoft 365."]
