"""Writing personalised messages: one .eml per recipient in segment folders, or one mbox."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import IO

from b2bmail.errors import ConfigError
from b2bmail.personalize.message import PersonalizedMessage

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+-]+")


def eml_name(msg: PersonalizedMessage) -> str:
    """`000123-anne@acme.fr.eml`: the file row, then the address made safe for file names."""
    return f"{msg.row:06d}-{_SAFE_NAME.sub('_', msg.email)[:80]}.eml"


def mbox_entry(msg: PersonalizedMessage, date: datetime) -> bytes:
    """One mboxrd entry: the `From ` line, the message with LF line ends, a blank line.

    The .eml bytes end their lines in CRLF (RFC 5322 §2.1); an mbox file stores messages with
    the local LF convention, so every CRLF becomes LF here.

    Bodies never hold a line starting with "From " (render.mime encodes it as =46rom); header
    lines cannot either, but any line matching >*From is still quoted (mboxrd)."""
    stamp = date.strftime("%a %b %d %H:%M:%S %Y")
    data = msg.data.replace(b"\r\n", b"\n")
    if b"\nFrom " in data or b"\n>" in data:
        data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
    return b"From MAILER-DAEMON " + stamp.encode("ascii") + b"\n" + data + b"\n"


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
    output.atomic_file)."""
    if out_dir is None and mbox is None:
        raise ConfigError("nowhere to write the messages", hint="pass --out DIR or --mbox FILE")
    made: set[str] = set()
    for msg in messages:
        if out_dir is not None:
            folder = out_dir / msg.segment_id
            if msg.segment_id not in made:
                folder.mkdir(parents=True, exist_ok=True)
                made.add(msg.segment_id)
            (folder / eml_name(msg)).write_bytes(msg.data)
        if mbox is not None:
            mbox.write(mbox_entry(msg, date))
        if on_message is not None:
            on_message(msg)
