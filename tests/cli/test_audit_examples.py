"""`b2bmail audit` on the example recipient list, against NSD serving tests/deliverability/zones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.deliverability import conftest as dns_fixtures
from tests.deliverability.nsd import ZONES_DIR, StartNsd, read_zone_files

from b2bmail.cli import main

_nsd_pool = dns_fixtures._nsd_pool
nsd_server = dns_fixtures.nsd_server
control_zone_env = dns_fixtures.control_zone_env
silent_nameserver = dns_fixtures.silent_nameserver

RECIPIENTS = Path(__file__).resolve().parents[2] / "examples/heavy-equipment/recipients.csv"
ZONES = read_zone_files(*sorted(ZONES_DIR.glob("*.zone")))
EXPECTED_DOMAINS = {
    "mines-du-nord.example": ("high", "Proofpoint in front of Microsoft 365"),
    "granulats-loire.example": ("low", "Microsoft 365"),
    "carrieres-dupont.example": ("medium", "Mimecast"),
    "martin-freres-btp.example": ("low", "Google Workspace"),
    "batisseurs-reunis.example": ("medium", "Self-hosted"),
    "locamat-ouest.example": ("undeliverable", None),
    "rentpro-location.example": ("undeliverable", None),
    "miniere-aude.example": ("undeliverable", None),
    "ema-alpes.example": ("medium", None),
    "tp-rhone.example": ("medium", "Barracuda"),
    "locengins-sud.example": (
        "medium",
        "Cisco Secure Email (IronPort) in front of Google Workspace",
    ),
    "carrieres-du-val.example": ("medium", "Self-hosted"),
}

pytestmark = pytest.mark.skipif(
    not RECIPIENTS.exists(), reason=f"{RECIPIENTS} is not there (examples not built yet)"
)


def run(*args: str, tmp_path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["audit", str(RECIPIENTS), *args], env={"B2BMAIL_CACHE": str(tmp_path / "c.db")}
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.nsd
def test_example_list_over_nsd(nsd_server: StartNsd, tmp_path: Path) -> None:
    code, out, err = run(
        "--nameserver", nsd_server(ZONES).nameserver, "--format", "json", tmp_path=tmp_path
    )
    assert (code, err) == (1, "")
    report = json.loads(out)
    domains = {d["domain"]: (d["level"], d["provider"]) for d in report["domains"]}
    assert domains == EXPECTED_DOMAINS
    codes = {d["domain"]: [r["code"] for r in d["reasons"]] for d in report["domains"]}
    assert codes["carrieres-du-val.example"] == ["self-hosted", "mx-cname"]
    assert codes["rentpro-location.example"] == ["no-mx-spf-reject-all"]
    assert codes["tp-rhone.example"] == ["secure-gateway"]  # its p=quarantine is not scored
    assert [i["email"] for i in report["invalid"]] == ["j.martin@@martin-freres-btp.example"]
    summary = report["summary"]
    assert summary["recipients"] + summary["invalid"] == 45
    assert summary["by_level"]["undeliverable"] == 11  # 4 + 4 + 3 recipients
    assert summary["by_gateway"] == {
        "Proofpoint": 5,
        "Mimecast": 4,
        "Barracuda": 3,
        "Cisco Secure Email (IronPort)": 3,
    }


@pytest.mark.nsd
def test_example_list_text_summary(nsd_server: StartNsd, tmp_path: Path) -> None:
    _, out, _ = run("--nameserver", nsd_server(ZONES).nameserver, tmp_path=tmp_path)
    assert "11 % of recipients sit behind Proofpoint in front of Microsoft 365 (5)" in out
    assert "secure email gateways: 34 % of recipients" in out


def test_example_list_when_dns_never_answers(silent_nameserver: str, tmp_path: Path) -> None:
    code, out, _ = run(
        "--nameserver",
        silent_nameserver,
        "--timeout",
        "0.1",
        "--format",
        "json",
        "--no-cache",
        tmp_path=tmp_path,
    )
    report = json.loads(out)
    assert {r["level"] for r in report["recipients"]} == {"unknown"}
    assert code == 1  # the invalid address still counts as undeliverable
