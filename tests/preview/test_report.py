"""The audit report page, from a real audit over a table resolver: charts, order, escaping."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.audit.run import AuditReport, audit_recipients
from b2bmail.i18n import using
from b2bmail.preview.chromium import Tab
from b2bmail.preview.report import render_audit_report, write_audit_report

M365_HOST = "acme-mines-fr.mail.protection.outlook.com"
TABLE = {
    ("acme-mines.fr", "MX"): [f"0 {M365_HOST}"],
    (M365_HOST, "A"): ["52.101.0.1"],
    (M365_HOST, "CNAME"): [],
    ("acme-mines.fr", "TXT"): ["v=spf1 include:spf.protection.outlook.com -all"],
    ("_dmarc.acme-mines.fr", "TXT"): ["v=DMARC1; p=reject"],
    ("gone-away.fr", "MX"): "nxdomain",
    ("gone-away.fr", "TXT"): "nxdomain",
    ("_dmarc.gone-away.fr", "TXT"): "nxdomain",
    ("carrieres-dupont.fr", "MX"): ["10 mx0a-1.pphosted.com"],
    ("mx0a-1.pphosted.com", "A"): ["148.163.0.1"],
    ("mx0a-1.pphosted.com", "CNAME"): [],
    ("carrieres-dupont.fr", "TXT"): [],
    ("_dmarc.carrieres-dupont.fr", "TXT"): [],
}


@dataclass(frozen=True)
class Row:
    row: int
    email: str


@pytest.fixture(scope="module")
def report() -> AuditReport:
    rows = [
        Row(2, "claire@acme-mines.fr"),
        Row(3, "info@acme-mines.fr"),
        Row(4, "bob@gone-away.fr"),
        Row(5, "ann@carrieres-dupont.fr"),
        Row(6, "<script>alert(1)</script>"),
    ]
    return asyncio.run(audit_recipients(rows, StaticResolver(TABLE)))


SEGMENTS = {2: "mining", 3: "mining", 4: "rental", 5: "rental"}


def test_report_escapes_recipient_data_and_has_no_script(report: AuditReport) -> None:
    page = render_audit_report(report, source="list<1>.csv", segment_of=SEGMENTS)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "list&lt;1&gt;.csv" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_without_segments_the_report_says_how_to_get_them(report: AuditReport) -> None:
    page = render_audit_report(report)
    assert "--segments" in page
    assert 'class="stack"' not in page


@pytest.mark.chromium
def test_report_charts_and_risky_table_in_chromium(
    tab: Tab, report: AuditReport, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    write_audit_report(report, path, source="recipients.csv", segment_of=SEGMENTS)
    tab.navigate(path.as_uri())
    levels = tab.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#levels g.bar')]"
        ".map(g => [g.dataset.label, Number(g.dataset.count)]))"
    )
    # claire@acme-mines.fr is low: Microsoft 365 alone (its p=reject is not scored)
    assert levels == {"low": 1, "medium": 2, "high": 0, "undeliverable": 1, "unknown": 0}
    providers = tab.evaluate(
        "[...document.querySelectorAll('#providers g.bar')].map(g => [g.dataset.label, g.dataset.count])"
    )
    # Most recipients first, then by name; the labels are the audit's (its by_provider keys).
    ranked = sorted(report.by_provider.items(), key=lambda item: (-item[1], item[0]))
    assert providers == [[label, str(count)] for label, count in ranked]
    assert providers[0] == ["Microsoft 365", "2"] and len(providers) == 3
    stacks = tab.evaluate(
        "[...document.querySelectorAll('#segments g.stack')].map(g => [g.dataset.label, g.dataset.total,"
        " g.querySelectorAll('rect').length])"
    )
    assert stacks == [["mining", "2", 2], ["rental", "2", 2]]
    risky = tab.evaluate(
        "[...document.querySelectorAll('#risky tbody tr')].map(r => r.cells[0].textContent + ' '"
        " + r.dataset.level)"
    )
    assert risky == ["4 undeliverable", "3 medium", "5 medium"]
    invalid = tab.evaluate("document.querySelector('#invalid tbody td:nth-child(2)').textContent")
    assert invalid == "<script>alert(1)</script>"


# Issue 18: the report page in French and Dutch; the data attributes the page's readers
# (and the chart test above) use stay the machine levels. Expected texts written here.
@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "fr",
            [
                '<html lang="fr">',
                "<title>Audit de list.csv — b2bmail</title>",
                "<h1>Audit de délivrabilité : list.csv</h1>",
                "<p>4 destinataires valides sur 3 domaines · 1 adresse invalide</p>",
                '<section id="levels"><h2>Destinataires par niveau</h2>',
                '<section id="risky"><h2>Destinataires à risque (3)</h2>',
                "<th>ligne</th><th>adresse e-mail</th><th>domaine</th><th>niveau</th>",
                '<g class="bar" data-label="undeliverable" data-count="1">',
                ">non distribuable</text>",
                "<h2>Adresses invalides (1)</h2>",
            ],
        ),
        (
            "nl",
            [
                '<html lang="nl">',
                "<h1>Audit van de bezorgbaarheid: list.csv</h1>",
                "<p>4 geldige ontvangers op 3 domeinen · 1 ongeldig adres</p>",
                '<section id="providers"><h2>E-mailproviders</h2>',
                '<g class="bar" data-label="high" data-count="0">',
                ">hoog</text>",
                "<h2>Segmenten × niveaus</h2>",
            ],
        ),
    ],
)
def test_report_in_each_language(report: AuditReport, language: str, words: list[str]) -> None:
    with using(language):
        page = render_audit_report(report, source="list.csv", segment_of=SEGMENTS)
    for word in words:
        assert word in page
