"""The suppression store: every unsubscribed address in SQLite, exported to the suppression
CSV that `segment --suppress` and `build --suppress` read (recipients.buckets.load_suppressions).

A WSGI server may serve requests from several threads or processes, so each call opens its
own connection; SQLite serialises the writes.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import OutputError
from b2bmail.i18n import _
from b2bmail.output import csv_writer, write_atomic

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    address_key TEXT PRIMARY KEY,  -- recipients.addresses.address_key: the token's input
    email TEXT NOT NULL,           -- as it came in the unsubscribe URL
    unsubscribed_at TEXT NOT NULL  -- ISO 8601, UTC, of the first request
)
"""


@dataclass(frozen=True)
class Suppression:
    """One unsubscribed address and when (the first time) it was recorded."""

    address_key: str
    email: str
    unsubscribed_at: str


class SuppressionStore:
    """An SQLite file of unsubscribed addresses; `record` is idempotent."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self._connect() as db:
            db.execute(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=10.0)
            with db:  # commit, or roll back on an error
                yield db
        except sqlite3.Error as exc:
            raise OutputError(
                _("cannot use the suppression store: {error}").format(error=exc),
                path=self.path,
                hint=_("give a writable SQLite file b2bmail wrote (--store)"),
            ) from None
        finally:
            if db is not None:
                db.close()

    def record(self, address_key: str, email: str, when: str) -> bool:
        """Add the address; True when it is new. A replay keeps the first time."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO suppressions VALUES (?, ?, ?)", (address_key, email, when)
            )
            return cursor.rowcount == 1

    def contains(self, address_key: str) -> bool:
        """Whether the address is already suppressed."""
        with self._connect() as db:
            row = db.execute(
                "SELECT 1 FROM suppressions WHERE address_key = ?", (address_key,)
            ).fetchone()
            return row is not None

    def all(self) -> list[Suppression]:
        """Every suppression, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT address_key, email, unsubscribed_at FROM suppressions"
                " ORDER BY unsubscribed_at, address_key"
            ).fetchall()
        return [Suppression(*row) for row in rows]


def export_suppressions(store: SuppressionStore, out: str | Path) -> int:
    """Write the store as a suppression CSV (`email,unsubscribed_at`, with a header
    line) that `--suppress` reads; atomically. Returns the number of addresses."""
    rows = store.all()
    text = io.StringIO()
    writer = csv_writer(text, lineterminator="\n")
    writer.writerow(("email", "unsubscribed_at"))
    for row in rows:
        # The key, not the address as typed: it is what `--suppress` matches on.
        writer.writerow((row.address_key, row.unsubscribed_at))
    write_atomic(out, text.getvalue(), inputs=(store.path,))
    return len(rows)
