from pathlib import Path

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
    from b2bmail.cli.app import COMMAND_MODULES

    commands = main.load_all()
    real = {
        name: command.callback.__module__
        for name, command in commands.items()
        if command.callback is not None and command.callback.__module__.startswith("b2bmail.")
    }
    assert real == COMMAND_MODULES


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
