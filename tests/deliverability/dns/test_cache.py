"""AnswerCache: TTLs, negative TTLs, never UNKNOWN; and a cached second run sends no query."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset
import pytest
from tests.deliverability.nsd import ScriptedServer, StartNsd

from b2bmail.deliverability.dns.answers import Answer, Status
from b2bmail.deliverability.dns.cache import AnswerCache, DnsCacheWarning, default_cache_path
from b2bmail.deliverability.dns.resolver import DnsResolver, read_response, to_answers
from b2bmail.errors import DnsSetupError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


MX = Answer("example.test", "MX", Status.FOUND, ("10 mx.example.test",), 300)
GONE = Answer("gone.test", "MX", Status.ABSENT, (), 60, "nxdomain")


def test_found_answer_is_kept_until_its_ttl_runs_out(tmp_path: Path) -> None:
    clock = Clock()
    cache = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    cache.put(MX)
    clock.now += 100
    assert cache.get("EXAMPLE.test.", "mx") == Answer(
        "example.test", "MX", Status.FOUND, ("10 mx.example.test",), 200
    )
    clock.now += 200
    assert cache.get("example.test", "MX") is None


def test_negative_answer_uses_its_negative_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    cache.put(GONE)
    clock.now += 59
    assert cache.get("gone.test", "MX") == Answer(
        "gone.test", "MX", Status.ABSENT, (), 1, "nxdomain"
    )
    clock.now += 1
    assert cache.get("gone.test", "MX") is None


@pytest.mark.parametrize(
    "answer",
    [
        Answer("slow.test", "MX", Status.UNKNOWN, (), 0, "timeout"),
        Answer("slow.test", "MX", Status.UNKNOWN, (), 300, "servfail"),
        Answer("slow.test", "MX", Status.ABSENT, (), 0, "nodata"),
    ],
    ids=["timeout", "servfail-even-with-ttl", "negative-without-soa"],
)
def test_unknown_and_ttl_less_answers_are_never_stored(tmp_path: Path, answer: Answer) -> None:
    cache = AnswerCache(tmp_path / "dns.sqlite3")
    cache.put(answer)
    cache.flush()
    assert cache.get("slow.test", "MX") is None


def test_answers_persist_across_instances_after_close(tmp_path: Path) -> None:
    clock = Clock()
    with AnswerCache(tmp_path / "dns.sqlite3", clock=clock) as cache:
        cache.put(MX)
        cache.put(GONE)
    reopened = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    assert reopened.get("example.test", "MX") == MX
    assert reopened.get("gone.test", "MX") == GONE
    clock.now += 120
    assert reopened.clear_expired() == 1


def test_writes_are_batched(tmp_path: Path) -> None:
    path = tmp_path / "dns.sqlite3"
    cache = AnswerCache(path, batch_size=2)
    cache.put(MX)
    assert AnswerCache(path).get("example.test", "MX") is None  # queued, not committed yet
    cache.put(GONE)
    assert AnswerCache(path).get("example.test", "MX") is not None


def test_default_path_honours_the_environment(tmp_path: Path) -> None:
    assert default_cache_path({"B2BMAIL_CACHE": str(tmp_path / "c.db")}) == tmp_path / "c.db"
    assert default_cache_path({}).name == "dns.sqlite3"


def test_unwritable_cache_is_a_setup_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DnsSetupError, match="cannot open the DNS cache"):
        AnswerCache(blocker / "dns.sqlite3")


QUESTIONS = [("example.test", "MX"), ("example.test", "TXT"), ("gone.example.test", "MX")]


async def ask_all(resolver: DnsResolver) -> list[Answer]:
    return list(await asyncio.gather(*(resolver.lookup(n, t) for n, t in QUESTIONS)))


@pytest.mark.nsd
def test_second_run_is_answered_from_the_cache(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server({"example.test": '@ MX 10 mx\n@ TXT "v=spf1 -all"\nmx A 192.0.2.1'})
    with AnswerCache(tmp_path / "dns.sqlite3") as cache:
        first = DnsResolver([server.nameserver], cache=cache)
        first_answers = asyncio.run(ask_all(first))
    assert first.stats.queries == 3
    with AnswerCache(tmp_path / "dns.sqlite3") as cache:
        second = DnsResolver([server.nameserver], cache=cache)
        second_answers = asyncio.run(ask_all(second))
        assert second.stats.queries == 0
        assert second.stats.cache_hits == 3
        assert [(a.status, a.records) for a in second_answers] == [
            (a.status, a.records) for a in first_answers
        ]
        refreshing = DnsResolver([server.nameserver], cache=cache, refresh=True)
        asyncio.run(ask_all(refreshing))
        assert refreshing.stats.queries == 3


@pytest.mark.nsd
def test_expired_entries_are_asked_again(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server({"example.test": '@ MX 10 mx\n@ TXT "v=spf1 -all"\nmx A 192.0.2.1'})
    clock = Clock()
    cache = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    asyncio.run(ask_all(DnsResolver([server.nameserver], cache=cache)))
    clock.now += 61  # past the negative TTL (60), before the positive ones (300)
    again = DnsResolver([server.nameserver], cache=cache)
    asyncio.run(ask_all(again))
    assert again.stats.queries == 1 and again.stats.cache_hits == 2


def test_timeouts_are_not_cached(silent_nameserver: str, tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "dns.sqlite3")
    resolver = DnsResolver([silent_nameserver], timeout=0.2, retries=0, cache=cache)
    asyncio.run(resolver.lookup("example.test", "MX"))
    cache.flush()
    assert cache.get("example.test", "MX") is None


# RFC 2308 §5 and common resolver defaults: found answers at most 1 day, absent ones 3 hours.
DAY, THREE_HOURS = 86_400, 10_800


@pytest.mark.parametrize(
    ("status", "ttl", "kept"),
    [
        (Status.FOUND, DAY, DAY),
        (Status.FOUND, DAY + 1, DAY),
        (Status.FOUND, 2**31 - 1, DAY),
        (Status.ABSENT, THREE_HOURS, THREE_HOURS),
        (Status.ABSENT, THREE_HOURS + 1, THREE_HOURS),
        (Status.ABSENT, 2**31 - 1, THREE_HOURS),
    ],
    ids=["found-1d", "found-1d+1", "found-max", "absent-3h", "absent-3h+1", "absent-max"],
)
def test_ttls_are_capped(tmp_path: Path, status: Status, ttl: int, kept: int) -> None:
    clock = Clock()
    cache = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    records = ("10 mx.example.test",) if status is Status.FOUND else ()
    cache.put(Answer("example.test", "MX", status, records, ttl, "" if records else "nxdomain"))
    got = cache.get("example.test", "MX")
    assert got is not None and got.ttl == kept
    clock.now += kept
    assert cache.get("example.test", "MX") is None


def nxdomain_68_years(query: dns.message.Message) -> dns.message.Message:
    """NXDOMAIN with an SOA whose TTL and MINIMUM are 2^31-1 s: 68 years (RFC 2181 §8's most)."""
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    soa = "ns.test. hostmaster.test. 1 3600 600 86400 2147483647"
    response.authority.append(dns.rrset.from_text("test.", 2**31 - 1, "IN", "SOA", soa))
    return response


@pytest.fixture
def nxdomain_for_68_years() -> Iterator[str]:
    """A server answering NXDOMAIN with an SOA whose TTL and MINIMUM are 2^31-1 s (68 years)."""

    server = ScriptedServer(nxdomain_68_years)
    yield server.nameserver
    server.stop()


def test_negative_ttl_of_68_years_is_cached_3_hours(
    nxdomain_for_68_years: str, tmp_path: Path
) -> None:
    # Regression: the SOA minimum was taken as is, and the NXDOMAIN kept for 68 years.
    clock = Clock()
    with AnswerCache(tmp_path / "dns.sqlite3", clock=clock) as cache:
        resolver = DnsResolver([nxdomain_for_68_years], cache=cache, timeout=1)
        answer = asyncio.run(resolver.lookup("gone.test", "MX"))
        assert answer.nxdomain
        cache.flush()
        assert cache.get("gone.test", "MX") == Answer(
            "gone.test", "MX", Status.ABSENT, (), THREE_HOURS, "nxdomain"
        )
        clock.now += THREE_HOURS
        assert cache.get("gone.test", "MX") is None


@pytest.mark.nsd
def test_negative_ttl_from_nsd_is_capped(nsd_server: StartNsd, tmp_path: Path) -> None:
    soa = "@ IN SOA ns hostmaster 1 3600 600 86400 2147483647\n@ 2147483647 IN NS ns\n"
    server = nsd_server({"capped.test": f"$TTL 2147483647\n{soa}ns A 192.0.2.53"})
    clock = Clock()
    with AnswerCache(tmp_path / "dns.sqlite3", clock=clock) as cache:
        resolver = DnsResolver([server.nameserver], cache=cache)
        asyncio.run(resolver.lookup("gone.capped.test", "MX"))
        asyncio.run(resolver.lookup("ns.capped.test", "A"))
        cache.flush()
        gone, ns = cache.get("gone.capped.test", "MX"), cache.get("ns.capped.test", "A")
    assert gone is not None and (gone.reason, gone.ttl) == ("nxdomain", THREE_HOURS)
    assert ns is not None and (ns.records, ns.ttl) == (("192.0.2.53",), DAY)


def filled_cache(path: Path, answers: int = 2000) -> None:
    with AnswerCache(path) as cache:
        for i in range(answers):
            cache.put(Answer(f"d{i}.example.test", "MX", Status.FOUND, (f"10 mx{i}.test",), 300))


@pytest.mark.parametrize(
    "content",
    [b"email,name\nann@example.com,Ann\n", b"SQLite format 3\0" + b"\xff" * 40],
    ids=["text-file", "broken-header"],
)
def test_a_file_that_is_not_a_cache_is_refused_and_kept(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    with pytest.raises(DnsSetupError, match="this is not a b2bmail DNS cache"):
        AnswerCache(path)
    assert path.read_bytes() == content


def test_another_applications_database_is_refused_and_kept(tmp_path: Path) -> None:
    # Regression: `CREATE TABLE IF NOT EXISTS answers` went into any SQLite file it was given.
    path = tmp_path / "app.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
    with pytest.raises(DnsSetupError, match=r"an SQLite database with invoices\): it is left"):
        AnswerCache(path)
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
    assert tables == ["invoices"]


def test_a_truncated_cache_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "dns.sqlite3"
    filled_cache(path)
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    with pytest.warns(DnsCacheWarning, match="the DNS cache was damaged .*rebuilt, empty"):
        cache = AnswerCache(path)
    assert cache.get("d1.example.test", "MX") is None
    cache.put(MX)
    cache.close()
    assert AnswerCache(path).get("example.test", "MX") is not None


def test_a_cache_of_another_schema_version_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "dns.sqlite3"
    filled_cache(path, 1)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.warns(DnsCacheWarning, match="schema 99"):
        AnswerCache(path).close()


def test_a_cache_from_before_the_application_id_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "dns.sqlite3"
    with sqlite3.connect(path) as db:  # what the previous version wrote
        db.execute(
            "CREATE TABLE answers (name TEXT NOT NULL, rdtype TEXT NOT NULL, status TEXT NOT NULL,"
            " records TEXT NOT NULL, reason TEXT NOT NULL, expires REAL NOT NULL,"
            " PRIMARY KEY (name, rdtype))"
        )
        db.execute(
            "INSERT INTO answers VALUES ('example.test', 'MX', 'found',"
            " '[\"10 mx.example.test\"]', '', 1e12)"
        )
    got = AnswerCache(path).get("example.test", "MX")
    assert got is not None and got.records == ("10 mx.example.test",)


def unwritable_cache(path: Path) -> None:
    """A b2bmail cache SQLite must open read-only: its header's write version (byte 18) is 3,
    "treat as read-only" in the SQLite file format — which holds for root too, unlike chmod."""
    filled_cache(path, 1)
    data = bytearray(path.read_bytes())
    data[18] = 3
    path.write_bytes(bytes(data))


def test_an_unwritable_cache_fails_when_opened(tmp_path: Path) -> None:
    # Regression: it opened, and failed when the answers of the whole audit were committed.
    path = tmp_path / "dns.sqlite3"
    unwritable_cache(path)
    with pytest.raises(DnsSetupError, match="cannot write the DNS cache"):
        AnswerCache(path)


def test_negative_ttl_cap_on_a_canned_response(tmp_path: Path) -> None:
    # No socket: dnspython builds the NXDOMAIN, the resolver's parser reads it, the cache caps it.
    response = nxdomain_68_years(dns.message.make_query("gone.test", "MX"))
    rcode, answers, authority = read_response(response.to_wire())
    answer, _ = to_answers("gone.test", "MX", answers, authority, rcode)
    assert (answer.reason, answer.ttl) == ("nxdomain", 2**31 - 1)  # what the zone says
    clock = Clock()
    cache = AnswerCache(tmp_path / "dns.sqlite3", clock=clock)
    cache.put(answer)
    clock.now += THREE_HOURS - 1
    assert cache.get("gone.test", "MX") == Answer(
        "gone.test", "MX", Status.ABSENT, (), 1, "nxdomain"
    )
    clock.now += 1
    assert cache.get("gone.test", "MX") is None
