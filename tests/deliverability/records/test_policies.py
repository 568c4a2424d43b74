import asyncio

import pytest
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.records.policies import (
    TxtPolicyRecord,
    find_mta_sts,
    find_tls_rpt,
    parse_mta_sts,
    parse_tls_rpt,
)


def error_codes(record: TxtPolicyRecord) -> list[str]:
    return [f.code for f in record.findings if f.severity == "error"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("v=STSv1; id=20160831085700Z;", []),
        ("v=STSv1;id=abc123", []),
        ("v=STSv1; id=2024a; ext_1=value", []),
        ("v=STSv1;", ["mta-sts-no-id"]),
        ("v=STSv1; id=", ["mta-sts-bad-id"]),
        ("v=STSv1; id=has-dash", ["mta-sts-bad-id"]),
        ("v=STSv1; id=" + "a" * 33, ["mta-sts-bad-id"]),
        ("v=STSv1; id=1; id=2", ["mta-sts-bad-id"]),
        ("id=123; v=STSv1", ["mta-sts-bad-version"]),
        ("v=STSv2; id=1", ["mta-sts-bad-version"]),
        ("v=STSv1; id=1; broken", ["mta-sts-syntax"]),
    ],
    ids=[
        "rfc-example",
        "no-space",
        "extension",
        "no-id",
        "empty-id",
        "dash-in-id",
        "id-too-long",
        "two-ids",
        "version-not-first",
        "bad-version",
        "field-without-value",
    ],
)
def test_parse_mta_sts(text: str, codes: list[str]) -> None:
    record = parse_mta_sts(text)
    assert error_codes(record) == codes
    assert all("RFC 8461 §" in f.message for f in record.findings)
    assert "mta-sts-policy-not-fetched" in [f.code for f in record.findings]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("v=TLSRPTv1; rua=mailto:reports@example.com", []),
        ("v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt;", []),
        ("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.net/x", []),
        ("v=TLSRPTv1;", ["tls-rpt-no-rua"]),
        ("v=TLSRPTv1; rua=reports@example.com", ["tls-rpt-bad-rua"]),
        ("v=TLSRPTv1; rua=http://r.example.com", ["tls-rpt-bad-rua"]),
        ("rua=mailto:a@example.com; v=TLSRPTv1", ["tls-rpt-bad-version"]),
    ],
    ids=["mailto", "https", "two-uris", "no-rua", "no-scheme", "plain-http", "version-not-first"],
)
def test_parse_tls_rpt(text: str, codes: list[str]) -> None:
    record = parse_tls_rpt(text)
    assert error_codes(record) == codes
    assert all("RFC 8460 §" in f.message for f in record.findings)


def test_parsed_fields() -> None:
    assert parse_mta_sts("v=STSv1; id=20240101T").id == "20240101T"
    assert parse_tls_rpt("v=TLSRPTv1; rua=mailto:a@example.com, https://x.example.com/r").rua == (
        "mailto:a@example.com",
        "https://x.example.com/r",
    )


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (["v=STSv1; id=1"], "found"),
        (["v=spf1 -all", "v=STSv1; id=1"], "found"),
        (["v=STSv1; id=1", "v=STSv1; id=2"], "multiple"),
        (["something else"], "absent"),
        ("nxdomain", "absent"),
        ("timeout", "unknown"),
    ],
    ids=["one", "ignores-others", "two-records", "other-txt", "nxdomain", "timeout"],
)
def test_find_mta_sts(value: object, status: str) -> None:
    resolver = StaticResolver({("_mta-sts.example.com", "TXT"): value})  # type: ignore[dict-item]
    found = asyncio.run(find_mta_sts(resolver, "Example.com."))
    assert found.status == status
    assert found.name == "_mta-sts.example.com"


def test_find_tls_rpt() -> None:
    resolver = StaticResolver(
        {("_smtp._tls.example.com", "TXT"): ["v=TLSRPTv1; rua=mailto:tls@example.com"]}
    )
    found = asyncio.run(find_tls_rpt(resolver, "example.com"))
    assert found.valid
    assert found.record is not None and found.record.rua == ("mailto:tls@example.com",)
