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
