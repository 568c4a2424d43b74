"""Signals that end a run. SIGTERM and SIGHUP end it the way Ctrl-C does: the cleanup runs
(temporary output removed, Chromium killed), then the CLI prints one line and exits 128 + the
signal number, the shell's convention (143 for SIGTERM, 129 for SIGHUP)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

from b2bmail.i18n import _

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

Handler = Callable[[int, FrameType | None], Any]


class Terminated(BaseException):
    """Raised in the main thread when a stop signal arrives. A BaseException, like
    KeyboardInterrupt, so that no `except Exception` swallows it and every `finally` and
    `except BaseException` cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return _("stopped by {signal}").format(signal=signal.Signals(self.signum).name)


@contextlib.contextmanager
def handlers_replaced(signums: Iterable[int], handler: Handler) -> Iterator[None]:
    """Within the block `handler` handles `signums`; the previous handlers come back after it.
    A signal that is ignored (`nohup`) stays ignored. Only the main thread can set handlers:
    elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for signum in signums:
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue
        old = signal.signal(signum, handler)
        previous[signum] = signal.SIG_DFL if old is None else old
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal must not cut short the cleanup the first one started (SIGKILL
    # still ends the process at once).
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Terminated(signum)


def stop_on_signals() -> contextlib.AbstractContextManager[None]:
    """Within the block, SIGTERM and SIGHUP raise Terminated (once)."""
    return handlers_replaced(STOP_SIGNALS, _raise_terminated)
