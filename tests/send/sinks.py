"""aiosmtpd servers on 127.0.0.1 for the send tests and benchmarks/send.py.

- `Sink`: logs every message (Message-ID, envelope, data) and accepts it `delay` seconds later.
  `replies` (421, 451, 550 5.1.1 ...) are given first, one per message; `drop_after_data`
  times it reads the whole DATA and closes the connection without a reply.

No pytest at import time, so the benchmark can use them too.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from tests.deliverability.nsd import free_port

_MID = re.compile(rb"^Message-ID:\s*(<[^>]*>)", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Received:
    message_id: str
    mail_from: str
    rcpt: tuple[str, ...]
    data: bytes


@dataclass
class Sink:
    """An SMTP handler for aiosmtpd; what it received is in `received`."""

    delay: float = 0.0
    replies: list[str] = field(default_factory=list)
    drop_after_data: int = 0  # drop the connection after DATA this many times
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.drop_after_data:
                self.drop_after_data -= 1
                server.transport.close()  # lost after the final dot: no reply
                return "250 never seen"
            if self.replies:
                return self.replies.pop(0)
            # Logged when the data ends, before the reply, as an MTA commits its queue file
            # on reading the final dot: a client killed while waiting still delivered it.
            m = _MID.search(envelope.content)
            self.received.append(
                Received(
                    m.group(1).decode() if m else "",
                    envelope.mail_from,
                    tuple(envelope.rcpt_tos),
                    envelope.content,
                )
            )
            queued = len(self.received)
        if self.delay:
            await asyncio.sleep(self.delay)
        return f"250 2.0.0 Ok: queued as Q{queued}"

    def counts(self) -> Counter[str]:
        """Message-ID -> times received."""
        with self.lock:
            return Counter(r.message_id for r in self.received)


class Running:
    """A Sink served on 127.0.0.1 by aiosmtpd, on a free port; `options` go to aiosmtpd's
    Controller (authenticator, tls_context, require_starttls ...)."""

    def __init__(self, sink: Sink, **options: Any) -> None:
        self.sink = sink
        self.port = free_port()
        self.controller = Controller(
            sink, hostname="127.0.0.1", port=self.port, ready_timeout=10, **options
        )

    def __enter__(self) -> Running:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    """Poll until predicate() is true (a bounded wait)."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)
