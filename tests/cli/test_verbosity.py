"""`-q/--quiet` and `-v/--verbose` on every command (issue 18 item 5): quiet prints only the
result (the report or --format output, the findings) and errors, so stderr is empty on success;
verbose prints what the default does and more, on stderr; both together are a usage error.

Each command is run three ways on the same input; what quiet keeps is taken from the default
run's output (the report, the finding lines), not from the code under test."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.deliverability import conftest as dns_fixtures
from tests.deliverability.dns.test_cache import filled_cache
from tests.deliverability.nsd import StartNsd
from tests.preview.browser import chromium_or_skip

from b2bmail import __version__
from b2bmail.cli import main
from b2bmail.starter import scaffold_campaign

# The DNS fixtures live in tests/deliverability/conftest.py; borrowed here by name.
_nsd_pool = dns_fixtures._nsd_pool
nsd_server = dns_fixtures.nsd_server
control_zone_env = dns_fixtures.control_zone_env

COMMANDS = sorted(main.load_all())
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "heavy-equipment"
SECRET = {"B2BMAIL_UNSUBSCRIBE_SECRET": "s3cret"}
ZONES = {
    "example": "\n".join(
        [
            "g MX 1 smtp.google.com.",
            'g TXT "v=spf1 include:_spf.google.com -all"',
            "nullmx MX 0 .",
        ]
    ),
    "google.com": "smtp A 142.250.153.26",
}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, prog_name="b2bmail")


def three_ways(*args: str, env: dict[str, str] | None = None) -> tuple[Result, Result, Result]:
    """`args` run with -q after the command name, as they are, and with -v before it."""
    command, *rest = args
    return (
        run(command, "-q", *rest, env=env),
        run(*args, env=env),
        run("-v", *args, env=env),
    )


def assert_levels(
    command: str,
    quiet: Result,
    default: Result,
    verbose: Result,
    result: str,
    *,
    verbose_stdout: str | None = None,
) -> None:
    """Quiet printed `result` and nothing on stderr; verbose printed the default's stdout (or
    `verbose_stdout`), and on stderr the default's lines and more, from what ran to how long
    it took."""
    assert quiet.exit_code == default.exit_code == verbose.exit_code, (quiet, default, verbose)
    assert (quiet.stdout, quiet.stderr) == (result, "")
    assert verbose.stdout == (default.stdout if verbose_stdout is None else verbose_stdout)
    extra = verbose.stderr.splitlines()
    assert extra[0] == f"b2bmail {__version__} {command}, messages in en"
    assert re.fullmatch(rf"b2bmail {command}: \d+\.\d\d s", extra[-1]), extra[-1]
    assert set(default.stderr.splitlines()) <= set(extra)
    assert len(extra) >= len(default.stderr.splitlines()) + 2, verbose.stderr


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    scaffold_campaign(tmp_path / "c")
    return tmp_path / "c" / "campaign.yaml"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "where", ["both-after", "both-before", "one-each-side", "short-flags-joined"]
)
def test_quiet_and_verbose_together_are_a_usage_error(command: str, where: str) -> None:
    args = {
        "both-after": [command, "--quiet", "--verbose"],
        "both-before": ["-v", "-q", command],
        "one-each-side": ["-q", command, "-v"],
        "short-flags-joined": [command, "-qv"],
    }[where]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Error: -q/--quiet and -v/--verbose cannot be used together — give one of them\n"
    )


def test_the_group_help_says_what_each_level_prints() -> None:
    text = " ".join(run("--help").stdout.split())
    assert "-q/--quiet prints only what was asked for" in text
    assert "-v/--verbose also prints, on stderr" in text
    assert "Both go before or after the command name, not together" in text


def test_init(tmp_path: Path) -> None:
    quiet = run("init", "-q", str(tmp_path / "q"), "--locale", "fr_FR")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (tmp_path / "q" / "campaign.yaml").is_file()
    default = run("init", str(tmp_path / "d"), "--locale", "fr_FR")
    assert default.stdout.startswith(f"created {tmp_path / 'd'}")
    verbose = run("--verbose", "init", str(tmp_path / "v"), "--locale", "fr_FR")
    assert verbose.exit_code == 0
    assert verbose.stdout == default.stdout.replace(str(tmp_path / "d"), str(tmp_path / "v"))
    assert verbose.stderr.splitlines()[1] == "locale fr_FR, languages -"


def test_build_quiet_prints_nothing_on_a_clean_build(campaign: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    quiet, default, verbose = three_ways("build", str(campaign), "--out", out)
    table, pointer = default.stdout.rsplit("\n", 2)[:2]
    assert pointer == "2 more lint note(s): b2bmail lint " + out
    # -v lists the two info notes the default only counts, and each file written.
    notes = verbose.stdout.removeprefix(table + "\n").splitlines()
    assert len(notes) == 2 and all(" info: B2B" in note for note in notes), verbose.stdout
    assert_levels("build", quiet, default, verbose, "", verbose_stdout=verbose.stdout)
    assert f"wrote {Path(out) / 'practitioners' / 'email.eml'} (" in verbose.stderr
    assert f"wrote {Path(out) / 'manifest.json'}\n" in verbose.stderr


def test_build_quiet_prints_the_findings(campaign: Path, tmp_path: Path) -> None:
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(text.replace('url: "https://www.example.com/quality"', 'url: "#"'))
    args = ("build", str(campaign), "--out", str(tmp_path / "out"))
    default = run(*args)
    findings = [line for line in default.stdout.splitlines() if line.startswith(str(campaign))]
    assert len(findings) == 1 and " error: B2B601 empty-link: " in findings[0]
    quiet = run("--quiet", *args)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (1, findings[0] + "\n", "")


def test_build_verbose_lists_the_info_notes(tmp_path: Path) -> None:
    args = ("build", str(EXAMPLE / "campaign.yaml"), "--out", str(tmp_path / "out"))
    default, verbose = run(*args), run("-v", *args)
    assert " info: " not in default.stdout
    assert re.search(r"^\S+:\d+: \[[\w,-]+\] info: B2B\d{3} ", verbose.stdout, re.M)


def test_build_json_is_the_same_at_every_level(campaign: Path, tmp_path: Path) -> None:
    args = ("build", str(campaign), "--out", str(tmp_path / "out"), "--format", "json")
    quiet, default, verbose = three_ways(*args)
    json.loads(verbose.stdout)  # -v writes its details on stderr: stdout stays one document
    assert_levels("build", quiet, default, verbose, default.stdout)


def test_lint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(EXAMPLE / "campaign.yaml"), "--out", str(out)).exit_code == 0
    quiet, default, verbose = three_ways("lint", str(out))
    assert_levels("lint", quiet, default, verbose, default.stdout)
    assert f"linted {out / 'mining' / 'email.eml'}\n" in verbose.stderr


def test_lint_out_file_summary_is_not_printed_quiet(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(EXAMPLE / "campaign.yaml"), "--out", str(out)).exit_code == 0
    report = str(tmp_path / "lint.sarif")
    quiet, default, verbose = three_ways("lint", str(out), "--format", "sarif", "--out", report)
    assert default.stderr  # the summary, as the report went to the file
    assert_levels("lint", quiet, default, verbose, "")
    assert f"wrote {report}\n" in verbose.stderr


def test_lint_note_on_a_template_no_campaign_uses_is_not_printed_quiet(tmp_path: Path) -> None:
    lone = tmp_path / "lone.mjml"
    lone.write_text("<mj-section><mj-column><mj-text>hi</mj-text></mj-column></mj-section>\n")
    quiet, default, verbose = three_ways("lint", str(lone))
    assert "no campaign uses this template" in default.stderr
    assert_levels("lint", quiet, default, verbose, default.stdout)


@pytest.mark.parametrize("args", [[], ["B2B401"], ["--format", "json"]], ids=str)
def test_rules(args: list[str]) -> None:
    quiet, default, verbose = three_ways("rules", *args)
    assert default.stdout
    assert_levels("rules", quiet, default, verbose, default.stdout)


@pytest.mark.parametrize("output_format", ["text", "csv"])
def test_segment(campaign: Path, output_format: str) -> None:
    folder = campaign.parent
    segments = str(folder / "segments" / "segments.yaml")
    args = (
        "segment",
        str(folder / "recipients.csv"),
        "--segments",
        segments,
        "--format",
        output_format,
    )
    quiet, default, verbose = three_ways(*args)
    assert default.stdout
    assert_levels("segment", quiet, default, verbose, default.stdout)


def test_segment_out_file(campaign: Path, tmp_path: Path) -> None:
    folder, out = campaign.parent, str(tmp_path / "segmented.csv")
    segments = str(folder / "segments" / "segments.yaml")
    args = ("segment", str(folder / "recipients.csv"), "--segments", segments, "--format", "csv")
    quiet, default, verbose = three_ways(*args, "--out", out)
    assert_levels("segment", quiet, default, verbose, "")
    assert f"wrote {out}\n" in verbose.stderr


def test_export(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "esp"
    quiet, default, verbose = three_ways(
        "export", str(campaign), "--esp", "brevo", "--out", str(out)
    )
    assert default.stdout.startswith("Brevo: ")
    assert_levels("export", quiet, default, verbose, "")
    # One folder per email written (segment and stage).
    written = sorted(p.name for p in (out / "brevo").iterdir() if p.is_dir())
    assert [f"wrote {out / 'brevo' / name}/" for name in written] == sorted(
        line for line in verbose.stderr.splitlines() if line.startswith("wrote ")
    )


def test_unsubscribe_export(tmp_path: Path) -> None:
    from b2bmail.unsubscribe import SuppressionStore

    store = tmp_path / "optout.sqlite"
    SuppressionStore(store).record("anne@acme.example", "anne@acme.example", "2026-12-01")
    out = tmp_path / "optout.csv"
    quiet, default, verbose = three_ways("unsubscribe-export", str(store), "--out", str(out))
    assert default.stdout == f"1 address(es) -> {out}\n"
    assert_levels("unsubscribe-export", quiet, default, verbose, "")
    assert "anne@acme.example" in out.read_text(encoding="utf-8")


@pytest.mark.nsd
def test_audit(nsd_server: StartNsd, tmp_path: Path) -> None:
    recipients = tmp_path / "r.csv"
    recipients.write_text("email\ndan@g.example\nfay@nullmx.example\n", encoding="utf-8")
    server = nsd_server(ZONES)
    args = ("audit", str(recipients), "--nameserver", server.nameserver, "--no-cache")
    quiet, default, verbose = three_ways(*args)
    assert default.exit_code == 1  # the null MX: undeliverable
    assert_levels("audit", quiet, default, verbose, default.stdout)
    assert f"DNS resolver: {server.nameserver} (timeout 3 s, 256 at once," in verbose.stderr
    assert "2 recipient(s), 0 invalid, 2 domain(s) asked\n" in verbose.stderr


@pytest.mark.nsd
def test_audit_warning_that_is_no_finding_is_not_printed_quiet(
    nsd_server: StartNsd, tmp_path: Path
) -> None:
    # A damaged DNS cache is rebuilt with a warning line (tests/cli/test_audit.py): news about
    # the run, not about the recipients.
    recipients = tmp_path / "r.csv"
    recipients.write_text("email\ndan@g.example\n", encoding="utf-8")
    cache = tmp_path / "dns.sqlite3"
    args = ("audit", str(recipients), "--nameserver", nsd_server(ZONES).nameserver)
    for level in ([], ["-q"]):
        filled_cache(cache)
        with cache.open("r+b") as file:
            file.truncate(cache.stat().st_size // 2)
        result = run(*level, *args, env={"B2BMAIL_CACHE": str(cache)})
        assert result.exit_code == 0, result.output
        assert ("warning:" in result.stderr) == (not level), result.stderr


@pytest.mark.nsd
def test_check_sender(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server(ZONES)
    args = ("check-sender", "g.example", "--nameserver", server.nameserver)
    quiet, default, verbose = three_ways(*args, "--no-cache", "--no-blocklists")
    assert default.stdout
    assert_levels("check-sender", quiet, default, verbose, default.stdout)
    assert f"DNS resolver: {server.nameserver} (" in verbose.stderr


@pytest.mark.chromium
def test_preview(tmp_path: Path) -> None:
    chromium_or_skip()
    out = tmp_path / "gallery"
    args = ("preview", str(EXAMPLE / "campaign.yaml"), "--out", str(out), "--widths", "320")
    quiet, default, verbose = three_ways(*args)
    assert default.stdout.splitlines()[-1] == f"gallery: {out / 'index.html'}"
    assert_levels("preview", quiet, default, verbose, "")
    assert f"wrote {out / 'mining' / 'shot-320.png'} (320×" in verbose.stderr


@pytest.fixture
def process_env() -> Iterator[dict[str, str]]:
    yield {**os.environ, **SECRET, "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize("level", ["-q", "", "-v"], ids=["quiet", "default", "verbose"])
@pytest.mark.parametrize(
    ("command", "first_line"),
    [
        (["serve", str(EXAMPLE / "campaign.yaml")], "Previewing "),
        (["unsubscribe-server", "--store", "STORE"], "Unsubscribe endpoint at "),
    ],
    ids=["serve", "unsubscribe-server"],
)
def test_servers(
    tmp_path: Path, process_env: dict[str, str], level: str, command: list[str], first_line: str
) -> None:
    """A server's address is its result, printed at every level; what it logs is not."""
    args = [arg.replace("STORE", str(tmp_path / "optout.sqlite")) for arg in command]
    proc = subprocess.Popen(
        [sys.executable, "-m", "b2bmail", *([level] if level else []), *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(first_line), first
        url = first[first.index("http://") :].split()[0].split("/u/")[0].rstrip("/")
        # One request, which the unsubscribe server logs; serve logs its first build.
        subprocess.run(
            [sys.executable, "-c", f"import urllib.request as u; u.urlopen('{url}/').read()"],
            check=False,
            capture_output=True,
            timeout=30,
        )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a server behind
            out, err = proc.communicate()
    assert proc.returncode == 0, err
    if level == "-q":
        assert (out, err) == ("", "")
    elif level == "":
        assert out.strip() and err.strip() and not err.startswith("b2bmail ")
    else:
        assert err.startswith(f"b2bmail {__version__} {args[0]}, messages in ")
        assert re.search(rf"^b2bmail {args[0]}: \d+\.\d\d s$", err, re.M), err


def test_lint_changed_verbose_says_what_it_skipped(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an email\n", encoding="utf-8")
    quiet, default, verbose = three_ways("lint", "--changed", str(notes))
    assert_levels("lint", quiet, default, verbose, default.stdout)
    assert f"skipped {notes}: not an email, template or campaign\n" in verbose.stderr
