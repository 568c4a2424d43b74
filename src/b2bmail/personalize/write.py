"""Writing personalised messages: one .eml per recipient in segment folders, or one mbox."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.personalize.message import PersonalizedMessage
from b2bmail.render.mime import mboxrd_quote

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+-]+")
# An address of at most 80 characters that are all safe already, as nearly every one is: one
# match of the safe characters gives the same name as the substitution and the cut below
# (a search for an unsafe character tries every position of the address).
_SAFE_AS_IS = re.compile(r"[A-Za-z0-9._@+-]{0,80}").fullmatch


def eml_name(msg: PersonalizedMessage) -> str:
    """`000123-anne@acme.fr.eml`: the file row, then the address made safe for file names."""
    email = msg.email
    safe = email if _SAFE_AS_IS(email) else _SAFE_NAME.sub("_", email)[:80]
    return f"{msg.row:06d}-{safe}.eml"


def mbox_entry(msg: PersonalizedMessage, date: datetime) -> bytes:
    """One mboxrd entry: the `From ` line, the message with LF line ends, a blank line.

    The .eml bytes end their lines in CRLF (RFC 5322 §2.1); an mbox file stores messages with
    the local LF convention, so every CRLF becomes LF here.

    Bodies never hold a line starting with "From " (render.mime encodes it as =46rom); header
    lines cannot either, but any line matching >*From is still quoted (mboxrd).

    A message assembled in its mbox form (`msg.mboxrd`, MessageSkeleton with mboxrd) is
    already LF and quoted, piece by piece, and is written as it is."""
    data = msg.data if msg.mboxrd else mboxrd_quote(msg.data.replace(b"\r\n", b"\n"))
    return b"".join((mbox_from_line(date), data, b"\n"))


def mbox_from_line(date: datetime) -> bytes:
    """The `From ` separator line that starts each mbox entry (RFC 4155 §2)."""
    return b"From MAILER-DAEMON " + date.strftime("%a %b %d %H:%M:%S %Y").encode("ascii") + b"\n"


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
# Files are opened relative to their open folder (openat, POSIX.1-2008) where the system can:
# the kernel then looks up one name per file, not every folder of the path again.
_RELATIVE = os.open in os.supports_dir_fd
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_WRITEV = hasattr(os, "writev")
# The most pieces one os.writev takes: the system's IOV_MAX (1024 on Linux; POSIX guarantees
# at least 16, _XOPEN_IOV_MAX), past which writev fails with EINVAL.
_IOV_MAX = max(16, os.sysconf("SC_IOV_MAX")) if hasattr(os, "sysconf") else 16


def write_file(
    path: str,
    data: bytes | Sequence[bytes],
    *,
    dir_fd: int | None = None,
    size: int | None = None,
) -> None:
    """`data` (bytes, or pieces written one after the other) to a new file at `path`,
    relative to the open folder `dir_fd` if given; `size`: as for write_all. The system
    calls themselves (os.open, os.writev): a file object and pathlib's path objects cost,
    per file, about as much as writing a 40 KB file on tmpfs."""
    fd = os.open(path, _CREATE, 0o666, dir_fd=dir_fd)
    try:
        write_all(fd, data, size)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes | Sequence[bytes], size: int | None = None) -> None:
    """Write all of `data` to the descriptor `fd`; pieces in one os.writev where the system
    has it (POSIX.1-2001), so they are never copied into one string first. `size`: the
    pieces' total length when the caller knows it (a short write is told by it), else None
    (summed here)."""
    if not isinstance(data, bytes):
        if len(data) > _IOV_MAX:  # more pieces than one writev takes: in groups
            for start in range(0, len(data), _IOV_MAX):
                write_all(fd, data[start : start + _IOV_MAX])
            return
        done = os.writev(fd, data) if _WRITEV and data else 0
        if done == (sum(map(len, data)) if size is None else size):
            return
        data = b"".join(data)[done:]  # a short write (a signal, a full disk): the rest below
    view = memoryview(data)
    while view:  # os.write may write less than asked (a signal, a full disk's last bytes)
        view = view[os.write(fd, view) :]


def write_messages(
    messages: Iterable[PersonalizedMessage],
    *,
    out_dir: Path | None,
    mbox: IO[bytes] | None,
    date: datetime,
    on_message: Callable[[PersonalizedMessage], None] | None = None,
) -> None:
    """Write each message to DIR/<segment>/<row>-<address>.eml under `out_dir` (a staging
    folder the caller swaps in atomically) and/or append it to the open `mbox` file (see
    output.atomic_file). `on_message` is called once each message is written (an mbox entry:
    queued for the next batch, written before this returns)."""
    if out_dir is None and mbox is None:
        raise ConfigError(
            _("nowhere to write the messages"), hint=_("pass --out DIR or --mbox FILE")
        )
    # Per segment folder: its open descriptor (closed on the way out) or None, and its path.
    folders: dict[str, tuple[int | None, str]] = {}
    separator = mbox_from_line(date)  # the same date on every entry: encoded once
    # The mbox is written through its descriptor: what its file object holds is flushed
    # first, and nothing is written through the object after. (An object without a
    # descriptor, such as io.BytesIO, is written through the object, an entry at a time.)
    box: int | None = None
    if mbox is not None:
        mbox.flush()
        with contextlib.suppress(io.UnsupportedOperation):
            box = mbox.fileno()
    # mbox entries go out in batches, one writev each (see _Batches); what is queued is
    # written when the block ends, also when a later message raises: nothing already made is
    # held back.
    queue = _Batches(box) if box is not None else None
    with contextlib.ExitStack() as opened:
        if queue is not None:
            opened.callback(queue.flush)
            if out_dir is None:  # an mbox alone, the usual run: the loop made for it
                queue.add_entries(messages, separator, date, on_message)
                return
        for msg in messages:
            if out_dir is not None:
                if msg.mboxrd:
                    raise ValueError("an mbox-form message cannot be written as an .eml file")
                folder = folders.get(msg.segment_id)
                if folder is None:
                    (out_dir / msg.segment_id).mkdir(parents=True, exist_ok=True)
                    path = os.fspath(out_dir / msg.segment_id)
                    fd = os.open(path, _FOLDER) if _RELATIVE else None
                    if fd is not None:
                        opened.callback(os.close, fd)
                    folder = folders[msg.segment_id] = (fd, path)
                fd, path = folder
                name = eml_name(msg)
                write_file(
                    name if fd is not None else os.path.join(path, name),
                    msg.content,
                    dir_fd=fd,
                    size=msg.size,
                )
            if mbox is not None:
                entry = _entry(msg, separator, date)
                if queue is not None:
                    queue.add(entry)
                else:
                    mbox.write(b"".join(entry))
            if on_message is not None:
                on_message(msg)


def _entry(msg: PersonalizedMessage, separator: bytes, date: datetime) -> tuple[bytes, ...]:
    # A message's mbox entry as pieces: `separator` is mbox_from_line(date), made once.
    if msg.mboxrd:
        content = msg.content
        pieces = content if isinstance(content, tuple) else (content,)
        return (separator, *pieces, b"\n")
    return (mbox_entry(msg, date),)


class _Batches:
    """Pieces queued for one descriptor and written with one os.writev per batch of at most
    IOV_MAX pieces: one system call for a few dozen mbox entries instead of one per entry
    (the floor of the mbox benchmark writes each message with one call)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending: list[bytes] = []
        self.size = 0  # the pending pieces' total length: write_all tells a short write by it

    def add(self, pieces: Sequence[bytes]) -> None:
        """Queue one entry's pieces, writing what is queued first if they would not fit."""
        if self.pending and len(self.pending) + len(pieces) > _IOV_MAX:
            self.flush()
        self.pending.extend(pieces)
        self.size += sum(map(len, pieces))

    def add_entries(
        self,
        messages: Iterable[PersonalizedMessage],
        separator: bytes,
        date: datetime,
        on_message: Callable[[PersonalizedMessage], None] | None,
    ) -> None:
        """Queue each message's mbox entry (_entry), as write_messages does for an mbox
        alone. A message in its mbox form, in pieces (nearly every one), goes straight into
        the queue: the separator, its pieces and the final line end, with no tuple made and
        no call per message; its length is the message's size as the builder knows it
        (PersonalizedMessage.size), or its pieces' total."""
        pending = self.pending
        framing = len(separator) + 1  # the separator and the final line end
        for msg in messages:
            pieces = msg.content
            if msg.mboxrd and type(pieces) is tuple:
                if pending and len(pending) + len(pieces) + 2 > _IOV_MAX:
                    self.flush()
                    pending = self.pending
                pending.append(separator)
                pending += pieces
                pending.append(b"\n")
                size = msg.size
                self.size += framing + (sum(map(len, pieces)) if size is None else size)
            else:
                self.add(_entry(msg, separator, date))
                pending = self.pending
            if on_message is not None:
                on_message(msg)

    def flush(self) -> None:
        """Write what is queued (write_all splits more pieces than one writev takes)."""
        batch, size, self.pending, self.size = self.pending, self.size, [], 0
        if batch:
            write_all(self.fd, batch, size)
