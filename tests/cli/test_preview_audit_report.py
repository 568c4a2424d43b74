"""`b2bmail audit --report FILE.html [--segments FILE]` end to end over NSD on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_audit import RECIPIENTS, ZONES
from tests.deliverability import conftest as dns_fixtures
from tests.deliverability.nsd import StartNsd

from b2bmail.cli import main

_nsd_pool = dns_fixtures._nsd_pool
nsd_server = dns_fixtures.nsd_server
control_zone_env = dns_fixtures.control_zone_env

SEGMENTS = """\
benefits:
  price: Price
segments:
  - id: gateways
    name: Behind gateways
    priority: 20
    rule: {field: company, contains: Proofpoint}
    benefits: {price: 5}
  - id: others
    name: Everyone else
    priority: 10
    rule: {field: company, contains: Co}
    benefits: {price: 5}
"""


@pytest.mark.nsd
def test_audit_writes_the_html_report_with_segments(nsd_server: StartNsd, tmp_path: Path) -> None:
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    segments = tmp_path / "segments.yaml"
    segments.write_text(SEGMENTS, encoding="utf-8")
    report = tmp_path / "audit.html"
    server = nsd_server(ZONES)
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(recipients),
            "--nameserver",
            server.nameserver,
            "--report",
            str(report),
            "--segments",
            str(segments),
        ],
        env={"B2BMAIL_CACHE": str(tmp_path / "dns.sqlite3")},
    )
    assert result.exit_code == 1, result.stderr  # undeliverable recipients
    page = report.read_text(encoding="utf-8")
    level_chart = page[page.index('id="levels"') : page.index('id="providers"')]
    levels = dict(re.findall(r'class="bar" data-label="(\w+)" data-count="(\d+)"', level_chart))
    assert levels == {"low": "2", "medium": "3", "high": "1", "undeliverable": "3", "unknown": "0"}
    stacks = re.findall(r'class="stack" data-label="(\w+)" data-total="(\d+)"', page)
    assert stacks == [("gateways", "1"), ("others", "8")]
    risky = re.findall(r'<tr data-level="(\w+)"><td class="num">(\d+)</td>', page)
    assert [level for level, _ in risky] == ["undeliverable"] * 3 + ["high"] + ["medium"] * 3
    assert "not-an-address" in page  # the invalid row is listed apart


def test_audit_report_needs_an_existing_segments_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["audit", "list.csv", "--report", "x.html", "--segments", str(tmp_path / "no.yaml")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_audit_report_segments_reading_no_column_stop_before_any_dns(tmp_path: Path) -> None:
    # The rules meet the list where every command's do (recipients.needs): no nameserver
    # is given or needed, the typo stops the run first.
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    segments = tmp_path / "segments.yaml"
    segments.write_text(SEGMENTS.replace("field: company,", "field: compagny,"), encoding="utf-8")
    report = tmp_path / "x.html"
    args = ["audit", str(recipients), "--report", str(report), "--segments", str(segments)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == (
        f"b2bmail: {segments}:7: the segment rule reads compagny, and no column of"
        " recipients.csv gives it — did you mean company?\n"
    )
    assert not report.exists()
