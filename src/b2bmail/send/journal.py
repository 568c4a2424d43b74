"""The send journal: one SQLite row per message, the proof that each was sent exactly once.

A message is `planned` before anything is sent. Just before the end of DATA (the final dot,
RFC 5321 §4.1.1.4: the server takes responsibility for the message when it acknowledges it)
the row becomes `sending`, committed; after the server's reply it becomes `sent` (with the
reply, which carries the queue id), `deferred` (4xx, tried again) or `failed` (5xx, with the
enhanced status code, RFC 3463). A row still `sending` when a run starts belonged to a process
that died between the dot and the reply: the server may or may not hold the message, so it is
`uncertain`, and is sent again only with `--resend-uncertain`. Everything before the dot is
safe to retry: a server discards a transaction whose data never ended.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import InputError
from b2bmail.i18n import _

PLANNED = "planned"
SENDING = "sending"
SENT = "sent"
DEFERRED = "deferred"
FAILED = "failed"
UNCERTAIN = "uncertain"
STATES = (PLANNED, SENDING, SENT, DEFERRED, FAILED, UNCERTAIN)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    segment TEXT NOT NULL,
    grp TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class JournalRow:
    message_id: str
    recipient: str
    segment: str
    group: str
    state: str
    attempts: int
    reply: str
    status: str


class Journal:
    """The journal file; every state change is committed before the call returns."""

    def __init__(self, path: str | Path, campaign: str) -> None:
        self.path = Path(path)
        try:
            # check_same_thread=False: workers share it behind `lock` in the sender.
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            # WAL + synchronous=NORMAL: a commit survives the process being killed (SIGKILL);
            # only a power cut can lose the last commits.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key='campaign'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise InputError(
                _("cannot use the send journal: {error}").format(error=exc),
                path=self.path,
                hint=_("give another --journal file, or remove this one if it is not a journal"),
            ) from None
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('campaign', ?)", (campaign,))
        elif row[0] != campaign:
            raise InputError(
                _("this journal belongs to the campaign {theirs}, not {ours}").format(
                    theirs=repr(row[0]), ours=repr(campaign)
                ),
                path=self.path,
                hint=_("give each campaign its own --journal file"),
            )

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def _set(self, message_id: str, state: str, reply: str = "", status: str = "") -> None:
        now = time.time()
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE messages SET state=?, reply=?, status=?, updated=?,"
                " attempts=attempts + (? = 'sending') WHERE message_id=?",
                (state, reply, status, now, state, message_id),
            )
            self.db.execute(
                "INSERT INTO events (message_id, state, reply, at) VALUES (?, ?, ?, ?)",
                (message_id, state, reply, now),
            )

    def recover(self) -> int:
        """Mark rows left `sending` by a process that died as `uncertain`; how many."""
        rows = [
            r[0]
            for r in self.db.execute("SELECT message_id FROM messages WHERE state=?", (SENDING,))
        ]
        for mid in rows:
            self._set(mid, UNCERTAIN, "the sending process stopped after the end of DATA")
        return len(rows)

    def plan(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        """Record (message_id, recipient, segment, group) as planned, once each."""
        now = time.time()
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR IGNORE INTO messages (message_id, recipient, segment, grp, state,"
                " updated) VALUES (?, ?, ?, ?, 'planned', ?)",
                [(*e, now) for e in entries],
            )

    def states(self) -> dict[str, str]:
        """message_id -> state, for every row."""
        return dict(self.db.execute("SELECT message_id, state FROM messages").fetchall())

    def rows(self) -> Iterator[JournalRow]:
        """Every row, in insertion order."""
        for r in self.db.execute(
            "SELECT message_id, recipient, segment, grp, state, attempts, reply, status"
            " FROM messages ORDER BY rowid"
        ):
            yield JournalRow(*r)

    def counts(self) -> dict[str, int]:
        """Rows per state (every state present, 0 when none)."""
        found = dict(self.db.execute("SELECT state, count(*) FROM messages GROUP BY state"))
        return {state: found.get(state, 0) for state in STATES}

    def sending(self, message_id: str) -> None:
        """Before the final dot of DATA: from here on the outcome may be unknown."""
        self._set(message_id, SENDING)

    def sent(self, message_id: str, reply: str) -> None:
        """The server accepted the message (`reply` holds its queue id)."""
        self._set(message_id, SENT, reply)

    def deferred(self, message_id: str, reply: str) -> None:
        """A 4xx reply, or a connection lost before the final dot: safe to send again."""
        self._set(message_id, DEFERRED, reply)

    def failed(self, message_id: str, reply: str, status: str) -> None:
        """A 5xx reply: a bounce, with its enhanced status code (RFC 3463)."""
        self._set(message_id, FAILED, reply, status)

    def uncertain(self, message_id: str, reply: str) -> None:
        """The connection was lost after the final dot: the server may hold the message."""
        self._set(message_id, UNCERTAIN, reply)
