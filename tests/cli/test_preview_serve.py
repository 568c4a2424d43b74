"""`b2bmail serve` as a real process: prints its URL, shows build errors, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from tests.cli.test_build import deepen

from b2bmail.cli import main
from b2bmail.starter import scaffold_campaign


def start_serve(campaign: Path) -> tuple[subprocess.Popen[str], str]:
    """`b2bmail serve CAMPAIGN` in a process of its own, and the URL it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "b2bmail", "serve", str(campaign), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    if "http://127.0.0.1:" not in first:
        proc.kill()
        raise AssertionError(f"no URL printed: {first!r} {proc.communicate(timeout=10)}")
    return proc, first[first.index("http://") :].split()[0]


def test_serve_shows_a_config_error_in_the_page_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("name: Lettre\nsubject: [unclosed\n", encoding="utf-8")
    proc, url = start_serve(campaign)
    try:
        with urllib.request.urlopen(url + "api/state", timeout=5) as response:
            state = json.load(response)
        assert state["segments"] == []
        assert state["error"]["path"] == str(campaign)
        assert state["error"]["line"] == 3
        assert "YAML" in state["error"]["message"]
        with urllib.request.urlopen(url, timeout=5) as response:
            assert b"b2bmail preview" in response.read()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Preview server stopped." in out
    assert "Traceback" not in err
    assert "build 1:" in err


def test_serve_needs_an_existing_campaign_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_serve_keeps_running_and_shows_mjml_nested_too_deep(tmp_path: Path) -> None:
    # MRML crashed the whole process (SIGSEGV, no message) on 10,000 nested tags.
    scaffold_campaign(tmp_path / "c")
    campaign = tmp_path / "c" / "campaign.yaml"
    deepen(tmp_path / "c" / "templates" / "newsletter.mjml")
    proc, url = start_serve(campaign)
    try:
        with urllib.request.urlopen(url + "api/state", timeout=5) as response:
            state = json.load(response)
        assert state["error"]["message"] == (
            "<div> is nested more than 100 levels deep: MJML is never this deep, and MRML "
            "crashes on it"
        )
        assert proc.poll() is None  # still serving
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
