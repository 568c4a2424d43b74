from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli import main
from b2bmail.errors import B2bmailError, ConfigError


def test_version_prints_and_exits_zero() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert "b2bmail" in result.output


def test_error_message_carries_location_and_hint() -> None:
    err = ConfigError(
        "unknown key 'subjet'", path="campaign.yaml", line=4, hint="did you mean 'subject'?"
    )
    assert str(err) == "campaign.yaml:4: unknown key 'subjet' — did you mean 'subject'?"


def test_error_message_with_csv_row() -> None:
    err = B2bmailError("no email column", path="list.csv", row=1)
    assert str(err) == "list.csv: row 1: no email column"


def test_error_from_a_file_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    # Regression: "b2bmail: emp\nty.csv: the file is empty ..." was printed over two lines.
    recipients = tmp_path / "emp\nty.csv"
    recipients.write_text("")
    segments = tmp_path / "segments.yaml"
    segments.write_text(
        "segments:\n  - {id: all, name: All, priority: 1, rule: {field: sector, equals: x}}\n"
    )
    result = CliRunner().invoke(main, ["segment", str(recipients), "--segments", str(segments)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"b2bmail: {tmp_path}/emp\\nty.csv: the file is empty"
        " — export the list again with a header row\n"
    )


def test_command_modules_name_where_each_command_lives() -> None:
    from b2bmail.cli.app import COMMANDS

    commands = main.load_all()
    real = {
        name: command.callback.__module__
        for name, command in commands.items()
        if command.callback is not None and command.callback.__module__.startswith("b2bmail.")
    }
    assert real == {name: entry.module for name, entry in COMMANDS.items()}


def test_command_summaries_are_the_first_sentence_of_each_docstring() -> None:
    # `b2bmail --help` shows these without importing the commands: they must not go stale.
    from b2bmail.cli.app import COMMANDS

    commands = main.load_all()
    real = {name: command.get_short_help_str(limit=1000) for name, command in commands.items()}
    assert real == {name: entry.summary for name, entry in COMMANDS.items()}


def _run_fresh(
    argv: list[str], columns: int = 80, *, load_all: bool = False
) -> tuple[str, set[str]]:
    """`b2bmail ARGV` in a fresh interpreter (with every command imported first if
    `load_all`): what it printed, and the modules it loaded."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from b2bmail.cli import main\n"
        f"if {load_all}:\n"
        "    main.load_all()\n"
        "try:\n"
        f"    main({argv!r}, prog_name='b2bmail')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    return result.stdout, set(json.loads(result.stderr.splitlines()[-1]))


@pytest.mark.parametrize("columns", [80, 50])
def test_help_lists_the_commands_without_importing_them(columns: int) -> None:
    from b2bmail.cli.app import COMMANDS

    lazy, loaded = _run_fresh(["--help"], columns)
    assert not loaded & {entry.module for entry in COMMANDS.values()}
    # The same text as when every command is imported and Click shortens its docstring.
    full, _ = _run_fresh(["--help"], columns, load_all=True)
    assert lazy == full


# What a command's --help must not load: the build (Jinja, MJML, premailer, BeautifulSoup,
# cssutils, lxml), HTTP (requests), DNS (dnspython), address validation (email-validator) and
# the preview server (websockets). Each is loaded by the command body when it runs.
HEAVY = (
    "premailer", "bs4", "cssutils", "requests", "lxml", "jinja2", "mjml", "dns",
    "email_validator", "websockets", "cryptography", "asyncio",
)  # fmt: skip


@pytest.mark.parametrize("command", ["segment", "audit", "check-sender", "send"])
def test_command_help_loads_neither_the_build_nor_dns(command: str) -> None:
    text, loaded = _run_fresh([command, "--help"])
    assert text.startswith(f"Usage: b2bmail {command} ")
    assert sorted(name for name in HEAVY if name in loaded) == []


def test_lint_loads_neither_the_build_nor_dns() -> None:
    # A pre-commit hook runs `b2bmail lint` on every commit: it must not pay for premailer,
    # cssutils, jinja2 or dnspython, which only build and audit need.
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from b2bmail.cli import main\n"
        "try:\n"
        "    main(['lint', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('premailer', 'cssutils', 'jinja2', 'dns', 'mjml') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Usage: " in result.stdout
    assert "HEAVY []" in result.stderr, result.stderr


BUG = (
    "b2bmail: internal error (a bug — please report it): ValueError: boom\\nsecond line"
    " — run again with --debug to see the traceback\n"
)


def _broken_lint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A page to lint, with the library function `lint` calls made to fail like a bug."""

    def fail(*args: object, **kwargs: object) -> None:
        raise ValueError("boom\nsecond line")

    import b2bmail.cli.lint

    monkeypatch.setattr(b2bmail.cli.lint, "lint_paths", fail)
    page = tmp_path / "a.html"
    page.write_text("<html><body>hi</body></html>", encoding="utf-8")
    return page


def test_internal_error_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Regression: a traceback and exit 1, which a CI gate reads as "found problems".
    monkeypatch.delenv("B2BMAIL_DEBUG", raising=False)
    page = _broken_lint(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["lint", str(page)])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", BUG)


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--debug"], {}), ([], {"B2BMAIL_DEBUG": "1"})],
    ids=["flag", "env"],
)
def test_debug_shows_the_traceback_then_the_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    page = _broken_lint(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, [*args, "lint", str(page)], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert (
        'in fail\n    raise ValueError("boom\\nsecond line")\nValueError: boom\nsecond line\n'
        in (result.stderr)
    )
    assert result.stderr.endswith(BUG)


def test_debug_off_with_b2bmail_debug_0(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    page = _broken_lint(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["lint", str(page)], env={"B2BMAIL_DEBUG": "0"})
    assert (result.exit_code, result.stderr) == (2, BUG)


def test_click_usage_errors_keep_clicks_message_and_exit_2() -> None:
    result = CliRunner().invoke(main, ["lint", "--no-such-option"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ")
    assert "Error: No such option '--no-such-option'." in result.stderr
    assert "internal error" not in result.stderr
    raised = CliRunner().invoke(main, ["rules", "B2B999"])  # a UsageError the command raises
    assert raised.exit_code == 2
    assert "Error: unknown rule 'B2B999'" in raised.stderr


def test_findings_still_exit_1(tmp_path: Path) -> None:
    # `lint` leaves through SystemExit(1): the bug boundary must not turn it into 2.
    page = tmp_path / "a.html"
    page.write_text('<html><body><img src="https://e.example/a.png"></body></html>')
    result = CliRunner().invoke(main, ["lint", str(page), "--select", "img-missing-alt"])
    assert result.exit_code == 1, result.stderr
    assert " B2B401 [error] image https://e.example/a.png has no alt text" in result.stdout


def test_yaml_tag_in_campaign_is_one_line_exit_2(tmp_path: Path) -> None:
    # Regression: yaml.ConstructorError traceback, exit 1.
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("name: x\nsubject: !!python/object:os.system x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(campaign), "--out", str(tmp_path / "o")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"b2bmail: {campaign}:2: unknown YAML tag '!!python/object:os.system'"
        " — b2bmail reads plain YAML: remove the tag (quote a value that starts with '!')\n"
    )


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [("biuld", "Did you mean 'build'?"), ("sgement", "Did you mean 'segment'?")],
)
def test_a_mistyped_command_gets_a_did_you_mean(typed: str, suggestion: str) -> None:
    # The commands load lazily, so Click alone would suggest from none of them.
    result = CliRunner().invoke(main, [typed, "x"])
    assert result.exit_code == 2
    assert f"No such command '{typed}'. {suggestion}" in result.output


def test_a_word_like_no_command_gets_no_suggestion() -> None:
    result = CliRunner().invoke(main, ["zzz"])
    assert result.exit_code == 2
    assert "No such command 'zzz'." in result.output
    assert "Did you mean" not in result.output


def test_a_mistyped_option_gets_a_did_you_mean() -> None:
    result = CliRunner().invoke(main, ["build", "campaign.yaml", "--ot", "out"])
    assert result.exit_code == 2
    assert "No such option '--ot'" in result.output and "'--out'" in result.output
