"""`b2bmail unsubscribe-server` (a real process serving on 127.0.0.1) and `unsubscribe-export`."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from b2bmail.cli import main

SECRET = {"B2BMAIL_UNSUBSCRIBE_SECRET": "s3cret"}
ANNE_TOKEN = "UWtdpJ8INcFM7mP3h3Wzcg"  # HMAC of anne@acme.example, see tests/personalize


def post(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=b"List-Unsubscribe=One-Click")
    response = conn.getresponse()
    text = response.read().decode("utf-8")
    conn.close()
    return response.status, text


def test_server_one_click_forged_and_replay_then_export(tmp_path: Path) -> None:
    store = tmp_path / "optout.sqlite"
    args = ["unsubscribe-server", "--store", str(store), "--lang", "nl", "--port", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "b2bmail", *args],
        env={**os.environ, **SECRET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.match(r"Unsubscribe endpoint at http://127\.0\.0\.1:(\d+)/u/<token>", first)
        assert match, first
        port = int(match.group(1))
        good = f"/u/{ANNE_TOKEN}?e=anne%40acme.example"
        assert post(port, f"/u/{ANNE_TOKEN}?e=eve%40acme.example")[0] == 403  # forged
        status, text = post(port, good)
        assert (status, "is afgemeld" in text) == (200, True)
        assert post(port, good) == (status, text)  # replay
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a server behind, even when the test fails
            _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert "?" not in stderr  # the request log leaves out the address
    out = tmp_path / "optout.csv"
    result = CliRunner().invoke(main, ["unsubscribe-export", str(store), "--out", str(out)])
    assert (result.exit_code, result.stdout) == (0, f"1 address(es) -> {out}\n")
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("anne@acme.example,")


def test_server_without_secret_exit_2_one_line(tmp_path: Path) -> None:
    env = {"B2BMAIL_UNSUBSCRIBE_SECRET": ""}
    args = ["unsubscribe-server", "--store", str(tmp_path / "s.sqlite"), "--port", "0"]
    result = CliRunner(env=env).invoke(main, args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("b2bmail: $B2BMAIL_UNSUBSCRIBE_SECRET is not set — set it")
    assert result.stderr.count("\n") == 1


def test_export_of_a_file_that_is_not_a_store_exit_2(tmp_path: Path) -> None:
    store = tmp_path / "list.csv"
    store.write_text("email\nanne@acme.example\n", encoding="utf-8")
    out = tmp_path / "optout.csv"
    result = CliRunner().invoke(main, ["unsubscribe-export", str(store), "--out", str(out)])
    assert (result.exit_code, result.stdout, out.exists()) == (2, "", False)
    assert result.stderr.startswith(f"b2bmail: {store}: cannot use the suppression store:")
    assert result.stderr.count("\n") == 1
