"""What a DNS lookup returns, as plain data: found, absent or unknown — never two states.

This module is pure (no dns.* import): the parsers, the SPF evaluator and the risk model speak
in `Answer`s, and only `resolver.py` turns dnspython's results into them. `StaticResolver`
answers from a table and raises on anything it was not given, so a test cannot silently depend
on the network.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


class Status(enum.Enum):
    FOUND = "found"
    ABSENT = "absent"  # NXDOMAIN, or the name exists with no record of this type (NODATA)
    UNKNOWN = "unknown"  # timeout, SERVFAIL, REFUSED, network error: never scored as absent


@dataclass(frozen=True)
class Answer:
    """One lookup's outcome.

    `records` are presentation-form strings, normalised:
      A / AAAA: the address ("192.0.2.1", "2001:db8::1")
      MX: "<preference> <exchange>" with the exchange lower-case, no trailing dot ("10 mx.example.com";
          a null MX is "0 ")
      TXT: each record's character-strings joined with no separator (RFC 7208 §3.3), decoded
           as UTF-8 with invalid bytes replaced
      CNAME / PTR / NS: the target name, lower-case, no trailing dot
    `reason` says why: "" when found, "nxdomain" / "nodata" when absent, "timeout" / "servfail" /
    "refused" / "error" / "cname-loop" / "cname-chain" (over 8 links) / "mismatch" (the answer
    holds records for another name only) when unknown. `ttl` is the answer's TTL, or the negative-caching TTL.
    """

    name: str
    rdtype: str
    status: Status
    records: tuple[str, ...] = ()
    ttl: int = 0
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.status is Status.FOUND

    @property
    def absent(self) -> bool:
        return self.status is Status.ABSENT

    @property
    def unknown(self) -> bool:
        return self.status is Status.UNKNOWN

    @property
    def nxdomain(self) -> bool:
        return self.status is Status.ABSENT and self.reason == "nxdomain"


def normalize_name(name: str) -> str:
    """Lower-case, no trailing dot: the one spelling of a domain name used as a key."""
    return name.strip().rstrip(".").lower()


class DnsWarning(UserWarning):
    """Something the DNS layer reports and goes on (a dropped nameserver, a rebuilt cache):
    the CLI prints it as one `b2bmail: warning:` line."""


class Lookup(Protocol):
    """Anything that answers DNS questions: the real async resolver, or a static table."""

    async def lookup(self, name: str, rdtype: str) -> Answer: ...


class UnexpectedQueryError(AssertionError):
    """A `StaticResolver` was asked something its table does not hold."""


class StaticResolver:
    """Answers from a table; raises `UnexpectedQueryError` on any other question.

    `table` maps (name, rdtype) to a list of record strings (found; an empty list means NODATA),
    or to a `Status` / reason string for absent and unknown outcomes:
        {("example.com", "MX"): ["10 mx.example.com"],
         ("gone.example", "MX"): "nxdomain",
         ("slow.example", "TXT"): "timeout"}
    Names are matched case-insensitively, with or without the trailing dot. `queries` records
    every question asked, in order.
    """

    _REASONS: Mapping[str, Status] = {
        "nxdomain": Status.ABSENT,
        "nodata": Status.ABSENT,
        "timeout": Status.UNKNOWN,
        "servfail": Status.UNKNOWN,
        "refused": Status.UNKNOWN,
        "error": Status.UNKNOWN,
        "cname-loop": Status.UNKNOWN,
        "cname-chain": Status.UNKNOWN,
        "mismatch": Status.UNKNOWN,
    }

    def __init__(
        self, table: Mapping[tuple[str, str], Iterable[str] | str], ttl: int = 300
    ) -> None:
        self._table: dict[tuple[str, str], Iterable[str] | str] = {
            (normalize_name(name), rdtype.upper()): value for (name, rdtype), value in table.items()
        }
        self._ttl = ttl
        self.queries: list[tuple[str, str]] = []

    async def lookup(self, name: str, rdtype: str) -> Answer:
        key = (normalize_name(name), rdtype.upper())
        self.queries.append(key)
        if key not in self._table:
            raise UnexpectedQueryError(f"unexpected DNS query {key[1]} {key[0]}")
        value = self._table[key]
        if isinstance(value, str):
            status = self._REASONS[value]
            return Answer(key[0], key[1], status, (), self._ttl, value)
        records = tuple(value)
        if not records:
            return Answer(key[0], key[1], Status.ABSENT, (), self._ttl, "nodata")
        return Answer(key[0], key[1], Status.FOUND, records, self._ttl, "")
