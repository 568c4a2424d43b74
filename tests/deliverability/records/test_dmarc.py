"""DMARC records: the 40 cases of the research data set, in our own form, plus discovery.

Source: ../shared/research/data/deliverability/dmarc/dmarc-record-cases.yml, which transcribes
OpenDMARC's libopendmarc/tests/test_dmarc_parse.c (RFC 7489 view) and checkdmarc's
tests/test_dmarc.py (RFC 9989 view). Our outcome: "invalid" when a receiver of either kind
rejects or ignores the record or a tag (an error finding), "warning" when the record applies
but something is lost or risky, "valid" otherwise (info findings allowed). Where we differ from
one of the two sources, the note says why.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.records.dmarc import (
    DmarcDiscovery,
    ReportUri,
    find_dmarc,
    is_dmarc_record,
    organizational_domain,
    parse_dmarc,
)

CASES_FILE = (
    Path(__file__).resolve().parents[3].parent
    / "shared/research/data/deliverability/dmarc/dmarc-record-cases.yml"
)

# (id, record, our outcome, the finding code that decides it, note)
CASES = [
    (
        "od01-rf-afrf",
        "v=DMARC1; p=none; rf=afrf; rua=mailto:dmarc-a@abuse.net; ruf=mailto:dmarc-f@abuse.net",
        "valid",
        "dmarc-monitoring-only",
        "rf removed in 9989: info only",
    ),
    ("od02-p-none", "v=DMARC1; p=none;", "valid", "dmarc-no-rua", "no rua: info"),
    ("od03-p-reject", "v=DMARC1; p=reject;", "valid", "dmarc-no-rua", ""),
    ("od04-p-quarantine", "v=DMARC1; p=quarantine;", "valid", "dmarc-no-rua", ""),
    (
        "od05-p-abbrev",
        "v=DMARC1; p=n;",
        "invalid",
        "dmarc-bad-value",
        "OpenDMARC accepts 'n'; the RFC 7489 §6.4 grammar does not",
    ),
    ("od06-empty", "", "invalid", "dmarc-empty", ""),
    ("od07-bad-version", "V=BOB", "invalid", "dmarc-bad-version", ""),
    ("od08-bad-p", "v=DMARC1; p=bob;", "invalid", "dmarc-bad-value", ""),
    ("od09-bad-sp", "v=DMARC1; p=none; sp=bob;", "invalid", "dmarc-bad-value", ""),
    ("od10-bad-adkim", "v=DMARC1; p=none; adkim=bob;", "invalid", "dmarc-bad-value", ""),
    ("od11-bad-aspf", "v=DMARC1; p=none; aspf=bob;", "invalid", "dmarc-bad-value", ""),
    (
        "od12-bad-rf",
        "v=DMARC1; p=none; rf=bob;",
        "invalid",
        "dmarc-bad-value",
        "RFC 7489 parsers reject it; 9989 would only warn",
    ),
    (
        "od13-bad-ri",
        "v=DMARC1; p=none; ri=bob;",
        "invalid",
        "dmarc-bad-value",
        "RFC 7489 parsers reject it; 9989 would only warn",
    ),
    (
        "od14-pct-500",
        "v=DMARC1; p=none; pct=500;",
        "invalid",
        "dmarc-bad-value",
        "RFC 7489 parsers reject it; 9989 would only warn",
    ),
    (
        "od15-no-p",
        "v=DMARC1; pct=100;",
        "invalid",
        "dmarc-no-policy",
        "7489: p REQUIRED; 9989 reads p=none",
    ),
    (
        "od16-rua-ftp",
        "v=DMARC1; p=none; rua=ftp://abuse.com",
        "warning",
        "dmarc-bad-uri",
        "only mailto: is required of receivers",
    ),
    (
        "od17-ruf-mailto-slashes",
        "v=DMARC1; p=none; ruf=mailto://abuse.com",
        "warning",
        "dmarc-bad-uri",
        "policy applies; reports are lost",
    ),
    (
        "od18-unknown-tags",
        "v=DMARC1; p=none; ruf=mailto://abuse.com; foo=bar; buzz=happy;",
        "warning",
        "dmarc-unknown-tag",
        "unknown tags are ignored",
    ),
    (
        "od19-rf-zeros",
        "v=DMARC1; p=none; rf=000000000000000000000000000000000",
        "invalid",
        "dmarc-bad-value",
        "",
    ),
    (
        "cd-mixed-case-value",
        "v=DMARC1;p=ReJect",
        "valid",
        "dmarc-no-rua",
        "ABNF strings are case-insensitive",
    ),
    (
        "cd-whitespace",
        "v = DMARC1\t;\tp\t\t\t=\t\t\treject\t;",
        "valid",
        "dmarc-no-rua",
        "*WSP around = and ;",
    ),
    ("cd-upper-v", "V=DMARC1;p=reject;", "valid", "dmarc-no-rua", ""),
    (
        "cd-rua-no-scheme",
        "v=DMARC1; p=none; rua=reports@dmarc.cyber.dhs.gov,mailto:dmarcreports@usdoj.gov",
        "warning",
        "dmarc-bad-uri",
        "checkdmarc: invalid; the policy still applies",
    ),
    ("cd-bad-p", "v=DMARC1; p=foo; rua=mailto:dmarc@example.com", "invalid", "dmarc-bad-value", ""),
    ("cd-np", "v=DMARC1; p=reject; np=quarantine", "valid", "dmarc-no-rua", ""),
    ("cd-psd", "v=DMARC1; p=reject; psd=n", "valid", "dmarc-no-rua", ""),
    ("cd-t", "v=DMARC1; p=reject; t=y", "valid", "dmarc-test-mode", ""),
    ("cd-bad-np", "v=DMARC1; p=reject; np=invalid", "invalid", "dmarc-bad-value", ""),
    ("cd-bad-psd", "v=DMARC1; p=reject; psd=x", "invalid", "dmarc-bad-value", ""),
    ("cd-bad-t", "v=DMARC1; p=reject; t=x", "invalid", "dmarc-bad-value", ""),
    (
        "cd-pct-150",
        "v=DMARC1; p=reject; pct=150",
        "invalid",
        "dmarc-bad-value",
        "RFC 7489 parsers reject it",
    ),
    ("cd-missing-p", "v=DMARC1; rua=mailto:dmarc@example.com", "invalid", "dmarc-no-policy", ""),
    ("cd-tag-without-value", "v=DMARC1; p", "invalid", "dmarc-syntax", ""),
    ("cd-bad-fo", "v=DMARC1; p=reject; fo=invalid_value", "invalid", "dmarc-bad-value", ""),
    (
        "cd-fo-redundant",
        "v=DMARC1; p=reject; fo=0:1",
        "valid",
        "dmarc-fo-redundant",
        "redundant, harmless: info",
    ),
    ("cd-duplicate-p", "v=DMARC1; p=reject; p=none", "invalid", "dmarc-duplicate-tag", ""),
    ("cd-unknown-tag", "v=DMARC1; p=reject; xyz=foo", "warning", "dmarc-unknown-tag", ""),
    ("cd-spf-at-dmarc", "v=spf1 include:example.com -all", "invalid", "dmarc-bad-version", ""),
    ("cd-sp-none", "v=DMARC1; p=reject; sp=none", "warning", "dmarc-subdomains-unenforced", ""),
    (
        "cd-p-not-second",
        "v=DMARC1; sp=none; p=reject",
        "warning",
        "dmarc-policy-not-second",
        "9989 allows any order; 7489 grammar does not",
    ),
]


def outcome(text: str) -> str:
    record = parse_dmarc(text)
    if record.errors:
        return "invalid"
    return "warning" if record.warnings else "valid"


@pytest.mark.parametrize(
    ("text", "expected", "code"),
    [(c[1], c[2], c[3]) for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_dmarc_record_cases(text: str, expected: str, code: str) -> None:
    record = parse_dmarc(text)
    assert outcome(text) == expected, [f.message for f in record.findings]
    assert code in [f.code for f in record.findings]
    assert all("RFC " in f.message for f in record.findings)


@pytest.mark.skipif(not CASES_FILE.exists(), reason=f"DMARC cases not found at {CASES_FILE}")
def test_table_covers_every_case_of_the_data_set() -> None:
    data = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    assert sorted(c["record"] for c in data["cases"]) == sorted(c[1] for c in CASES)


def test_parsed_values() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=quarantine; sp=reject; adkim=s; pct=50; "
        "rua=mailto:agg@example.com!10m, mailto:agg@report.example.net; ruf=mailto:f@example.com; fo=1"
    )
    assert record.valid
    assert (record.policy, record.subdomain_policy, record.nonexistent_policy) == (
        "quarantine",
        "reject",
        "reject",
    )
    assert (record.adkim, record.aspf, record.pct) == ("s", "r", 50)
    assert record.rua == (
        ReportUri("mailto:agg@example.com", 10 * 1024 * 1024),
        ReportUri("mailto:agg@report.example.net"),
    )
    assert record.rua[0].address == "agg@example.com"
    assert [f.code for f in record.findings] == ["dmarc-pct-removed", "dmarc-partial-policy"]


def test_policy_and_alignment_values_are_case_insensitive() -> None:
    # RFC 7489 §6.4: the policy, alignment and subdomain values are ABNF quoted strings
    # (dmarc-request = "p" *WSP "=" *WSP ( "none" / "quarantine" / "reject" )), which
    # RFC 5234 §2.3 makes case-insensitive; checkdmarc reads "p=ReJect" the same way.
    record = parse_dmarc("v=DMARC1; p=REJECT; sp=Quarantine; np=NONE; adkim=S; aspf=S")
    assert [f.code for f in record.findings] == ["dmarc-no-rua"]
    assert (record.policy, record.subdomain_policy, record.nonexistent_policy) == (
        "reject",
        "quarantine",
        "none",
    )
    assert (record.adkim, record.aspf) == ("s", "s")


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("example.com", "example.com"),
        ("mail.news.example.com", "example.com"),
        ("shop.example.co.uk", "example.co.uk"),
        ("Example.COM.", "example.com"),
        # Public suffixes of more than one label that a two-label guess gets wrong.
        ("mail.example.com.br", "example.com.br"),
        ("news.example.org.es", "example.org.es"),
        ("a.b.c.kawasaki.jp", "b.c.kawasaki.jp"),
        ("mx.example.xn--p1ai", "example.xn--p1ai"),
        # ICANN section only: a cloud zone belongs to its operator.
        ("mx1.mail.protection.outlook.com", "outlook.com"),
        ("contoso.onmicrosoft.com", "onmicrosoft.com"),
        ("co.uk", "co.uk"),  # a public suffix itself
        ("host.example.internal", "example.internal"),  # unknown top-level domain
    ],
)
def test_organizational_domain_from_the_public_suffix_list(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


def discover(table: dict, domain: str = "news.example.com") -> DmarcDiscovery:
    return asyncio.run(find_dmarc(StaticResolver(table), domain))


def test_find_dmarc_at_the_domain() -> None:
    found = discover({("_dmarc.news.example.com", "TXT"): ["v=DMARC1; p=reject"]})
    assert (found.status, found.record_domain, found.effective_policy) == (
        "found",
        "news.example.com",
        "reject",
    )


def test_find_dmarc_falls_back_to_the_organisational_domain() -> None:
    found = discover(
        {
            ("_dmarc.news.example.com", "TXT"): "nxdomain",
            ("_dmarc.example.com", "TXT"): [
                "some-verification=1",
                "v=DMARC1; p=reject; sp=quarantine",
            ],
        }
    )
    assert (found.status, found.record_domain, found.inherited) == ("found", "example.com", True)
    assert found.effective_policy == "quarantine"
    assert found.other_records == ("some-verification=1",)


def test_find_dmarc_unknown_is_not_absent() -> None:
    resolver = StaticResolver({("_dmarc.news.example.com", "TXT"): "timeout"})
    found = asyncio.run(find_dmarc(resolver, "news.example.com"))
    assert found.status == "unknown"
    assert resolver.queries == [("_dmarc.news.example.com", "TXT")]  # no fallback on unknown


def test_find_dmarc_multiple_records_apply_none() -> None:
    found = discover(
        {("_dmarc.news.example.com", "TXT"): ["v=DMARC1; p=none", "v=DMARC1; p=reject"]}
    )
    assert found.status == "multiple"
    assert "RFC 7489 §6.6.3" in found.problem


def test_find_dmarc_discards_a_lowercase_version_before_counting() -> None:
    # RFC 7489 §6.4: the version value is %x44 %x4d %x41 %x52 %x43 %x31, exactly "DMARC1";
    # §6.6.3 step 3 discards the other records before the one-record check of step 5.
    found = discover(
        {("_dmarc.news.example.com", "TXT"): ["v=dmarc1; p=none", "v=DMARC1; p=reject"]}
    )
    assert found.status == "found"
    assert found.record is not None and found.record.policy == "reject"
    assert found.other_records == ("v=dmarc1; p=none",)


@pytest.mark.parametrize(
    ("text", "dmarc"),
    [
        ("v=DMARC1; p=none", True),
        ("v = DMARC1 ; p=none", True),
        ("V=DMARC1; p=none", True),
        ("v=dmarc1; p=none", False),
        ("v=Dmarc1; p=none", False),
    ],
)
def test_is_dmarc_record_reads_the_version_value_exactly(text: str, dmarc: bool) -> None:
    assert is_dmarc_record(text) is dmarc


def test_no_policy_with_a_valid_rua_is_read_as_p_none() -> None:
    # RFC 7489 §6.6.3 step 6.1: no valid p but a valid rua URI -> act as if p=none.
    with_rua = parse_dmarc("v=DMARC1; rua=mailto:dmarc@example.com")
    (finding,) = [f for f in with_rua.findings if f.code == "dmarc-no-policy"]
    assert "treat the record as p=none" in finding.message and "§6.6.3" in finding.message
    without = parse_dmarc("v=DMARC1; pct=100")
    (finding,) = [f for f in without.findings if f.code == "dmarc-no-policy"]
    assert "apply no DMARC policy" in finding.message


def test_find_dmarc_absent_everywhere() -> None:
    found = discover(
        {("_dmarc.news.example.com", "TXT"): [], ("_dmarc.example.com", "TXT"): "nxdomain"}
    )
    assert found.status == "absent"
    assert found.record is None
