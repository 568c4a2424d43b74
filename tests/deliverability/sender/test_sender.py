import asyncio
import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.sender.check import SenderReport, check_sender
from b2bmail.deliverability.sender.report import format_text, report_to_dict


def rsa_key(bits: int) -> str:
    key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xC0FFEE1).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def good_table() -> dict:
    return {
        ("example.com", "TXT"): ["v=spf1 include:_spf.example.com -all"],
        ("_spf.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        ("s1._domainkey.example.com", "TXT"): [f"v=DKIM1; k=rsa; p={rsa_key(2048)}"],
        ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"],
        ("_mta-sts.example.com", "TXT"): ["v=STSv1; id=20240101"],
        ("_smtp._tls.example.com", "TXT"): ["v=TLSRPTv1; rua=mailto:tls@example.com"],
        ("25.2.0.192.in-addr.arpa", "PTR"): ["out.example.com"],
        ("out.example.com", "A"): ["192.0.2.25"],
    }


def run(
    table: dict, ips: tuple[str, ...] = ("192.0.2.25",), selectors: tuple[str, ...] = ("s1",)
) -> SenderReport:
    return asyncio.run(check_sender(StaticResolver(table), "Example.com", ips, selectors))


def statuses(report: SenderReport) -> dict[str, str]:
    return {item.key: item.status for item in report.checklist}


def test_good_setup_passes_everything() -> None:
    report = run(good_table())
    assert statuses(report) == {
        "spf": "pass",
        "dkim": "pass",
        "dmarc": "pass",
        "alignment": "pass",
        "ptr": "pass",
        "unsubscribe": "skipped",
    }
    assert report.ok
    assert report.spf.lookup_count is not None and report.spf.lookup_count.total == 1
    assert report.mta_sts.valid and report.tls_rpt.valid
    data = report_to_dict(report)
    assert set(data) >= {"spf", "dkim", "dmarc", "mta_sts", "tls_rpt", "ptr", "checklist"}
    assert data["spf"]["results"]["192.0.2.25"]["result"] == "pass"
    assert data["dkim"][0]["key_bits"] == 2048
    assert data["dmarc"]["policy"] == "quarantine"
    assert data["mta_sts"]["policy_fetched"] is False
    text = format_text(report)
    assert "[   PASS] SPF record valid" in text
    assert "rsa 2048 bits" in text


@pytest.mark.parametrize(
    ("change", "key", "status", "reason"),
    [
        ({("example.com", "TXT"): ["v=spf1 -all"]}, "spf", "fail", "192.0.2.25: fail"),
        (
            {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.25 ~all", "v=spf1 -all"]},
            "spf",
            "fail",
            "2 SPF records",
        ),
        ({("example.com", "TXT"): []}, "spf", "fail", "no v=spf1"),
        ({("example.com", "TXT"): "nxdomain"}, "spf", "fail", "does not exist in DNS"),
        (
            {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.25 ip4:1.2.3 -all"]},
            "spf",
            "fail",
            "RFC 7208",
        ),
        ({("example.com", "TXT"): "timeout"}, "spf", "unknown", "timeout"),
        ({("_spf.example.com", "TXT"): "servfail"}, "spf", "unknown", "failed"),
        (
            {("s1._domainkey.example.com", "TXT"): [f"v=DKIM1; p={rsa_key(512)}"]},
            "dkim",
            "fail",
            "512-bit",
        ),
        ({("s1._domainkey.example.com", "TXT"): ["v=DKIM1; p="]}, "dkim", "fail", "revoked"),
        ({("s1._domainkey.example.com", "TXT"): "nxdomain"}, "dkim", "fail", "no DKIM key"),
        ({("s1._domainkey.example.com", "TXT"): "timeout"}, "dkim", "unknown", "failed"),
        ({("_dmarc.example.com", "TXT"): "nxdomain"}, "dmarc", "fail", "no DMARC record"),
        ({("_dmarc.example.com", "TXT"): ["v=DMARC1; p=bogus"]}, "dmarc", "fail", "must be one of"),
        ({("_dmarc.example.com", "TXT"): "timeout"}, "dmarc", "unknown", "failed"),
        ({("25.2.0.192.in-addr.arpa", "PTR"): "nxdomain"}, "ptr", "fail", "no PTR"),
        ({("out.example.com", "A"): ["198.51.100.1"]}, "ptr", "fail", "does not resolve back"),
        ({("out.example.com", "A"): "timeout"}, "ptr", "unknown", "failed"),
        ({("25.2.0.192.in-addr.arpa", "PTR"): "servfail"}, "ptr", "unknown", "failed"),
    ],
    ids=[
        "spf-fail",
        "spf-two-records",
        "spf-absent",
        "domain-nxdomain",
        "spf-syntax",
        "spf-timeout",
        "spf-include-servfail",
        "dkim-512",
        "dkim-revoked",
        "dkim-absent",
        "dkim-timeout",
        "dmarc-absent",
        "dmarc-invalid",
        "dmarc-timeout",
        "ptr-absent",
        "ptr-not-confirmed",
        "ptr-forward-timeout",
        "ptr-servfail",
    ],
)
def test_checklist_item(change: dict, key: str, status: str, reason: str) -> None:
    table = good_table()
    table.update(change)
    report = run(table)
    item = next(i for i in report.checklist if i.key == key)
    assert (item.status, reason in item.reason) == (status, True), item.reason
    assert not report.ok


def test_too_many_lookups_through_includes_fails_spf() -> None:
    table = good_table()
    table[("example.com", "TXT")] = ["v=spf1 include:a.example.com include:_spf.example.com -all"]
    table[("a.example.com", "TXT")] = [
        "v=spf1 " + " ".join(f"exists:e{i}.example.com" for i in range(10)) + " ?all"
    ]
    report = run(table, ips=(), selectors=())
    item = report.checklist[0]
    assert (item.status, item.reason) == (
        "fail",
        "12 DNS-querying terms reachable; at most 10 (RFC 7208 §4.6.4)",
    )


@pytest.mark.parametrize(
    ("records", "ips", "problem"),
    [
        (
            {"example.com": "v=spf1 include:example.com -all"},
            (),
            "example.com includes itself (example.com -> example.com)",
        ),
        (
            {
                "example.com": "v=spf1 include:_spf.example.com -all",
                "_spf.example.com": "v=spf1 include:_b.example.com ~all",
                "_b.example.com": "v=spf1 include:_spf.example.com ~all",
            },
            (),
            "_spf.example.com includes itself "
            "(example.com -> _spf.example.com -> _b.example.com -> _spf.example.com)",
        ),
        (
            {"example.com": "v=spf1 ip4:192.0.2.0/24 redirect=example.com"},
            (),
            "example.com includes itself (example.com -> example.com)",
        ),
        (
            # The IP matches before the loop is reached: check_host() passes it, the record
            # is still broken for everything else.
            {"example.com": "v=spf1 ip4:192.0.2.25 include:example.com -all"},
            ("192.0.2.25",),
            "example.com includes itself (example.com -> example.com)",
        ),
        (
            {
                "example.com": "v=spf1 include:_spf.example.com -all",
                "_spf.example.com": "google-site-verification=abc",
            },
            (),
            "_spf.example.com has 0 SPF records",
        ),
        (
            {
                "example.com": "v=spf1 include:_spf.example.com -all",
                "_spf.example.com": "v=spf1 ip4:192.0.2 -all",
            },
            (),
            "_spf.example.com: '",
        ),
    ],
    ids=[
        "self-include",
        "include-cycle",
        "self-redirect",
        "self-include-after-matching-ip",
        "include-without-record",
        "include-with-syntax-error",
    ],
)
def test_spf_permerror_on_the_way_fails_spf_never_passes(
    records: dict[str, str], ips: tuple[str, ...], problem: str
) -> None:
    # RFC 7208 §4.6.4 (OpenSPF suite include-loop / redirect-loop: permerror), §5.2, §4.6
    table = good_table()
    table.update({(name, "TXT"): [record] for name, record in records.items()})
    report = run(table, ips=ips, selectors=())
    item = report.checklist[0]
    assert item.status == "fail"
    assert item.reason.startswith("permerror: " + problem), item.reason
    assert [r.result for _, r in report.spf.results] == ["pass"] * len(ips)
    assert f"permerror: {problem}" in " ".join(format_text(report).split())
    assert report_to_dict(report)["spf"]["permerrors"][0].startswith(problem)


def test_without_ips_and_selectors_items_are_skipped_not_passed() -> None:
    report = run(good_table(), ips=(), selectors=())
    assert statuses(report) == {
        "spf": "pass",
        "dkim": "skipped",
        "dmarc": "pass",
        "alignment": "pass",
        "ptr": "skipped",
        "unsubscribe": "skipped",
    }
    assert "give --ip" in report.checklist[0].reason


def test_alignment_through_dkim_when_spf_fails() -> None:
    table = good_table()
    table[("example.com", "TXT")] = ["v=spf1 -all"]
    report = run(table)
    alignment = next(i for i in report.checklist if i.key == "alignment")
    assert alignment.status == "pass"
    assert alignment.reason == "DKIM, signing with d=example.com (adkim=r)"


def test_alignment_fails_without_spf_or_dkim() -> None:
    table = good_table()
    table[("example.com", "TXT")] = ["v=spf1 -all"]
    report = run(table, selectors=())
    alignment = next(i for i in report.checklist if i.key == "alignment")
    assert (alignment.status, alignment.reason) == (
        "fail",
        "SPF fails and DKIM was not checked (no --dkim-selector)",
    )


def test_dmarc_inherited_from_organisational_domain() -> None:
    table = {
        ("news.example.com", "TXT"): ["v=spf1 ip4:192.0.2.25 -all"],
        ("_dmarc.news.example.com", "TXT"): "nxdomain",
        ("_dmarc.example.com", "TXT"): ["v=DMARC1; p=reject; sp=none"],
        ("_mta-sts.news.example.com", "TXT"): "nxdomain",
        ("_smtp._tls.news.example.com", "TXT"): "nxdomain",
    }
    report = asyncio.run(check_sender(StaticResolver(table), "news.example.com"))
    dmarc = next(i for i in report.checklist if i.key == "dmarc")
    assert (dmarc.status, dmarc.reason) == (
        "pass",
        "p=none at _dmarc.example.com; quarantine or reject protects better",
    )
    assert report.mta_sts.status == "absent"


def test_ipv6_ptr_name() -> None:
    table = good_table()
    table[("example.com", "TXT")] = ["v=spf1 ip6:2001:db8::/32 -all"]
    table[("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR")] = [
        "out6.example.com"
    ]
    table[("out6.example.com", "AAAA")] = ["2001:db8::25"]
    report = run(table, ips=("2001:db8::25",))
    assert report.ok
    assert report.ptr[0].confirmed == ("out6.example.com",)


def test_bad_ip_raises_value_error() -> None:
    with pytest.raises(ValueError):
        run(good_table(), ips=("192.0.2.300",))


def test_repeated_ips_are_checked_once() -> None:
    report = run(good_table(), ips=("192.0.2.25", "192.0.2.25"))
    assert report.ips == ("192.0.2.25",)
    assert len(report.spf.results) == len(report.ptr) == 1


def test_external_report_destinations_need_authorization() -> None:
    table = good_table()
    table[("_dmarc.example.com", "TXT")] = [
        "v=DMARC1; p=reject; rua=mailto:d@example.com,mailto:a@reports.example.net;"
        " ruf=mailto:f@vendor.example.org"
    ]
    table[("example.com._report._dmarc.reports.example.net", "TXT")] = ["v=DMARC1"]
    table[("example.com._report._dmarc.vendor.example.org", "TXT")] = "nxdomain"
    report = run(table)
    assert [(a.destination, a.status) for a in report.report_authorizations] == [
        ("example.com", "same-domain"),
        ("reports.example.net", "authorized"),
        ("vendor.example.org", "unauthorized"),
    ]
    assert "vendor.example.org does not accept reports for this domain" in format_text(report)
    assert report_to_dict(report)["dmarc"]["report_authorization"][2]["status"] == "unauthorized"


def test_text_report_of_an_invalid_dmarc_policy_is_readable_at_80_columns() -> None:
    table = good_table()
    table[("_dmarc.example.com", "TXT")] = ["v=DMARC1; p=bogus; pct=500"]
    text = format_text(run(table))
    # Was "policy None" (a Python value) and 90-170 column finding lines.
    dmarc = text.split("DMARC _dmarc.example.com: v=DMARC1; p=bogus; pct=500\n")[1].split("\n\n")[0]
    assert dmarc.splitlines() == [
        "    policy not valid, pct 100, adkim=r, aspf=r, rua: none",
        "    error: p='bogus' must be one of none|quarantine|reject (RFC 7489 §6.3).",
        "      [dmarc-bad-value]",
        "    error: pct='500' must be an integer 0-100 (RFC 7489 §6.3). [dmarc-bad-value]",
        "    info: no rua=: you will receive no aggregate reports (RFC 7489 §7.2).",
        "      [dmarc-no-rua]",
    ]
    long_lines = [line for line in text.splitlines() if len(line) > 80]
    assert all(line.startswith(("SPF: v=spf1", "DKIM ", "  [")) for line in long_lines), long_lines


def test_text_report_escapes_control_characters_from_dns() -> None:
    # Regression: a TXT record could clear the terminal (ESC [2J) or print a fake report line.
    table = good_table()
    table[("example.com", "TXT")] = ["v=spf1 \x1b[2J\n  [   PASS] all good -all"]
    text = format_text(run(table))
    assert "\x1b" not in text
    assert "\nSPF: v=spf1 \\x1b[2J\\n  [   PASS] all good -all\n" in text
    assert all("[   PASS] all good" not in line[:20] for line in text.splitlines())


def return_path_table(aspf: str = "r") -> dict:
    table = good_table()
    table[("_dmarc.example.com", "TXT")] = [f"v=DMARC1; p=reject; aspf={aspf}"]
    table[("bounces.example.com", "TXT")] = ["v=spf1 ip4:192.0.2.25 -all"]
    table[("esp.example.net", "TXT")] = ["v=spf1 ip4:192.0.2.25 -all"]
    return table


def run_return_path(table: dict, return_path: str) -> SenderReport:
    resolver = StaticResolver(table)
    return asyncio.run(
        check_sender(resolver, "example.com", ("192.0.2.25",), (), return_path=return_path)
    )


@pytest.mark.parametrize(
    ("aspf", "return_path", "status", "reason"),
    [
        (
            "r",
            "bounces.example.com",
            "pass",
            "SPF, with the Return-Path @bounces.example.com (relaxed, aspf=r)",
        ),
        (
            "s",
            "bounces.example.com",
            "fail",
            "Return-Path @bounces.example.com is not aligned with From @example.com: they must"
            " be the same domain (aspf=s), RFC 7489 §3.1.2",
        ),
        (
            "r",
            "esp.example.net",
            "fail",
            "Return-Path @esp.example.net is not aligned with From @example.com: they must"
            " share the organisational domain (aspf=r), RFC 7489 §3.1.2",
        ),
    ],
    ids=["relaxed-subdomain", "strict-subdomain", "relaxed-other-org"],
)
def test_return_path_alignment(aspf: str, return_path: str, status: str, reason: str) -> None:
    report = run_return_path(return_path_table(aspf), return_path)
    alignment = next(i for i in report.checklist if i.key == "alignment")
    assert (alignment.status, alignment.reason) == (status, reason)
    # SPF is what receivers evaluate: the MAIL FROM domain's record, not the From domain's.
    assert report.spf.record is not None
    assert report.spf.record.text == "v=spf1 ip4:192.0.2.25 -all"
    assert report_to_dict(report)["return_path"] == return_path


@pytest.mark.parametrize(
    ("mail_from", "from_domain", "mode", "aligned"),
    [
        ("example.com", "example.com", "s", True),
        ("bounce.example.com", "example.com", "s", False),
        ("bounce.example.com", "news.example.com", "r", True),
        ("bounce.example.co.uk", "news.example.co.uk", "r", True),  # PSL: co.uk is a suffix
        ("example.co.uk", "other.co.uk", "r", False),
        ("example.com", "example.net", "r", False),
    ],
)
def test_spf_aligned(mail_from: str, from_domain: str, mode: str, aligned: bool) -> None:
    from b2bmail.deliverability.records.dmarc import spf_aligned

    assert spf_aligned(mail_from, from_domain, mode) is aligned
