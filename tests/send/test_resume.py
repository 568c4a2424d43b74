"""Crash and resume: `b2bmail send` killed with SIGKILL midway, then the same command again.
The server's received log proves each message arrived once, and the journal accounts for all."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.send.sinks import Running, Sink, wait_for
from tests.send.test_run import EXAMPLE_MESSAGES


@pytest.mark.slow
def test_sigkill_midway_then_resume_sends_each_message_exactly_once(
    tmp_path: Path,
    campaign: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
) -> None:
    sink = Sink(delay=0.05)  # slow enough to be killed in the middle
    server = serve(sink)
    journal = tmp_path / "journal.sqlite"
    command = [
        sys.executable, "-m", "b2bmail", "send", str(campaign), "--recipients", str(recipients),
        "--smtp", server.address, "--journal", str(journal), "--yes", "--connections", "1",
        "--max-connections", "2",
    ]  # fmt: skip
    environ = {**os.environ, **env}
    first = subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: len(sink.received) >= 10, timeout=120)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    received_before = len(sink.received)
    assert received_before < EXAMPLE_MESSAGES  # really midway

    second = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 1), second.stderr
    counts = sink.counts()
    assert max(counts.values()) == 1  # none twice
    with sqlite3.connect(journal) as db:
        rows = dict(db.execute("SELECT message_id, state FROM messages").fetchall())
    assert len(rows) == EXAMPLE_MESSAGES
    sent = {mid for mid, state in rows.items() if state == "sent"}
    uncertain = {mid for mid, state in rows.items() if state == "uncertain"}
    assert sent | uncertain == set(rows)  # none lost: each is sent, or marked unknown
    assert sent <= set(counts)  # every `sent` row is in the server's log
    assert len(uncertain) <= 2  # at most one per connection that was mid-transaction
    # The dead process had sent the end of DATA of its uncertain messages: the server has them.
    assert set(counts) == set(rows)
    assert ("uncertain 0" in second.stdout) and second.returncode == (1 if uncertain else 0)
