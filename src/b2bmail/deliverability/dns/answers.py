"""What a DNS lookup returns, as plain data: found, absent or unknown — never two states.

This module is pure (no dns.* import): the parsers, the SPF evaluator and the risk model speak
in `Answer`s, and only `resolver.py` turns dnspython's results into them. Tests answer from a
table with `tests/deliverability/fakes.py`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

# The resolver's defaults (see resolver.py for why 256), kept in this pure module so that
# `--help` can show them without loading dnspython.
DEFAULT_CONCURRENCY = 256
DEFAULT_TIMEOUT = 3.0


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


def is_valid_domain(name: str) -> bool:
    """RFC 7208 §4.3 (and RFC 1035 §2.3.4 sizes): a multi-label name with no empty label, labels ≤ 63, name ≤ 253 octets."""
    if not name or name.startswith("["):
        return False
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    return len(labels) >= 2 and len(name) <= 253 and all(0 < len(label) <= 63 for label in labels)


class DnsWarning(UserWarning):
    """Something the DNS layer reports and goes on (a dropped nameserver, a rebuilt cache):
    the CLI prints it as one `b2bmail: warning:` line."""


class Lookup(Protocol):
    """Anything that answers DNS questions: the real async resolver, or a static table."""

    async def lookup(self, name: str, rdtype: str) -> Answer: ...
