"""`b2bmail send` at the CLI boundary: one line and exit 2 for what cannot run, AUTH with the
password from the environment, the plan on --dry-run, exit 1 while messages are unfinished."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from tests.send.sinks import Running, Sink

from b2bmail.cli import main


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


def test_without_smtp_is_one_line_exit_2(
    campaign: Path, recipients: Path, env: dict[str, str]
) -> None:
    result = run("send", str(campaign), "--recipients", str(recipients), "--yes", env=env)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no SMTP server given" in result.stderr


def test_no_terminal_and_no_yes_asks_for_yes(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink()
    address = serve(sink).address
    journal = str(tmp_path / "j.sqlite")
    result = run("send", str(campaign), "--recipients", str(recipients), "--smtp", address,
                 "--journal", journal, env=env)  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith("no terminal to ask on — add --yes")
    assert sink.received == []


def test_dry_run_prints_the_plan(
    campaign: Path, recipients: Path, env: dict[str, str], tmp_path: Path
) -> None:
    result = run("send", str(campaign), "--recipients", str(recipients), "--dry-run",
                 "--journal", str(tmp_path / "j.sqlite"), env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "43 of 43 messages to send" in result.stdout
    assert "per segment: aggregates 11, construction 11, mining 11, rental 10" in result.stdout
    assert result.stdout.endswith("dry run: nothing sent\n")


def test_the_password_comes_from_the_environment_never_an_option() -> None:
    from b2bmail.cli.send import send

    assert not any("password" in p.name for p in send.params)


class Accounts:
    """An aiosmtpd authenticator that accepts one user and password."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: aiosmtpd answers 535 itself (with True it leaves the reply to us).
        return AuthResult(success=auth_data.password == b"right horse", handled=False)


@pytest.mark.parametrize(("password", "code"), [("right horse", 0), ("wrong", 2)])
def test_auth_uses_b2bmail_smtp_password(
    password: str, code: int, tmp_path: Path, campaign: Path, recipients: Path, env: dict[str, str]
) -> None:
    accounts = Accounts()
    sink = Sink()
    # Plain AUTH is allowed here only because the server is on loopback (the client refuses a
    # server without STARTTLS anywhere else).
    with Running(sink, authenticator=accounts, auth_require_tls=False) as server:
        result = run("send", str(campaign), "--recipients", str(recipients),
                     "--smtp", server.address, "--user", "news@terrano-engins.example",
                     "--yes", "--journal", str(tmp_path / "j.sqlite"),
                     env={**env, "B2BMAIL_SMTP_PASSWORD": password})  # fmt: skip
    assert result.exit_code == code, result.output
    assert accounts.seen[0] == ("news@terrano-engins.example", password)
    if code:
        assert "refused the login" in result.stderr and result.stderr.count("\n") == 1
    else:
        assert len(sink.received) == 43


def test_bad_send_section_is_one_line(
    tmp_path: Path, recipients: Path, env: dict[str, str]
) -> None:
    from tests.send.conftest import make_campaign

    bad = make_campaign(tmp_path, "send:\n  dkim_selector: s1\n")
    result = run("send", str(bad), "--recipients", str(recipients), "--dry-run", env=env)
    assert result.exit_code == 2
    assert "dkim_selector, dkim_domain and dkim_key go together" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_server_that_does_not_answer_is_one_line(
    tmp_path: Path, campaign: Path, recipients: Path, env: dict[str, str]
) -> None:
    from tests.deliverability.nsd import free_port

    result = run("send", str(campaign), "--recipients", str(recipients), "--yes",
                 "--smtp", f"127.0.0.1:{free_port()}", "--journal", str(tmp_path / "j.sqlite"),
                 env=env)  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot connect to 127.0.0.1:" in result.stderr
    assert result.stderr.rstrip().endswith("check --smtp HOST[:PORT] and that the server runs")


@pytest.mark.nsd
def test_resolve_mx_groups_by_gateway_over_dns(
    campaign: Path, recipients: Path, env: dict[str, str], tmp_path: Path, nsd_server: Any
) -> None:
    # One example domain behind Mimecast (an MX under mimecast.com, fingerprinted by the
    # audit's provider table); the others have no MX in this zone.
    server = nsd_server({
        "example": "mines-du-nord MX 10 eu-smtp-inbound-1.mimecast.com.\n"
                   "mines-du-nord A 192.0.2.10\n",
    })  # fmt: skip
    result = run("send", str(campaign), "--recipients", str(recipients), "--dry-run",
                 "--resolve-mx", "--nameserver", server.nameserver,
                 "--journal", str(tmp_path / "j.sqlite"), env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "group Mimecast: 5 (≤ 2 at once, 60/min)" in result.stdout  # send_pacing.yaml
    assert "not audited" not in result.stdout


@pytest.mark.nsd
def test_a_listed_sending_ip_stops_the_send_before_any_message(
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    tmp_path: Path,
    nsd_server: Any,
    serve: Callable[[Sink], Running],
) -> None:
    # 192.0.2.2 is on Spamhaus ZEN (127.0.0.2: SBL) and SpamCop in the test zone; 192.0.2.9
    # is on none. A listed relay gets the campaign refused by corporate gateways.
    from tests.deliverability.sender.test_blocklists import SUFFIX, ZONE, write_lists

    server = nsd_server({SUFFIX: ZONE})
    sink = Sink()
    address = serve(sink).address
    common = ["send", str(campaign), "--recipients", str(recipients), "--smtp", address,
              "--blocklists", str(write_lists(tmp_path)), "--nameserver", server.nameserver,
              "--no-cache", "--journal", str(tmp_path / "j.sqlite"), "--yes"]  # fmt: skip
    listed = run(*common, "--ip", "192.0.2.9", "--ip", "192.0.2.2", env=env)
    assert listed.exit_code == 2, listed.output
    assert listed.stderr == (
        "b2bmail: the sending IP 192.0.2.2 is listed on Spamhaus ZEN: SBL (Spamhaus Block List)"
        " (and 1 more listing(s)) — have the listing removed or send from another IP;"
        " --force-listed sends anyway\n"
    )
    assert sink.received == []
    assert not (tmp_path / "j.sqlite").exists()
    # A clear IP: the plan goes ahead (dry run, so nothing is sent either way).
    clear = run(*common, "--ip", "192.0.2.9", "--dry-run", env=env)
    assert clear.exit_code == 0, clear.output
    assert ": listed" not in clear.stderr  # Barracuda's missing test entry: only "unknown"
    assert "b2bmail: warning: 192.0.2.9 on Barracuda: unknown" in clear.stderr
    forced = run(*common, "--ip", "192.0.2.2", "--force-listed", "--dry-run", env=env)
    assert forced.exit_code == 0, forced.output
    assert "b2bmail: warning: 192.0.2.2 on Spamhaus ZEN: listed — SBL" in forced.stderr


def test_dry_run_quiet_prints_the_plan_only(
    campaign: Path, recipients: Path, env: dict[str, str], tmp_path: Path
) -> None:
    args = ("send", str(campaign), "--recipients", str(recipients), "--dry-run",
            "--journal", str(tmp_path / "j.sqlite"))  # fmt: skip
    default, quiet, verbose = (
        run(*args, env=env),
        run("-q", *args, env=env),
        run(*args, "-v", env=env),
    )
    assert default.exit_code == quiet.exit_code == verbose.exit_code == 0, default.output
    plan = default.stdout.removesuffix("dry run: nothing sent\n")
    assert "43 of 43 messages to send" in plan
    assert (quiet.stdout, quiet.stderr) == (plan, "")
    assert verbose.stdout == default.stdout
    assert (
        f"journal {tmp_path / 'j.sqlite'}, bounces to {tmp_path / 'bounces.txt'}" in verbose.stderr
    )


def test_a_quiet_send_prints_nothing_and_a_verbose_one_more(
    campaign: Path, recipients: Path, env: dict[str, str], tmp_path: Path
) -> None:
    sink = Sink()
    results = {}
    with Running(sink) as server:
        for level in ("-q", "", "-v"):
            results[level] = run(*(level,) * bool(level), "send", str(campaign),
                                 "--recipients", str(recipients), "--smtp", server.address,
                                 "--yes", "--journal", str(tmp_path / f"j{level}.sqlite"),
                                 env=env)  # fmt: skip
    assert [r.exit_code for r in results.values()] == [0, 0, 0], results[""].output
    assert len(sink.received) == 3 * 43
    assert (results["-q"].stdout, results["-q"].stderr) == ("", "")
    assert results[""].stdout.startswith("sent 43, deferred 0, bounced 0, uncertain 0 this run")
    assert "43 of 43 messages to send" in results[""].stderr  # the plan, before sending
    assert results["-v"].stdout == results[""].stdout.replace("j.sqlite", "j-v.sqlite")
    assert len(results["-v"].stderr.splitlines()) > len(results[""].stderr.splitlines()) + 2
