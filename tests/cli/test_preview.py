"""`b2bmail preview` from the command line: exit codes, messages and the gallery it writes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from b2bmail.cli import main


def test_preview_without_chromium_exits_2_with_the_install_hint(tmp_path: Path) -> None:
    result = CliRunner(env={"B2BMAIL_CHROMIUM": "/nonexistent/chromium"}).invoke(
        main, ["preview", str(tmp_path / "campaign.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "apt-get install chromium" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_preview_rejects_bad_widths(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "campaign.yaml", "--widths", "600,wide"])
    assert result.exit_code == 2
    assert "invalid width 'wide'" in result.stderr
