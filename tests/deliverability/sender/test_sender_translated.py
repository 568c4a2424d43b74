"""`check-sender` in the reader's language (issue 18): the text report, the checklist titles
and reasons in French or Dutch; statuses, keys and finding codes stay as they are."""

from __future__ import annotations

import asyncio

from tests.deliverability.fakes import StaticResolver
from tests.deliverability.sender.test_sender import good_table, statuses

from b2bmail import i18n
from b2bmail.deliverability.sender.check import SenderReport, check_sender
from b2bmail.deliverability.sender.report import format_text


def _run(language: str, ips: tuple[str, ...] = ("192.0.2.25",)) -> tuple[SenderReport, str]:
    selectors = ("s1",) if ips else ()
    with i18n.using(language):
        report = asyncio.run(
            check_sender(StaticResolver(good_table()), "Example.com", ips, selectors)
        )
        return report, format_text(report)


def test_text_report_in_french() -> None:
    report, text = _run("fr")
    lines = text.splitlines()
    assert lines[0] == "Authentification de l'expéditeur pour example.com"
    assert "DKIM s1._domainkey.example.com: rsa 2048 bits" in lines
    assert (
        "[ PASS] Enregistrement SPF valide, en 10 requêtes au plus, et positif (pass) pour"
        " chaque IP d'envoi"
    ) in " ".join(text.split())
    assert (
        "Liste de contrôle des expéditeurs en masse (Gmail, Yahoo 2024 ; Microsoft 2025) :" in lines
    )
    assert (
        "info : le fichier de politique (https://mta-sts.<domain>/.well-known/mta-sts.txt)"
        " n'est pas téléchargé ; seul l'enregistrement TXT est vérifié (RFC 8461 §3.2)."
        " [mta-sts-policy-not-fetched]"
    ) in " ".join(text.split())
    assert statuses(report)["spf"] == "pass"
    assert report.checklist[0].key == "spf"


def test_skipped_items_say_what_to_give_in_dutch() -> None:
    report, _text = _run("nl", ips=())
    assert statuses(report)["ptr"] == "skipped"
    reasons = {item.key: item.reason for item in report.checklist}
    assert (
        reasons["spf"]
        == "record geldig (1/10 opvragingen); geef --ip mee om verzendende IP's te evalueren"
    )
    assert reasons["ptr"] == "geef --ip mee om reverse DNS te controleren"
