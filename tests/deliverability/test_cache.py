"""AnswerCache: TTLs, negative TTLs, never UNKNOWN; and a cached second run sends no query."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.deliverability.nsd import StartNsd

from b2bmail.deliverability.answers import Answer, Status
from b2bmail.deliverability.cache import AnswerCache, default_cache_path
from b2bmail.deliverability.resolver import DnsResolver
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
