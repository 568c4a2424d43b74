import os
import stat
from pathlib import Path

import pytest

from b2bmail.output import atomic_directory, write_atomic


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "f.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_atomic_directory_keeps_previous_output_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        (staging / "x").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(out) as staging:
        (staging / "x").write_text("half")
        raise RuntimeError("boom")
    assert (out / "x").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    os.umask(0o022)
    write_atomic(tmp_path / "f", "x")
    with atomic_directory(tmp_path / "d") as staging:
        (staging / "x").write_text("x")
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
