"""audit_domains / audit_recipients over a table resolver, and the report formats."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from tests.deliverability.fakes import StaticResolver
from tests.deliverability.nsd import StartNsd

from b2bmail.deliverability.audit.report import format_csv, format_text, provider_label
from b2bmail.deliverability.audit.run import audit_domain, audit_domains, audit_recipients
from b2bmail.deliverability.dns.resolver import DnsResolver
from b2bmail.i18n import using

TABLE = {
    ("m365.example", "MX"): ["0 m365-example.mail.protection.outlook.com"],
    ("m365-example.mail.protection.outlook.com", "A"): ["52.101.68.1"],
    ("m365-example.mail.protection.outlook.com", "CNAME"): [],
    ("m365.example", "TXT"): [],
    ("_dmarc.m365.example", "TXT"): [],
    ("gone.example", "MX"): "nxdomain",
    ("gone.example", "TXT"): "nxdomain",
    ("_dmarc.gone.example", "TXT"): "nxdomain",
}


@dataclass(frozen=True)
class Row:
    row: int
    email: str


def test_each_domain_is_audited_once_with_progress() -> None:
    resolver = StaticResolver(TABLE)
    seen: list[tuple[int, int]] = []
    result = asyncio.run(
        audit_domains(
            resolver,
            ["M365.example", "gone.example", "m365.example."],
            progress=lambda d, t: seen.append((d, t)),
        )
    )
    assert {k: v.level for k, v in result.items()} == {
        "m365.example": "low",
        "gone.example": "undeliverable",
    }
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    assert resolver.queries.count(("m365.example", "MX")) == 1


def test_recipients_summary_and_invalid_bucket() -> None:
    report = asyncio.run(
        audit_recipients(
            [
                Row(2, "Ann@M365.example"),
                Row(3, "info@m365.example"),
                Row(4, "bob@gone.example"),
                Row(5, "nope"),
            ],
            StaticResolver(TABLE),
        )
    )
    assert [(r.row, r.risk.email, r.risk.level) for r in report.recipients] == [
        (2, "Ann@m365.example", "low"),
        (3, "info@m365.example", "medium"),
        (4, "bob@gone.example", "undeliverable"),
    ]
    assert [(i.row, i.email) for i in report.invalid] == [(5, "nope")]
    assert dict(report.by_level) == {
        "low": 1,
        "medium": 1,
        "high": 0,
        "undeliverable": 1,
        "unknown": 0,
    }
    assert dict(report.by_provider) == {"Microsoft 365": 2, "(domain does not exist)": 1}
    assert report.reaches("undeliverable")
    assert format_csv(report).splitlines() == [
        "row,email,domain,level,score,provider,reason_codes,reasons",
        "2,Ann@m365.example,m365.example,low,10,Microsoft 365,microsoft365,m365.example uses Microsoft 365: Exchange Online Protection filters it and Outlook renders it (Word engine on Windows).",
        '3,info@m365.example,m365.example,medium,30,Microsoft 365,microsoft365 role-address,"m365.example uses Microsoft 365: Exchange Online Protection filters it and Outlook renders it (Word engine on Windows). | info@m365.example is a role address (shared inbox): lower engagement, and often filtered or unread."',
        "4,bob@gone.example,gone.example,undeliverable,100,,domain-nxdomain,The domain gone.example does not exist (NXDOMAIN): mail to it bounces.",
        "5,nope,,invalid,,,invalid-address,An email address must have an @-sign.",
    ]


def test_text_summary() -> None:
    report = asyncio.run(audit_recipients([Row(2, "ann@m365.example")], StaticResolver(TABLE)))
    assert format_text(report, "list.csv") == (
        "list.csv: 1 recipient on 1 domain\n"
        "\n"
        "By level:\n"
        "  low                 1  100 %\n"
        "  medium              0    0 %\n"
        "  high                0    0 %\n"
        "  undeliverable       0    0 %\n"
        "  unknown             0    0 %\n"
        "\n"
        "By provider:\n"
        "  100 % of recipients sit behind Microsoft 365 (1)\n"
    )


def test_text_findings_fold_at_80_columns() -> None:
    rows = [Row(4, "bob@gone.example"), Row(5, "nope")]
    report = asyncio.run(audit_recipients(rows, StaticResolver(TABLE)))
    text = format_text(report, "list.csv")
    assert text.split("Undeliverable (1):\n")[1] == (
        "  row 4: bob@gone.example — The domain gone.example does not exist (NXDOMAIN):\n"
        "      mail to it bounces.\n"
        "\n"
        "Invalid addresses (1):\n"
        "  row 5: 'nope' — An email address must have an @-sign.\n"
    )
    assert max(len(line) for line in text.splitlines()) <= 80


def test_text_report_escapes_control_characters_from_dns() -> None:
    table = dict(TABLE)
    host = "mx\x1b[31m.esc.example"
    table[("esc.example", "MX")] = [f"10 {host}."]
    table[(host, "A")], table[(host, "CNAME")] = ["10.0.0.1"], []
    table[("esc.example", "TXT")] = table[("_dmarc.esc.example", "TXT")] = []
    report = asyncio.run(audit_recipients([Row(2, "ann@esc.example")], StaticResolver(table)))
    text = format_text(report, "list.csv")
    assert "\x1b" not in text and "\\x1b[31m" in text


@pytest.mark.nsd
def test_cname_loop_is_unknown_not_undeliverable(nsd_server: StartNsd) -> None:
    # Regression: the looping MX and address answers were read as NODATA: "no mail host".
    server = nsd_server({"example": "loop CNAME loop2\nloop2 CNAME loop"})
    resolver = DnsResolver([server.nameserver], timeout=1)
    risk = asyncio.run(audit_domain(resolver, "loop.example"))
    assert risk.level == "unknown"
    assert "MX loop.example: cname-loop" in risk.mx.unknown


# Issue 18: the text report in the reader's language (levels too); JSON and CSV keep the
# machine levels. Expected texts written here, not read from the catalogues.
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "list.csv : 1 destinataire sur 1 domaine\n"
            "\n"
            "Par niveau :\n"
            "  faible                 1  100 %\n"
            "  moyen                  0    0 %\n"
            "  élevé                  0    0 %\n"
            "  non distribuable       0    0 %\n"
            "  inconnu                0    0 %\n"
            "\n"
            "Par fournisseur :\n"
            "  100 % des destinataires passent par Microsoft 365 (1)\n",
        ),
        (
            "nl",
            "list.csv: 1 ontvanger op 1 domein\n"
            "\n"
            "Per niveau:\n"
            "  laag                1  100 %\n"
            "  gemiddeld           0    0 %\n"
            "  hoog                0    0 %\n"
            "  onbestelbaar        0    0 %\n"
            "  onbekend            0    0 %\n"
            "\n"
            "Per provider:\n"
            "  100 % van de ontvangers zit achter Microsoft 365 (1)\n",
        ),
    ],
)
def test_text_summary_in_each_language(language: str, expected: str) -> None:
    report = asyncio.run(audit_recipients([Row(2, "ann@m365.example")], StaticResolver(TABLE)))
    with using(language):
        assert format_text(report, "list.csv") == expected
        assert ",low," in format_csv(report)  # machine output keeps the level as it is


def test_text_titles_of_risky_levels_in_french() -> None:
    report = asyncio.run(audit_recipients([Row(2, "bob@gone.example")], StaticResolver(TABLE)))
    with using("fr"):
        text = format_text(report, "")
    assert text.startswith("1 destinataire sur 1 domaine\n")
    assert "\nNon distribuable (1) :\n  ligne 2 : bob@gone.example — " in text


def test_provider_names_b2bmail_composes_are_shown_in_french_and_stay_english_in_json() -> None:
    rows = [Row(2, "ann@m365.example"), Row(3, "bob@gone.example")]
    report = asyncio.run(audit_recipients(rows, StaticResolver(TABLE)))
    with using("fr"):
        text = format_text(report, "")
    assert "   50 % des destinataires passent par (domaine inexistant) (1)\n" in text
    assert dict(report.by_provider) == {"Microsoft 365": 1, "(domain does not exist)": 1}


@pytest.mark.parametrize(
    ("name", "french", "dutch"),
    [
        (
            "Proofpoint in front of Microsoft 365",
            "Proofpoint devant Microsoft 365",
            "Proofpoint vóór Microsoft 365",
        ),
        ("Self-hosted", "Serveur propre", "Eigen server"),
        ("Other (acme.example)", "Autre (acme.example)", "Overig (acme.example)"),
        (
            "(null MX: takes no mail)",
            "(MX nul : n’accepte aucun courrier)",
            "(null-MX: neemt geen e-mail aan)",
        ),
        ("Mimecast", "Mimecast", "Mimecast"),  # a brand from the data file, as it is
    ],
)
def test_provider_label(name: str, french: str, dutch: str) -> None:
    with using("fr"):
        assert provider_label(name) == french
    with using("nl"):
        assert provider_label(name) == dutch
    assert provider_label(name) == name
