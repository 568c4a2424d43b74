"""The OpenSPF RFC 7208 test suite, run through check_host() with an in-memory zone.

The suite lives outside the repository (../shared/research/data/deliverability/spf/); when it
is absent the tests skip with a visible reason. A summary line `N passed, M failed` is printed
at the end of the run.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from b2bmail.deliverability.dns.answers import Answer, Status, normalize_name
from b2bmail.deliverability.records.spf import check_host

SUITE = (
    Path(__file__).resolve().parents[3].parent
    / "shared/research/data/deliverability/spf/rfc7208-tests.yml"
)
_TIMEOUT = "TIMEOUT"


class SuiteZone:
    """A `Lookup` over one section's zonedata, with the suite driver's conventions.

    - A name absent from the zone is NXDOMAIN; a name with no record of the type is NODATA.
    - `TIMEOUT` makes a query time out (UNKNOWN) unless records of the queried type come
      before it in the list (pyspf's driver, which wrote the suite, reads it that way).
    - Type SPF (99) is never queried (RFC 7208 §3.1, §14.1): as the suite's header asks,
      a name's SPF-type records are copied to TXT when it has no TXT entry at all
      (`TXT: NONE` blocks the copy).
    - CNAMEs are followed; a CNAME loop is a failure (UNKNOWN), as a resolver reports it.
    """

    def __init__(self, zonedata: dict[str, list[Any]]) -> None:
        self.entries: dict[str, list[tuple[str, str] | str]] = {}
        for name, items in zonedata.items():
            entries: list[tuple[str, str] | str] = []
            spf_copies: list[tuple[str, str]] = []
            has_txt = False
            for item in items:
                if item == _TIMEOUT:
                    entries.append(_TIMEOUT)
                    continue
                ((rdtype, value),) = item.items()
                if rdtype == "TXT":
                    has_txt = True
                if value == "NONE":
                    continue
                record = self._record(rdtype, value)
                if rdtype == "SPF":
                    spf_copies.append(("TXT", record))
                else:
                    entries.append((rdtype, record))
            if not has_txt:
                entries.extend(spf_copies)
            self.entries[normalize_name(name)] = entries

    @staticmethod
    def _record(rdtype: str, value: Any) -> str:
        if rdtype in ("TXT", "SPF"):
            # TXT character-strings are joined with no separator (RFC 7208 §3.3)
            return "".join(value) if isinstance(value, list) else str(value)
        if rdtype == "MX":
            preference, host = value
            return f"{preference} {normalize_name(host)}"
        if rdtype in ("A", "AAAA"):
            return str(ipaddress.ip_address(value))
        return normalize_name(str(value))  # PTR, CNAME

    async def lookup(self, name: str, rdtype: str) -> Answer:
        return self._resolve(normalize_name(name), rdtype.upper(), ())

    def _resolve(self, name: str, rdtype: str, chain: tuple[str, ...]) -> Answer:
        if name not in self.entries:
            return Answer(name, rdtype, Status.ABSENT, reason="nxdomain")
        records: list[str] = []
        for entry in self.entries[name]:
            if isinstance(entry, str):  # TIMEOUT
                if not records:
                    return Answer(name, rdtype, Status.UNKNOWN, reason="timeout")
                break
            entry_type, value = entry
            if entry_type == "CNAME" and rdtype != "CNAME":
                if value in chain or value == name:
                    return Answer(name, rdtype, Status.UNKNOWN, reason="servfail")
                return self._resolve(value, rdtype, (*chain, name))
            if entry_type == rdtype:
                records.append(value)
        if not records:
            return Answer(name, rdtype, Status.ABSENT, reason="nodata")
        return Answer(name, rdtype, Status.FOUND, tuple(records))


@dataclass(frozen=True)
class SuiteCase:
    section: str
    name: str
    test: dict[str, Any]
    zone: SuiteZone


def load_cases() -> Iterator[SuiteCase]:
    with SUITE.open(encoding="utf-8") as handle:
        for section in yaml.safe_load_all(handle):
            if not section:
                continue
            zone = SuiteZone(section.get("zonedata") or {})
            for name, test in section["tests"].items():
                yield SuiteCase(section.get("description", ""), name, test, zone)


CASES = list(load_cases()) if SUITE.exists() else []
OUTCOMES: dict[str, bool] = {}


async def run_case(case: SuiteCase) -> tuple[str, str]:
    test = case.test
    mailfrom = test["mailfrom"] or ""
    helo = test["helo"]
    domain = mailfrom.rpartition("@")[2] if mailfrom else helo
    result = await check_host(
        case.zone,
        test["host"],
        domain,
        mailfrom,
        helo,
        receiver="receiver.example.net",
        default_explanation="DEFAULT",
    )
    return result.result, result.explanation


def expected_results(test: dict[str, Any]) -> list[str]:
    result = test["result"]
    return list(result) if isinstance(result, list) else [result]


@pytest.mark.skipif(not SUITE.exists(), reason=f"OpenSPF RFC 7208 suite not found at {SUITE}")
@pytest.mark.parametrize("case", CASES, ids=[f"{c.section}:{c.name}" for c in CASES])
def test_rfc7208_suite(case: SuiteCase) -> None:
    OUTCOMES[f"{case.section}:{case.name}"] = False
    result, explanation = asyncio.run(run_case(case))
    assert result in expected_results(case.test), case.test.get("description", "")
    if "explanation" in case.test:
        assert explanation == case.test["explanation"]
    OUTCOMES[f"{case.section}:{case.name}"] = True


def test_suite_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints `N passed, M failed` for the suite (runs after the cases, in file order)."""
    if not SUITE.exists():
        with capsys.disabled():
            print(f"\nOpenSPF RFC 7208 suite: skipped, not found at {SUITE}")
        pytest.skip(f"OpenSPF RFC 7208 suite not found at {SUITE}")
    if len(OUTCOMES) < len(CASES):  # run alone (-k): evaluate every case here
        for case in CASES:
            if f"{case.section}:{case.name}" in OUTCOMES:
                continue
            result, explanation = asyncio.run(run_case(case))
            OUTCOMES[f"{case.section}:{case.name}"] = result in expected_results(case.test) and (
                "explanation" not in case.test or explanation == case.test["explanation"]
            )
    passed = sum(OUTCOMES.values())
    with capsys.disabled():
        print(f"\nOpenSPF RFC 7208 suite: {passed} passed, {len(OUTCOMES) - passed} failed")
    assert len(CASES) == 203
