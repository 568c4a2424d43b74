"""personalize.write: the file writer and the mbox entry of a message in mbox form."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from b2bmail.personalize import write
from b2bmail.personalize.write import write_file


def test_write_file_finishes_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # os.write may write fewer bytes than asked; the rest must follow, not be dropped.
    real = os.write
    calls = []

    def short(fd: int, data: bytes | memoryview) -> int:
        calls.append(len(data))
        return real(fd, bytes(data)[:1000])

    monkeypatch.setattr(write.os, "write", short)
    data = bytes(range(256)) * 20  # 5,120 bytes
    write_file(str(tmp_path / "m.eml"), data)
    assert (tmp_path / "m.eml").read_bytes() == data
    assert calls == [5120, 4120, 3120, 2120, 1120, 120]


def test_write_file_replaces_and_reports_errors(tmp_path: Path) -> None:
    target = tmp_path / "m.eml"
    target.write_bytes(b"older and longer")
    write_file(str(target), b"new")
    assert target.read_bytes() == b"new"
    with pytest.raises(FileNotFoundError):
        write_file(str(tmp_path / "missing" / "m.eml"), b"x")
