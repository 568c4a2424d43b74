"""`b2bmail audit` end to end: CSV in, DNS from NSD on loopback, report and exit code out."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.deliverability import conftest as dns_fixtures
from tests.deliverability.dns.test_cache import filled_cache, unwritable_cache
from tests.deliverability.nsd import CONTROL_ZONE, ScriptedServer, StartNsd, answer_control

from b2bmail.cli import main

# The DNS fixtures live in tests/deliverability/conftest.py; borrowed here by name.
_nsd_pool = dns_fixtures._nsd_pool
nsd_server = dns_fixtures.nsd_server
control_zone_env = dns_fixtures.control_zone_env
silent_nameserver = dns_fixtures.silent_nameserver
dead_nameserver = dns_fixtures.dead_nameserver
lying_nameserver = dns_fixtures.lying_nameserver
rewriting_nameserver = dns_fixtures.rewriting_nameserver

ZONES = {
    "example": "\n".join(
        [
            "m365 MX 0 m365-test.mail.protection.outlook.com.",
            'm365 TXT "v=spf1 include:spf.protection.outlook.com -all"',
            "pp MX 10 mx0a-001.pphosted.com.",
            "pp MX 10 mx0b-001.pphosted.com.",
            'pp TXT "v=spf1 include:spf.protection.outlook.com -all"',
            '_dmarc.pp TXT "v=DMARC1; p=reject; rua=mailto:dmarc@pp.example"',
            "mc MX 10 eu-smtp-inbound-1.mimecast.com.",
            "g MX 1 smtp.google.com.",
            "self MX 10 mail.self.example.",
            "mail.self A 81.2.69.160",
            "nullmx MX 0 .",
            "nomx A 93.184.216.34",
            'nomx TXT "v=spf1 -all"',
            "web A 93.184.216.34",
        ]
    ),
    "mail.protection.outlook.com": "m365-test A 52.101.68.1",
    "pphosted.com": "mx0a-001 A 67.231.149.1\nmx0b-001 A 67.231.157.1",
    "mimecast.com": "eu-smtp-inbound-1 A 195.130.217.1",
    "google.com": "smtp A 142.250.153.26",
}
RECIPIENTS = """email,first_name,company
ann@m365.example,Ann,M365 Co
bob@pp.example,Bob,Proofpoint Co
carl@mc.example,Carl,Mimecast Co
dan@g.example,Dan,Google Co
eve@self.example,Eve,Self Co
fay@nullmx.example,Fay,Null Co
gus@nomx.example,Gus,No MX Co
hal@gone.example,Hal,Gone Co
info@web.example,Ivy,Web Co
not-an-address,Jo,Broken Co
"""
EXPECTED = {
    "ann@m365.example": ("low", "Microsoft 365", ["microsoft365"]),
    "bob@pp.example": (
        "high",
        "Proofpoint in front of Microsoft 365",
        ["secure-gateway", "gateway-and-microsoft365"],  # its p=reject is not scored
    ),
    "carl@mc.example": ("medium", "Mimecast", ["secure-gateway"]),
    "dan@g.example": ("low", "Google Workspace", ["google-workspace"]),
    "eve@self.example": ("medium", "Self-hosted", ["self-hosted"]),
    "fay@nullmx.example": ("undeliverable", None, ["null-mx"]),
    "gus@nomx.example": ("undeliverable", None, ["no-mx-spf-reject-all"]),
    "hal@gone.example": ("undeliverable", None, ["domain-nxdomain"]),
    "info@web.example": ("medium", None, ["no-mx-fallback", "role-address"]),
}


@pytest.fixture
def recipients(tmp_path: Path) -> Path:
    path = tmp_path / "recipients.csv"
    path.write_text(RECIPIENTS, encoding="utf-8")
    return path


@pytest.fixture
def cache_env(tmp_path: Path) -> dict[str, str]:
    return {"B2BMAIL_CACHE": str(tmp_path / "dns.sqlite3")}


def audit(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["audit", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.nsd
def test_json_report_over_nsd(
    nsd_server: StartNsd, recipients: Path, cache_env: dict[str, str]
) -> None:
    server = nsd_server(ZONES)
    code, out, err = audit(
        str(recipients), "--nameserver", server.nameserver, "--format", "json", env=cache_env
    )
    assert (code, err) == (1, "")  # undeliverable recipients: exit 1
    report = json.loads(out)
    assert next(iter(report)) == "schema" and report["schema"] == "b2bmail.audit/1"
    got = {
        r["email"]: (r["level"], r["provider"], [x["code"] for x in r["reasons"]])
        for r in report["recipients"]
    }
    assert got == EXPECTED
    assert report["invalid"] == [
        {"row": 11, "email": "not-an-address", "reason": "An email address must have an @-sign."}
    ]
    assert report["summary"]["by_level"] == {
        "low": 2,
        "medium": 3,
        "high": 1,
        "undeliverable": 3,
        "unknown": 0,
    }
    assert report["summary"]["by_gateway"] == {"Proofpoint": 1, "Mimecast": 1}
    assert all(
        set(r) >= {"email", "domain", "level", "score", "provider", "reasons"}
        for r in report["recipients"]
    )


@pytest.mark.nsd
def test_second_run_comes_from_the_cache(
    nsd_server: StartNsd, silent_nameserver: str, recipients: Path, cache_env: dict[str, str]
) -> None:
    server = nsd_server(ZONES)
    first = audit(
        str(recipients), "--nameserver", server.nameserver, "--format", "csv", env=cache_env
    )
    # The second run may only ask a server that never answers: every answer must be cached.
    second = audit(
        str(recipients),
        "--nameserver",
        silent_nameserver,
        "--timeout",
        "0.2",
        "--format",
        "csv",
        env=cache_env,
    )
    assert second == first
    refreshed = audit(
        str(recipients),
        "--nameserver",
        silent_nameserver,
        "--timeout",
        "0.1",
        "--refresh",
        "--format",
        "json",
        env=cache_env,
    )
    levels = {r["level"] for r in json.loads(refreshed[1])["recipients"]}
    assert levels == {"unknown"}


@pytest.mark.nsd
def test_csv_has_one_row_per_input_row(
    nsd_server: StartNsd, recipients: Path, cache_env: dict[str, str]
) -> None:
    _, out, _ = audit(
        str(recipients),
        "--nameserver",
        nsd_server(ZONES).nameserver,
        "--format",
        "csv",
        env=cache_env,
    )
    lines = out.splitlines()
    assert lines[0] == "row,email,domain,level,score,provider,reason_codes,reasons"
    assert [line.split(",")[0] for line in lines[1:]] == [str(n) for n in range(2, 12)]
    assert lines[-1].startswith("11,not-an-address,,invalid,,,invalid-address,")


@pytest.mark.nsd
def test_text_report_and_out_file(
    nsd_server: StartNsd, recipients: Path, cache_env: dict[str, str], tmp_path: Path
) -> None:
    out_file = tmp_path / "audit.txt"
    code, out, _ = audit(
        str(recipients),
        "--nameserver",
        nsd_server(ZONES).nameserver,
        "--out",
        str(out_file),
        env=cache_env,
    )
    assert (code, out) == (1, "")
    text = out_file.read_text()
    assert "11 % of recipients sit behind Proofpoint in front of Microsoft 365 (1)" in text
    assert "secure email gateways: 22 % of recipients (Proofpoint 11 %, Mimecast 11 %)" in text
    assert "row 9: hal@gone.example — The domain gone.example does not exist (NXDOMAIN)" in text
    assert "Invalid addresses (1):\n  row 11: 'not-an-address'" in text


@pytest.mark.parametrize(
    ("extra", "code"),
    [([], 0), (["--fail-on", "unknown"], 1), (["--fail-on", "low"], 0)],
    ids=["default-undeliverable", "unknown", "low-ignores-unknown"],
)
def test_timeouts_are_unknown_and_gate_only_on_unknown(
    silent_nameserver: str, tmp_path: Path, extra: list[str], code: int
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    got, out, _ = audit(
        str(path),
        "--nameserver",
        silent_nameserver,
        "--timeout",
        "0.1",
        "--no-cache",
        "--format",
        "json",
        *extra,
    )
    assert got == code
    (recipient,) = json.loads(out)["recipients"]
    assert (recipient["level"], recipient["reasons"][0]["code"]) == ("unknown", "dns-unknown")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--no-cache"], "b2bmail: missing.csv: cannot open the file"),
        (["{csv}", "--nameserver", "dns.google"], "b2bmail: invalid nameserver 'dns.google'"),
        (["{csv}", "--nameserver", "127.0.0.1:70000"], "b2bmail: invalid port in nameserver"),
    ],
    ids=["missing-file", "hostname-nameserver", "bad-port"],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, out, err = audit(
        *[a.replace("{csv}", str(path)) for a in args], env={"B2BMAIL_CACHE": str(tmp_path / "c")}
    )
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize(
    "option", [["--concurrency", "0"], ["--timeout", "0"], ["--fail-on", "bad"]]
)
def test_bad_option_values_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, _, err = audit(str(path), *option)
    assert code == 2 and "Invalid value" in err


def test_help_has_an_example() -> None:
    code, out, _ = audit("--help")
    assert code == 0 and "Example:" in out and "--nameserver IP[:PORT]" in out


def test_encoding_and_delimiter_reach_the_reader(silent_nameserver: str, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("Société;E-mail\nDürr;ann@m365.example\n".encode("cp1252"))
    code, out, _ = audit(
        str(path),
        "--nameserver",
        silent_nameserver,
        "--timeout",
        "0.1",
        "--no-cache",
        "--encoding",
        "cp1252",
        "--delimiter",
        ";",
        "--format",
        "csv",
    )
    assert code == 0
    # The list was `;`-delimited: so is the report (output.spreadsheet_layout).
    assert out.splitlines()[1].startswith("2;ann@m365.example;m365.example;unknown;")


@pytest.mark.parametrize(
    ("environ", "start"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "\ufeffrow;email;"),
        ({"LC_NUMERIC": "de_DE.UTF-8", "LANG": "en_GB.UTF-8"}, "\ufeffrow;email;"),
        ({"LANG": "en_GB.UTF-8"}, "row,email,"),
        ({"LC_ALL": "C", "LANG": "nl_NL.UTF-8"}, "row,email,"),
    ],
    ids=["fr", "LC_NUMERIC=de", "en", "LC_ALL=C"],
)
def test_csv_report_opens_in_the_readers_excel(
    silent_nameserver: str, tmp_path: Path, environ: dict[str, str], start: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email,company\nann@m365.example,Dürr\n", encoding="utf-8")
    args = [str(path), "--nameserver", silent_nameserver, "--timeout", "0.1", "--no-cache"]
    env: dict[str, str | None] = {"LC_ALL": None, "LC_NUMERIC": None, "LANG": None, **environ}
    result = CliRunner().invoke(main, ["audit", *args, "--format", "csv"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)
    assert result.stdout.splitlines()[1].startswith(f"2{start[-1]}ann@m365.example")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        pytest.param(
            "nan",
            "Error: Invalid value for '--timeout': nan is not a number of seconds between 0"
            " and 60 — e.g. --timeout 3",
            id="nan",
        ),
        pytest.param(
            "inf",
            "Error: Invalid value for '--timeout': inf is not in the range 0<x<=60.0.",
            id="inf",
        ),
        pytest.param(
            "1e308",
            "Error: Invalid value for '--timeout': 1e+308 is not in the range 0<x<=60.0.",
            id="huge",
        ),
    ],
)
def test_timeout_that_would_never_end_is_refused(tmp_path: Path, value: str, error: str) -> None:
    # Regression: nan passed FloatRange and inf/1e308 were accepted; against a silent server
    # both made the audit hang for ever.
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, out, err = audit(
        str(path), "--nameserver", "127.0.0.1:9", "--no-cache", "--timeout", value
    )
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == error


def test_report_over_the_recipient_list_is_refused_and_the_list_kept(tmp_path: Path) -> None:
    # Regression: `--report list.csv` replaced the list being audited with the HTML report.
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, out, err = audit(
        str(path), "--nameserver", "127.0.0.1:9", "--no-cache", "--report", str(path)
    )
    assert (code, out) == (2, "")
    assert err == (
        f"b2bmail: {path}: this output would overwrite the input file {str(path)!r}"
        " — choose another output path\n"
    )
    assert path.read_text() == "email\nann@m365.example\n"


def test_segments_without_report_is_a_usage_error(tmp_path: Path) -> None:
    # Regression: --segments was silently ignored without --report.
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    segments = tmp_path / "segments.yaml"
    segments.write_text("segments: []\n")
    code, out, err = audit(str(path), "--no-cache", "--segments", str(segments))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "Error: --segments only shapes the HTML report: add --report FILE"
    )


def test_bad_segments_file_fails_before_any_dns(silent_nameserver: str, tmp_path: Path) -> None:
    # Regression: the segments file was read after the whole DNS audit (here: timeouts).
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    segments = tmp_path / "segments.yaml"
    segments.write_text("segments: [\n")
    started = time.monotonic()
    code, out, err = audit(
        str(path),
        *("--nameserver", silent_nameserver, "--no-cache", "--timeout", "5"),
        *("--report", str(tmp_path / "r.html"), "--segments", str(segments)),
    )
    assert (code, out) == (2, "")
    assert err.startswith(f"b2bmail: {segments}:") and err.count("\n") == 1
    assert time.monotonic() - started < 4
    assert not (tmp_path / "r.html").exists()


UNUSABLE = (
    "b2bmail: the DNS resolver at {} gives no usable answers: offline, or it rewrites answers"
)
UNUSABLE_HINT = (
    " — check the network, or pass --nameserver with a working resolver (--control-zone: a zone"
    " it must serve, when it is not a recursive resolver)\n"
)


@pytest.mark.parametrize(
    ("fixture", "seen"),
    [
        ("dead_nameserver", f"SOA {CONTROL_ZONE}: timeout"),
        ("lying_nameserver", f"SOA {CONTROL_ZONE}: nxdomain"),
        (
            "rewriting_nameserver",
            rf"A b2bmail-check-[0-9a-f]{{12}}\.{CONTROL_ZONE}, a name that cannot exist:"
            r" 198\.51\.100\.7",
        ),
    ],
    ids=["dead", "nxdomain-for-everything", "rewrites-nxdomain"],
)
def test_unusable_resolver_stops_the_audit_at_once(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str, seen: str
) -> None:
    # Regression: a dead resolver made 200 domains "unknown" at 0.6 s a question; one that says
    # NXDOMAIN to everything made them all "does not exist", exit 1.
    nameserver = request.getfixturevalue(fixture)
    path = tmp_path / "r.csv"
    path.write_text("email\n" + "".join(f"ann@d{i}.example\n" for i in range(200)))
    started = time.monotonic()
    code, out, err = audit(
        str(path),
        *("--nameserver", nameserver, "--timeout", "1", "--concurrency", "8", "--no-cache"),
    )
    elapsed = time.monotonic() - started
    assert (code, out) == (2, "")
    pattern = re.escape(UNUSABLE.format(nameserver)) + rf" \({seen}\)" + re.escape(UNUSABLE_HINT)
    assert re.fullmatch(pattern, err), err
    # Two timeouts (try and retry) for the whole run, plus 1.5 s for reading the list on a
    # loaded machine; asking the 200 domains 8 at a time would take at least 25 x 2 s.
    assert elapsed < 2 * 1.0 + 1.5


@pytest.mark.nsd
def test_control_zone_defaults_to_the_root(
    nsd_server: StartNsd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NSD serves the test zones, not the root: with the default control zone it fails the check.
    monkeypatch.delenv("B2BMAIL_CONTROL_ZONE")
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    server = nsd_server(ZONES)
    code, _, err = audit(str(path), "--nameserver", server.nameserver, "--no-cache")
    assert code == 2
    assert err.startswith(UNUSABLE.format(server.nameserver) + " (SOA .: refused)")
    code, _, err = audit(
        str(path), "--nameserver", server.nameserver, "--no-cache", "--control-zone", "example"
    )
    assert (code, err) == (0, "")


@pytest.fixture
def counting_nameserver() -> Iterator[ScriptedServer]:
    """A server that passes the resolver check, never answers anything else, and counts."""
    server = ScriptedServer(answer_control)
    yield server
    server.stop()


def foreign_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (unwritable_cache, "cannot write the DNS cache: attempt to write a readonly database"),
        (foreign_database, "this is not a b2bmail DNS cache (an SQLite database with invoices)"),
    ],
    ids=["unwritable", "foreign"],
)
def test_unusable_cache_stops_before_any_query(
    counting_nameserver: ScriptedServer,
    tmp_path: Path,
    make: Callable[[Path], None],
    message: str,
) -> None:
    # Regression: the audit ran to its end, then failed to commit its answers (unwritable), or
    # wrote its table into another application's database (foreign).
    cache = tmp_path / "dns.sqlite3"
    make(cache)
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, out, err = audit(
        str(path), "--nameserver", counting_nameserver.nameserver, "--timeout", "0.2",
        env={"B2BMAIL_CACHE": str(cache)},
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err.startswith(f"b2bmail: {cache}: {message}")
    assert err.count("\n") == 1
    assert counting_nameserver.queries == 0


@pytest.mark.nsd
def test_damaged_cache_is_rebuilt_with_one_warning_line(
    nsd_server: StartNsd, tmp_path: Path
) -> None:
    cache = tmp_path / "dns.sqlite3"
    filled_cache(cache)
    with cache.open("r+b") as file:
        file.truncate(cache.stat().st_size // 2)
    path = tmp_path / "r.csv"
    path.write_text("email\nann@m365.example\n")
    code, out, err = audit(
        str(path), "--nameserver", nsd_server(ZONES).nameserver, "--format", "csv",
        env={"B2BMAIL_CACHE": str(cache)},
    )  # fmt: skip
    assert code == 0 and out.splitlines()[1].startswith("2,ann@m365.example,m365.example,low,")
    assert err.startswith(f"b2bmail: warning: {cache}: the DNS cache was damaged (")
    assert err.endswith("; it has been rebuilt, empty\n") and err.count("\n") == 1


@pytest.mark.nsd
def test_a_dead_nameserver_among_others_is_one_warning_line(
    nsd_server: StartNsd, dead_nameserver: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("email\n" + "".join(f"ann@{d}.example\n" for d in ("m365", "g", "pp", "mc")))
    good = nsd_server(ZONES).nameserver
    started = time.monotonic()
    code, out, err = audit(
        str(path), "--nameserver", dead_nameserver, "--nameserver", good, "--timeout", "0.3",
        "--no-cache", "--format", "csv",
    )  # fmt: skip
    assert (time.monotonic() - started) < 2 * 0.3 + 0.6  # no timeout after the check's
    assert code == 0 and "unknown" not in out
    assert err == (
        f"b2bmail: warning: the DNS resolver at {dead_nameserver} gives no usable answers"
        f" (SOA {CONTROL_ZONE}: timeout): asking only {good}\n"
    )
