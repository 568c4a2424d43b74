import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from b2bmail.errors import OutputError
from b2bmail.output import atomic_directory, refuse_overwriting_inputs, write_atomic


def _umask_now() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture(autouse=True)
def _umask_left_as_found() -> Iterator[None]:
    # The umask is process-wide: a test that changes it changes every later test's files.
    before = _umask_now()
    yield
    assert _umask_now() == before, f"the test left the umask at {_umask_now():03o}"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """Umask 022 during the test, the runner's own umask back after it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


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


@pytest.mark.usefixtures("umask_022")
def test_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    write_atomic(tmp_path / "f", "x")
    with atomic_directory(tmp_path / "d") as staging:
        (staging / "x").write_text("x")
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755


def test_write_atomic_under_a_file_is_one_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "report.csv"
    blocker.write_text("x")
    with pytest.raises(OutputError) as info:
        write_atomic(blocker / "x.json", "{}")
    assert str(info.value) == (
        f"{blocker / 'x.json'}: cannot write the file: a folder on its path is a file"
        " — choose a path in a folder you can write to"
    )


def test_write_atomic_onto_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a folder — give a file name"):
        write_atomic(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_onto_a_file_keeps_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("keep")
    with pytest.raises(OutputError, match="a file has that name"), atomic_directory(target):
        pass
    assert target.read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_directory_under_a_file_is_one_output_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with (
        pytest.raises(OutputError, match="cannot write the folder: a folder on its path is a file"),
        atomic_directory(tmp_path / "f" / "out"),
    ):
        pass


def test_atomic_directory_lets_errors_of_the_body_through(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_directory(tmp_path / "out") as staging:
        (staging / "missing" / "x").write_text("x")
    assert list(tmp_path.iterdir()) == []


def test_refuse_overwriting_inputs_sees_through_other_spellings(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("email\n")
    (tmp_path / "link.csv").symlink_to(source)
    with pytest.raises(OutputError, match="would overwrite the input file"):
        refuse_overwriting_inputs([None, tmp_path / "." / "link.csv"], [source])
    refuse_overwriting_inputs([tmp_path / "new.csv", None], [source, None])  # new files are fine
