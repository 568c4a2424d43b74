"""A persistent DNS answer cache in SQLite that honours TTLs and negative TTLs.

Only FOUND and ABSENT answers with a positive TTL are stored (RFC 2308 §5 negative caching uses
the SOA minimum the resolver read), for at most a day (found) or three hours (absent); UNKNOWN answers never are, so a timeout today is asked again
tomorrow. One connection per cache; writes are queued and committed in batches (every
`batch_size` answers and on `flush()` / `close()`), which keeps a 5,000-domain audit from paying
one fsync per answer. The cache is meant for one process, used from one event loop; a lock makes
it safe should a caller use it from threads too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import platformdirs

from b2bmail.deliverability.answers import Answer, Status, normalize_name
from b2bmail.errors import DnsSetupError

CACHE_ENV = "B2BMAIL_CACHE"
# A zone may say anything up to 2^31-1 seconds (68 years), in a record's TTL or in its SOA
# MINIMUM; an answer is kept at most this long. Negative answers: RFC 2308 §5 finds one to
# three hours a sensible negative TTL and more than a day problematic, and 3 h is BIND's
# max-ncache-ttl default. Positive answers: 1 day, Unbound's cache-max-ttl default — a domain
# that moves its mail is seen the next day at the latest.
MAX_POSITIVE_TTL = 86_400
MAX_NEGATIVE_TTL = 10_800
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    name TEXT NOT NULL,
    rdtype TEXT NOT NULL,
    status TEXT NOT NULL,
    records TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (name, rdtype)
)
"""


def default_cache_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$B2BMAIL_CACHE` if set, else `dns.sqlite3` in the user's cache folder."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    return Path(platformdirs.user_cache_dir("b2bmail")) / "dns.sqlite3"


class AnswerCache:
    """DNS answers keyed by (name, type), each kept until its TTL runs out."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        batch_size: int = 500,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._batch_size = batch_size
        self._pending: dict[tuple[str, str], tuple[str, str, str, str, str, float]] = {}
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise DnsSetupError(
                f"cannot open the DNS cache: {exc}",
                path=self.path,
                hint=f"set {CACHE_ENV} to a writable file or pass --no-cache",
            ) from None

    def get(self, name: str, rdtype: str) -> Answer | None:
        """The cached answer with its remaining TTL, or None when missing or expired."""
        key = (normalize_name(name), rdtype.upper())
        now = self._clock()
        with self._lock:
            row = self._pending.get(key)
            if row is None:
                found = self._db.execute(
                    "SELECT name, rdtype, status, records, reason, expires FROM answers"
                    " WHERE name = ? AND rdtype = ?",
                    key,
                ).fetchone()
                if found is None:
                    return None
                row = found
        _, _, status, records, reason, expires = row
        remaining = int(expires - now)
        if remaining <= 0:
            return None
        return Answer(key[0], key[1], Status(status), tuple(json.loads(records)), remaining, reason)

    def put(self, answer: Answer) -> None:
        """Queue `answer` for storage unless it is UNKNOWN or has no TTL.

        It is kept for its TTL, at most `MAX_POSITIVE_TTL` (found) or `MAX_NEGATIVE_TTL`
        (absent).
        """
        if answer.unknown or answer.ttl <= 0:
            return
        ttl = min(answer.ttl, MAX_POSITIVE_TTL if answer.found else MAX_NEGATIVE_TTL)
        key = (normalize_name(answer.name), answer.rdtype.upper())
        row = (
            key[0],
            key[1],
            answer.status.value,
            json.dumps(list(answer.records)),
            answer.reason,
            self._clock() + ttl,
        )
        with self._lock:
            self._pending[key] = row
            full = len(self._pending) >= self._batch_size
        if full:
            self.flush()

    def flush(self) -> None:
        """Commit queued answers in one transaction."""
        with self._lock:
            if not self._pending:
                return
            rows = list(self._pending.values())
            try:
                with self._db:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)", rows
                    )
            except sqlite3.Error as exc:
                raise DnsSetupError(
                    f"cannot write the DNS cache: {exc}",
                    path=self.path,
                    hint=f"set {CACHE_ENV} to a writable file or pass --no-cache",
                ) from None
            self._pending.clear()

    def clear_expired(self) -> int:
        """Delete expired rows; return how many went."""
        self.flush()
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM answers WHERE expires <= ?", (self._clock(),))
            return cursor.rowcount

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()

    def __enter__(self) -> AnswerCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
