"""Fakes shared by the deliverability tests: a resolver that answers from a table.

`StaticResolver` raises on anything it was not given, so a test cannot silently depend on the
network (the real resolver is tested against NSD on loopback, see nsd.py and conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from b2bmail.deliverability.dns.answers import Answer, Status, normalize_name


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
