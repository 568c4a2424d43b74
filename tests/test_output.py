import errno
import os
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from b2bmail.errors import OutputError
from b2bmail.output import (
    MARKER,
    CsvLayout,
    atomic_directory,
    check_outputs,
    csv_safe,
    json_document,
    numeric_locale,
    refuse_overwriting_inputs,
    spreadsheet_layout,
    write_atomic,
)


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


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_directory_marks_what_it_writes_and_replaces_it_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        (staging / "x").write_text("one")
    assert _names(out) == [MARKER, "x"]
    with atomic_directory(out) as staging:
        (staging / "y").write_text("two")
    assert _names(out) == [MARKER, "y"]
    assert _names(tmp_path) == ["out"]


def test_atomic_directory_fills_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with atomic_directory(tmp_path / "out") as staging:
        (staging / "x").write_text("x")
    assert _names(tmp_path / "out") == [MARKER, "x"]


def test_atomic_directory_never_replaces_a_folder_b2bmail_did_not_write(tmp_path: Path) -> None:
    # Regression: `build --per-recipient --out DIR` deleted any folder named, e.g. a campaign.
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputError) as info, atomic_directory(mine):
        pytest.fail("the body must not run")
    assert str(info.value) == (
        f"{mine}: this folder was not written by b2bmail (no {MARKER} file) and would be"
        " replaced whole — choose a new or empty folder; nothing was deleted"
    )
    assert _names(mine) == ["thesis.txt"]
    assert _names(tmp_path) == ["documents"]  # no staging folder either


def test_atomic_directory_refuses_the_current_folder_and_leaves_no_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    with atomic_directory(here) as staging:  # ours: only where the command runs matters
        (staging / "x").write_text("x")
    monkeypatch.chdir(here)
    for spelling in (".", "", str(tmp_path)):
        with (
            pytest.raises(OutputError, match="cannot replace the current folder"),
            atomic_directory(spelling),
        ):
            pytest.fail("the body must not run")
    assert _names(tmp_path) == ["here"]
    assert _names(here) == [MARKER, "x"]


def test_atomic_directory_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    with atomic_directory(tmp_path / "link") as staging:
        (staging / "x").write_text("x")
    assert (tmp_path / "link").is_symlink()
    assert _names(tmp_path / "real") == [MARKER, "x"]
    assert _names(tmp_path) == ["link", "real"]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        pytest.param("list.csv", "this output would overwrite the input file", id="is"),
        pytest.param("sub/../list.csv", "this output would overwrite the input file", id="is-dots"),
        pytest.param("hard.csv", "this output would overwrite the input file", id="is-hard-link"),
        pytest.param(".", "this output folder holds the input", id="contains"),
        pytest.param("emails/lint.txt", "this output lies inside the input folder", id="inside"),
    ],
)
def test_an_output_that_is_holds_or_lies_inside_an_input_is_refused(
    tmp_path: Path, output: str, message: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "emails").mkdir()
    (tmp_path / "list.csv").write_text("email\n")
    os.link(tmp_path / "list.csv", tmp_path / "hard.csv")
    inputs = [tmp_path / "list.csv", tmp_path / "emails"]
    with pytest.raises(OutputError, match=message):
        check_outputs([tmp_path / output], inputs)
    with pytest.raises(OutputError, match=message):
        write_atomic(tmp_path / output, "x", inputs=inputs)
    assert (tmp_path / "list.csv").read_text() == "email\n"
    check_outputs([tmp_path / "sub" / "list.csv", tmp_path / "emails.txt"], inputs)  # siblings


def test_a_folder_output_that_holds_an_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "campaign.yaml").write_text("name: x\n")
    with (
        pytest.raises(OutputError, match="this output folder holds the input"),
        atomic_directory(tmp_path / "c", inputs=[tmp_path / "c" / "campaign.yaml"]),
    ):
        pytest.fail("the body must not run")
    assert _names(tmp_path / "c") == ["campaign.yaml"]


def test_two_outputs_on_one_path_are_refused(tmp_path: Path) -> None:
    # Regression: `audit --out X --report X` wrote the report, then the CSV over it.
    with pytest.raises(OutputError, match="two outputs are given this one path"):
        check_outputs([tmp_path / "x", tmp_path / "." / "x"], [])
    with pytest.raises(OutputError, match="two outputs are given this one path"):
        check_outputs([tmp_path / "x"], [], folders=[tmp_path / "x"])
    check_outputs([tmp_path / "out" / "shot.png"], [], folders=[tmp_path / "out"])


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    # Through a link of our own, never /dev/null itself: a regression (running as root) would
    # then replace the link, not the machine's device.
    (tmp_path / "null").symlink_to("/dev/null")
    write_atomic(tmp_path / "null", "x")
    assert (tmp_path / "null").is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert _names(tmp_path) == ["null"]


def test_a_fifo_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _names(tmp_path) == ["fifo"]


@pytest.mark.parametrize("existing", [True, False], ids=["to-a-file", "dangling"])
def test_a_symlink_is_written_through(tmp_path: Path, existing: bool) -> None:
    if existing:
        (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    write_atomic(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new"
    assert _names(tmp_path) == ["link.txt", "real.txt"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
def test_a_full_disk_in_a_folder_output_is_one_output_error(tmp_path: Path, code: int) -> None:
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        (staging / "x").write_text("previous")
    with pytest.raises(OutputError) as info, atomic_directory(out):
        raise OSError(code, os.strerror(code))
    assert str(info.value).startswith(f"{out}: cannot write the folder: {os.strerror(code)} — ")
    assert (out / "x").read_text() == "previous"
    assert _names(tmp_path) == ["out"]


def test_a_signal_during_the_folder_swap_waits_until_the_swap_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A signal between the two renames (old output away, new one in) must not leave neither.
    out = tmp_path / "out"
    with atomic_directory(out) as staging:
        (staging / "x").write_text("old")
    real_replace = os.replace

    def replace_then_signal(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        if Path(dst).name != "out":  # the old output has just been moved away
            os.kill(os.getpid(), signal.SIGTERM)

    class Stop(BaseException):
        pass

    def stop(signum: int, frame: object) -> None:
        raise Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        monkeypatch.setattr(os, "replace", replace_then_signal)
        with pytest.raises(Stop), atomic_directory(out) as staging:
            (staging / "x").write_text("new")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (out / "x").read_text() == "new"
    assert _names(tmp_path) == ["out"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        # The OWASP "CSV Injection" page's characters and examples.
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("anne@acme.example", "anne@acme.example"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),  # numbers b2bmail writes itself stay numbers
    ],
)
def test_csv_safe_neutralises_formulas(value: object, written: object) -> None:
    assert csv_safe(value) == written


@pytest.mark.parametrize(
    ("locale", "source", "expected"),
    [
        # CLDR writes decimals with a comma in these: Excel there separates list items with `;`.
        ("fr_FR", None, CsvLayout(";", True, "utf-8")),
        ("fr_BE", CsvLayout(",", False, "cp1252"), CsvLayout(";", True, "utf-8")),
        ("nl_NL", None, CsvLayout(";", True, "utf-8")),
        ("de_DE", None, CsvLayout(";", True, "utf-8")),
        # A point: as the input was, else plain RFC 4180.
        ("en_GB", CsvLayout(";", True, "cp1252"), CsvLayout(";", True, "cp1252")),
        ("en_US", None, CsvLayout(",", False, "utf-8")),
        ("C", None, CsvLayout(",", False, "utf-8")),
        ("xx_YY", None, CsvLayout(",", False, "utf-8")),
        (None, CsvLayout("\t", False, "utf-8"), CsvLayout("\t", False, "utf-8")),
    ],
)
def test_spreadsheet_layout(
    locale: str | None, source: CsvLayout | None, expected: CsvLayout
) -> None:
    assert spreadsheet_layout(locale, source) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr_FR"),
        ({"LC_NUMERIC": "de_DE.UTF-8@euro", "LANG": "en_GB.UTF-8"}, "de_DE"),
        ({"LC_ALL": "C", "LC_NUMERIC": "fr_FR.UTF-8"}, "C"),
        ({"LC_MESSAGES": "fr_FR.UTF-8"}, None),  # messages are not numbers
        ({}, None),
    ],
)
def test_numeric_locale_follows_posix_precedence(
    environ: dict[str, str], expected: str | None
) -> None:
    assert numeric_locale(environ) == expected


def test_json_document_starts_with_its_schema() -> None:
    assert json_document("audit", {"b": 1, "schema": "other"}) == (
        '{\n  "schema": "b2bmail.audit/1",\n  "b": 1\n}\n'
    )
    with pytest.raises(KeyError):
        json_document("no-such-kind", {})
