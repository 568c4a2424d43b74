"""personalize.write: the file writer and the mbox entry of a message in mbox form."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from b2bmail.personalize import write
from b2bmail.personalize.message import PersonalizedMessage
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


def test_write_file_relative_to_an_open_folder(tmp_path: Path) -> None:
    # The name is looked up in the open folder (openat), not from the working directory.
    folder = os.open(tmp_path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        write_file("m.eml", b"data", dir_fd=folder)
    finally:
        os.close(folder)
    assert (tmp_path / "m.eml").read_bytes() == b"data"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd (Linux)")
def test_write_messages_closes_its_folders_even_when_a_message_fails(tmp_path: Path) -> None:
    # Each segment folder is opened once and written into by name; a failure half-way (a
    # bad row, a full disk) must not leave its descriptors open.
    from datetime import UTC, datetime

    from b2bmail.personalize.message import PersonalizedMessage

    def messages() -> Iterator[PersonalizedMessage]:
        for i, segment in enumerate(("a", "b", "a")):
            yield PersonalizedMessage(i + 2, f"p{i}@x.example", segment, "<m@x>", b"x\r\n")
        raise OSError(28, "No space left on device")

    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(OSError, match="No space"):
        write.write_messages(
            messages(), out_dir=tmp_path, mbox=None, date=datetime(2026, 1, 5, tzinfo=UTC)
        )
    assert set(os.listdir("/proc/self/fd")) <= before
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.eml")) == [
        "a/000002-p0@x.example.eml",
        "a/000004-p2@x.example.eml",
        "b/000003-p1@x.example.eml",
    ]


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_write_file_of_pieces_finishes_a_short_writev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pieces go in one writev; when it writes less (a signal, a full disk's last bytes),
    # the rest follows from where it stopped, even inside a piece.
    real = os.writev

    def short(fd: int, pieces: tuple[bytes, ...]) -> int:
        return real(fd, [b"".join(pieces)[:7]])

    monkeypatch.setattr(write.os, "writev", short)
    write_file(str(tmp_path / "m.eml"), (b"From: a\r\n", b"", b"To: b\r\n\r\nbody\r\n"))
    assert (tmp_path / "m.eml").read_bytes() == b"From: a\r\nTo: b\r\n\r\nbody\r\n"


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_a_short_writev_of_mbox_entries_of_known_size_is_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Messages that carry their size (PersonalizedMessage.size, from the assembler):
    # the batch's total is added up from them, not from the pieces, and a writev that
    # writes less than it is still finished from where it stopped.
    from datetime import UTC, datetime

    real, calls = os.writev, []

    def short(fd: int, pieces: list[bytes]) -> int:
        calls.append(len(pieces))
        return real(fd, [b"".join(pieces)[:7]])

    monkeypatch.setattr(write.os, "writev", short)
    date = datetime(2026, 1, 5, tzinfo=UTC)
    pieces = (b"To: a@b.example\n", b"\nbody\n")
    messages = [
        PersonalizedMessage(i, "a@b.example", "s", "<m@x>", pieces, True, 23) for i in (1, 2)
    ]
    with open(tmp_path / "all.mbox", "wb") as box:
        write.write_messages(messages, out_dir=None, mbox=box, date=date)
    entry = write.mbox_from_line(date) + b"To: a@b.example\n\nbody\n\n"
    assert (tmp_path / "all.mbox").read_bytes() == entry * 2
    assert calls == [8]  # one writev for both entries, then the rest by os.write
    write_file(str(tmp_path / "m.eml"), pieces, size=23)
    assert (tmp_path / "m.eml").read_bytes() == b"To: a@b.example\n\nbody\n"


def test_an_mbox_without_a_descriptor_is_written_through_its_object() -> None:
    import io
    from datetime import UTC, datetime

    from b2bmail.personalize.message import PersonalizedMessage

    box = io.BytesIO(b"kept\n")
    box.seek(0, io.SEEK_END)
    msg = PersonalizedMessage(2, "a@x.example", "s", "<m@x>", (b"A: 1\n", b"\nbody\n"), True)
    write.write_messages([msg], out_dir=None, mbox=box, date=datetime(2026, 1, 5, tzinfo=UTC))
    assert box.getvalue() == b"kept\nFrom MAILER-DAEMON Mon Jan 05 00:00:00 2026\nA: 1\n\nbody\n\n"


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("anne.o+news@acme-x.fr", "000012-anne.o+news@acme-x.fr.eml"),
        ("a" * 75 + "@x.fr", "000012-" + "a" * 75 + "@x.fr.eml"),  # 80 characters: the limit
        ("a" * 76 + "@x.fr", "000012-" + "a" * 76 + "@x.f.eml"),  # 81: cut to 80
        ("anne o'neil@x.fr", "000012-anne_o_neil@x.fr.eml"),
        ("zoé@x.fr", "000012-zo_@x.fr.eml"),
        ("a/../b@x.fr", "000012-a_.._b@x.fr.eml"),
        ("", "000012-.eml"),
    ],
    ids=["plain", "80", "81", "space-quote", "accent", "slash", "empty"],
)
def test_eml_name(email: str, expected: str) -> None:
    from b2bmail.personalize.message import PersonalizedMessage

    msg = PersonalizedMessage(12, email, "s", "<m@x>", b"x\r\n")
    assert write.eml_name(msg) == expected


@pytest.fixture
def writev_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """IOV_MAX set to 16 (the least POSIX allows); the pieces of each os.writev, counted."""
    real, calls = os.writev, []

    def counted(fd: int, pieces: list[bytes]) -> int:
        assert len(pieces) <= 16  # past IOV_MAX, writev fails with EINVAL (POSIX)
        calls.append(len(pieces))
        return real(fd, pieces)

    monkeypatch.setattr(write, "_IOV_MAX", 16)
    monkeypatch.setattr(write.os, "writev", counted)
    return calls


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_write_all_splits_more_pieces_than_one_writev_takes(
    tmp_path: Path, writev_calls: list[int]
) -> None:
    # 16 pieces (IOV_MAX here) and one past it: two calls, the bytes in order.
    calls = writev_calls
    for count, expected_calls in ((16, [16]), (17, [16, 1])):
        calls.clear()
        pieces = [bytes([65 + i % 26]) * (i + 1) for i in range(count)]
        write_file(str(tmp_path / "m.eml"), pieces)
        assert (tmp_path / "m.eml").read_bytes() == b"".join(pieces)
        assert calls == expected_calls


def _mbox_messages(count: int, pieces: int) -> list[PersonalizedMessage]:
    return [
        PersonalizedMessage(
            i + 2,
            f"p{i}@x.example",
            "s",
            f"<m{i}@x>",
            (*(f"H{i}-{k}: v\n".encode() for k in range(pieces - 1)), b"\nbody\n"),
            True,
        )
        for i in range(count)
    ]


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_mbox_entries_are_written_in_batches_of_at_most_iov_max_pieces(
    tmp_path: Path, writev_calls: list[int]
) -> None:
    # Entries are queued and written with one writev per batch: the file holds every entry
    # in order, as written one by one, and no call passes more than IOV_MAX pieces.
    from datetime import UTC, datetime

    calls = writev_calls
    date = datetime(2026, 1, 5, tzinfo=UTC)
    messages = _mbox_messages(7, 3)  # 5 pieces an entry (separator, 3, blank line): 3 a batch
    with open(tmp_path / "all.mbox", "wb") as box:
        write.write_messages(messages, out_dir=None, mbox=box, date=date)
    one_by_one = b"".join(write.mbox_from_line(date) + m.data + b"\n" for m in messages)
    assert (tmp_path / "all.mbox").read_bytes() == one_by_one
    assert calls == [15, 15, 5]
    # An entry of more pieces than one writev takes is split, not refused.
    calls.clear()
    with open(tmp_path / "big.mbox", "wb") as box:
        write.write_messages(_mbox_messages(1, 20), out_dir=None, mbox=box, date=date)
    assert calls == [16, 6]


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_queued_mbox_entries_are_written_when_a_later_message_fails(tmp_path: Path) -> None:
    # A bad row stops the run; the entries made before it are in the file, as when each was
    # written at once (the CLI's atomic file then removes it; a caller's own file keeps them).
    from datetime import UTC, datetime

    def messages() -> Iterator[PersonalizedMessage]:
        yield from _mbox_messages(2, 3)
        raise ValueError("row 4: bad")

    with open(tmp_path / "all.mbox", "wb") as box, pytest.raises(ValueError, match="row 4"):
        write.write_messages(
            messages(),
            out_dir=None,
            mbox=box,
            date=datetime(2026, 1, 5, tzinfo=UTC),
        )
    assert (tmp_path / "all.mbox").read_bytes().count(b"From MAILER-DAEMON") == 2


@pytest.mark.skipif(not hasattr(os, "writev"), reason="os.writev is POSIX")
def test_mbox_alone_queues_every_form_of_message_as_the_general_loop(
    tmp_path: Path, writev_calls: list[int]
) -> None:
    # The loop for an mbox alone (_Batches.add_entries) against the general loop (an mbox
    # without a descriptor, written entry by entry): messages in mbox form in pieces, in
    # one piece, and an .eml (CRLF, converted and quoted); on_message after each, in order.
    from datetime import UTC, datetime

    date = datetime(2026, 1, 5, tzinfo=UTC)
    messages = [
        *_mbox_messages(4, 3),
        PersonalizedMessage(9, "w@x.example", "s", "<w@x>", b"A: 1\n\nwhole\n", True),
        PersonalizedMessage(10, "e@x.example", "s", "<e@x>", b"A: 1\r\n\r\nFrom here\r\n"),
        *_mbox_messages(3, 4),
    ]
    seen: list[int] = []
    with open(tmp_path / "fast.mbox", "wb") as box:
        write.write_messages(
            messages, out_dir=None, mbox=box, date=date, on_message=lambda m: seen.append(m.row)
        )
    general = io.BytesIO()
    write.write_messages(messages, out_dir=None, mbox=general, date=date)
    assert (tmp_path / "fast.mbox").read_bytes() == general.getvalue()
    assert b"\n>From here\n" in general.getvalue()
    assert seen == [m.row for m in messages]
    assert all(count <= 16 for count in writev_calls) and len(writev_calls) > 1
