"""SIGTERM and SIGHUP stop a real `b2bmail` process the way Ctrl-C does: the temporary output
(personal data) is removed, Chromium is stopped, the previous output stays, one line, 128 + N."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.preview.browser import chromium_or_skip
from tests.preview.example import copy_example

ENV = {"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
ROWS = 2000  # a few seconds of work: long enough to be stopped in the middle
WAIT = 120.0  # seconds, for a busy machine


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.endswith(".tmp") or ".old-" in p.name)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "b2bmail", *args]


def run(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        command(*args), cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True
    )
    assert done.returncode in (0, 1), done.stderr


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*args),
        cwd=cwd,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"b2bmail ended ({proc.returncode}) before it could be stopped")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("b2bmail never reached the point where it is to be stopped")
        time.sleep(0.02)


def stop(proc: subprocess.Popen[str], signum: int) -> str:
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=WAIT)
    assert proc.returncode == 128 + signum  # the shell's convention: 143, 129
    return stderr


def staging(folder: Path, pattern: str) -> Path | None:
    return next(iter(sorted(folder.glob(pattern))), None)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """The example campaign and a list of ROWS recipients made from its rows (big.csv)."""
    path = copy_example(tmp_path)
    lines = (path.parent / "recipients.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], [line for line in lines[1:] if line.strip()]
    big = [header]
    for i in range(ROWS):
        cells = rows[i % len(rows)].split(";")
        cells[0] = f"u{i}@{cells[0].rpartition('@')[2]}"
        big.append(";".join(cells))
    (path.parent / "big.csv").write_text("\n".join(big) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stopped_per_recipient_build_leaves_no_personal_data_and_the_previous_output(
    campaign: Path, signum: int
) -> None:
    # Regression: a killed build left .out.XXXX.tmp folders full of personal data (160 MB for
    # 20k rows), and exited -15 without a word.
    cwd = campaign.parent
    run("build", "campaign.yaml", "--recipients", "recipients.csv", "--per-recipient",
        "--out", "out", cwd=cwd)  # fmt: skip
    before = tree(cwd / "out")
    proc = start("build", "campaign.yaml", "--recipients", "big.csv", "--per-recipient",
                 "--out", "out", cwd=cwd)  # fmt: skip

    def writing() -> bool:
        stage = staging(cwd, ".out.*.tmp")
        return stage is not None and len(list(stage.rglob("*.eml"))) >= 20

    wait_until(writing, proc)
    stderr = stop(proc, signum)
    assert stderr == f"b2bmail: stopped by {signal.Signals(signum).name}\n"
    assert tree(cwd / "out") == before
    assert leftovers(campaign.parents[2]) == []


def test_a_stopped_mbox_build_leaves_the_previous_mbox(campaign: Path) -> None:
    cwd = campaign.parent
    run("build", "campaign.yaml", "--recipients", "recipients.csv", "--mbox", "all.mbox", cwd=cwd)
    before = (cwd / "all.mbox").read_bytes()
    proc = start("build", "campaign.yaml", "--recipients", "big.csv", "--mbox", "all.mbox", cwd=cwd)

    def writing() -> bool:
        stage = staging(cwd, ".all.mbox.*.tmp")
        return stage is not None and stage.stat().st_size > 1_000_000

    wait_until(writing, proc)
    assert stop(proc, signal.SIGTERM) == "b2bmail: stopped by SIGTERM\n"
    assert (cwd / "all.mbox").read_bytes() == before
    assert leftovers(campaign.parents[2]) == []


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:  # field 4: the parent's pid
                found.append(int(entry.name))
    return found


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of the group that are not zombies (zombies are dead, waiting to be reaped)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":  # fields 3 and 5: state, group
                alive.append(int(entry.name))
    return alive


@pytest.mark.chromium
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_stopped_preview_stops_chromium_and_leaves_the_previous_gallery(
    campaign: Path,
) -> None:
    chromium_or_skip()
    cwd = campaign.parent
    run("preview", "campaign.yaml", "--out", "gallery", "--widths", "375", cwd=cwd)
    before = tree(cwd / "gallery")
    proc = start("preview", "campaign.yaml", "--out", "gallery", "--widths", "375", cwd=cwd)

    def shooting() -> bool:
        stage = staging(cwd, ".gallery.*.tmp")
        return stage is not None and any(stage.rglob("*.png"))

    wait_until(shooting, proc)
    (browser,) = _children(proc.pid)  # Chromium leads its own process group
    profile = next(
        arg.partition("=")[2]
        for arg in (Path("/proc") / str(browser) / "cmdline").read_text().split("\0")
        if arg.startswith("--user-data-dir=")
    )
    assert stop(proc, signal.SIGTERM) == "b2bmail: stopped by SIGTERM\n"
    assert _alive_in_group(browser) == []
    assert not Path(profile).exists()
    assert tree(cwd / "gallery") == before
    assert leftovers(campaign.parents[2]) == []
