"""A persistent DNS answer cache in SQLite that honours TTLs and negative TTLs.

Only FOUND and ABSENT answers with a positive TTL are stored (RFC 2308 §5 negative caching uses
the SOA minimum the resolver read), for at most a day (found) or three hours (absent); UNKNOWN
answers never are, so a timeout today is asked again tomorrow. One connection per cache; writes are queued and committed in batches (every
`batch_size` answers and on `flush()` / `close()`), which keeps a 5,000-domain audit from paying
one fsync per answer. The cache is meant for one process, used from one event loop; a lock makes
it safe should a caller use it from threads too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

import platformdirs

from b2bmail.deliverability.dns.answers import Answer, DnsWarning, Status, normalize_name
from b2bmail.errors import DnsSetupError
from b2bmail.i18n import N_, _

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


# SQLite's application_id ("b2mc") marks a file as a b2bmail DNS cache, user_version its schema.
APPLICATION_ID = 0x62326D63
SCHEMA_VERSION = 1
_COLUMNS = ["name", "rdtype", "status", "records", "reason", "expires"]
_HINT = N_("set {name} to another file, or pass --no-cache")  # .format(name=CACHE_ENV)
_WRITABLE_HINT = N_("set {name} to a writable file or pass --no-cache")


def _hint(text: str) -> str:
    return _(text).format(name=CACHE_ENV)


def _cannot_write(path: Path, exc: sqlite3.Error) -> DnsSetupError:
    return DnsSetupError(
        _("cannot write the DNS cache: {error}").format(error=exc),
        path=path,
        hint=_hint(_WRITABLE_HINT),
    )


class DnsCacheWarning(DnsWarning):
    """The DNS cache file was damaged: it has been rebuilt, empty (the CLI prints one line)."""


class _DamagedCacheError(Exception):
    """A file that is ours (by its application_id) but unreadable or of another schema."""


def _check_owner(db: sqlite3.Connection, path: Path) -> None:
    """Raise `DnsSetupError` for a file that is not a b2bmail cache, `_DamagedCacheError` for
    one of ours that is damaged; return for a usable cache or a new, empty file."""
    # The owner is read from the file's 100-byte header (SQLite file format §1.3: the magic
    # string, and the application_id at offset 68), which a truncated or malformed database
    # still has intact when SQLite itself refuses to read it.
    header = b""
    with contextlib.suppress(FileNotFoundError), path.open("rb") as file:
        header = file.read(100)
    if header and not (len(header) == 100 and header.startswith(b"SQLite format 3\0")):
        # Not an SQLite file: nothing says it is ours, so it is never deleted.
        raise DnsSetupError(
            _("this is not a b2bmail DNS cache (not an SQLite database): it is left as it is"),
            path=path,
            hint=_hint(_HINT),
        )
    app_id = int.from_bytes(header[68:72], "big") if header else 0
    try:
        tables = [
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        columns = [row[1] for row in db.execute("PRAGMA table_info(answers)")]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        check = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            # In use by another process: not damaged, and never deleted.
            raise DnsSetupError(
                _("the DNS cache is busy: {error}").format(error=exc), path=path, hint=_hint(_HINT)
            ) from None
        if app_id != APPLICATION_ID:
            raise DnsSetupError(
                _("this is not a b2bmail DNS cache ({error}): it is left as it is").format(
                    error=exc
                ),
                path=path,
                hint=_hint(_HINT),
            ) from None
        raise _DamagedCacheError(str(exc)) from None
    # A cache from before the application_id (answers table only, same columns) is adopted.
    legacy = app_id == 0 and (not tables or (tables == ["answers"] and columns == _COLUMNS))
    if app_id != APPLICATION_ID and not legacy:
        found = ", ".join(tables) or _("no tables")
        raise DnsSetupError(
            _(
                "this is not a b2bmail DNS cache (an SQLite database with {found}): it is left as"
                " it is"
            ).format(found=found),
            path=path,
            hint=_hint(_HINT),
        )
    if app_id == APPLICATION_ID and (version != SCHEMA_VERSION or columns != _COLUMNS):
        raise _DamagedCacheError(f"schema {version}, columns {columns}")
    if check != "ok":
        raise _DamagedCacheError(check)


class AnswerCache:
    """DNS answers keyed by (name, type), each kept until its TTL runs out.

    Opening it checks the file before any query is sent: a file that is not a b2bmail cache
    (no SQLite header, another application's database) raises `DnsSetupError` and is left
    alone; a b2bmail cache that is damaged (truncated, malformed, another schema) is deleted
    and made anew, with a `DnsCacheWarning`; a cache that cannot be written raises
    `DnsSetupError` — now, not after a whole audit.
    """

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
            try:
                self._db = self._open()
            except _DamagedCacheError as exc:
                warnings.warn(
                    _(
                        "{path}: the DNS cache was damaged ({error}); it has been rebuilt, empty"
                    ).format(path=self.path, error=exc),
                    DnsCacheWarning,
                    stacklevel=2,
                )
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                self._db = self._open()
        except (OSError, sqlite3.Error, _DamagedCacheError) as exc:
            raise DnsSetupError(
                _("cannot open the DNS cache: {error}").format(error=exc),
                path=self.path,
                hint=_hint(_WRITABLE_HINT),
            ) from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False)
        try:
            _check_owner(db, self.path)
            db.execute("PRAGMA journal_mode=WAL")
            # A write now (the header fields), so a cache that cannot be written fails before
            # any DNS query, not when the answers of a whole audit are committed.
            try:
                with db:
                    db.execute(_SCHEMA)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except sqlite3.Error as exc:
                raise _cannot_write(self.path, exc) from None
        except BaseException:
            db.close()
            raise
        return db

    def get(self, name: str, rdtype: str) -> Answer | None:
        """The cached answer with its remaining TTL, or None when missing or expired."""
        key = (normalize_name(name), rdtype.upper())
        now = self._clock()
        with self._lock:
            row = self._pending.get(key)
            if row is None:
                try:
                    found = self._db.execute(
                        "SELECT name, rdtype, status, records, reason, expires FROM answers"
                        " WHERE name = ? AND rdtype = ?",
                        key,
                    ).fetchone()
                except sqlite3.Error as exc:
                    # Damaged while in use (another process truncated it): stop, one line.
                    raise DnsSetupError(
                        _("cannot read the DNS cache: {error}").format(error=exc),
                        path=self.path,
                        hint=_hint(_HINT),
                    ) from None
                if found is None:
                    return None
                row = found
        _name, _type, status, records, reason, expires = row
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
                raise _cannot_write(self.path, exc) from None
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
