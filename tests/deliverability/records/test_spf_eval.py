import asyncio

import pytest
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.dns.answers import Answer
from b2bmail.deliverability.records.spf import SpfResult, check_host, count_dns_terms


def run(
    table: dict,
    ip: str,
    domain: str = "example.com",
    sender: str = "",
    helo: str = "mail.example.org",
) -> SpfResult:
    sender = sender or f"news@{domain}"
    return asyncio.run(check_host(StaticResolver(table), ip, domain, sender, helo))


def test_pass_through_include_chain() -> None:
    table = {
        ("example.com", "TXT"): [
            "google-site-verification=abc",
            "v=spf1 include:_spf.example.com -all",
        ],
        ("_spf.example.com", "TXT"): ["v=spf1 include:_a.example.com ~all"],
        ("_a.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    }
    result = run(table, "192.0.2.10")
    assert (result.result, result.lookups, result.void_lookups) == ("pass", 2, 0)
    assert result.record == "v=spf1 include:_spf.example.com -all"
    assert result.trace[0] == "example.com: v=spf1 include:_spf.example.com -all"


def test_fail_has_default_explanation() -> None:
    table = {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"]}
    result = run(table, "198.51.100.9")
    assert result.result == "fail"
    assert result.explanation == "198.51.100.9 is not one of example.com's designated mail servers."


def test_exp_text_is_fetched_and_expanded() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 -all exp=why.%{d}"],
        ("why.example.com", "TXT"): ["%{c} may not send for %{d} (see %{r})"],
    }
    result = asyncio.run(
        check_host(
            StaticResolver(table),
            "2001:db8::1",
            "example.com",
            "a@example.com",
            receiver="mx.example.net",
        )
    )
    assert result.explanation == "2001:db8::1 may not send for example.com (see mx.example.net)"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({("example.com", "TXT"): "timeout"}, "temperror"),
        ({("example.com", "TXT"): "servfail"}, "temperror"),
        ({("example.com", "TXT"): "nxdomain"}, "none"),
        ({("example.com", "TXT"): []}, "none"),
        (
            {
                ("example.com", "TXT"): ["v=spf1 a:mail.example.com -all"],
                ("mail.example.com", "A"): "timeout",
            },
            "temperror",
        ),
        (
            {
                ("example.com", "TXT"): ["v=spf1 mx -all"],
                ("example.com", "MX"): ["10 mx.example.com"],
                ("mx.example.com", "A"): "servfail",
            },
            "temperror",
        ),
        (
            {
                ("example.com", "TXT"): ["v=spf1 include:_spf.example.net -all"],
                ("_spf.example.net", "TXT"): "timeout",
            },
            "temperror",
        ),
    ],
    ids=[
        "txt-timeout",
        "txt-servfail",
        "nxdomain",
        "nodata",
        "a-timeout",
        "mx-host-servfail",
        "include-timeout",
    ],
)
def test_unknown_dns_is_temperror_never_none(table: dict, expected: str) -> None:
    assert run(table, "192.0.2.1").result == expected


def test_void_lookup_limit() -> None:
    names = ["v1", "v2", "v3"]
    table: dict = {
        ("example.com", "TXT"): [
            "v=spf1 " + " ".join(f"a:{n}.example.com" for n in names) + " -all"
        ]
    }
    for n in names:
        table[(f"{n}.example.com", "A")] = "nxdomain"
    result = run(table, "192.0.2.1")
    assert (result.result, result.void_lookups) == ("permerror", 3)
    assert "void lookups" in result.problem
    # two voids are allowed
    table[("example.com", "TXT")] = ["v=spf1 a:v1.example.com exists:v2.example.com -all"]
    assert run(table, "192.0.2.1").result == "fail"


def test_ten_term_limit_counts_through_includes() -> None:
    table: dict = {
        ("example.com", "TXT"): ["v=spf1 include:a.example.com include:b.example.com -all"]
    }
    table[("a.example.com", "TXT")] = [
        "v=spf1 " + " ".join(f"?exists:x{i}.example.com" for i in range(4)) + " ?all"
    ]
    table[("b.example.com", "TXT")] = [
        "v=spf1 " + " ".join(f"a:y{i}.example.com" for i in range(5)) + " ip4:192.0.2.1 -all"
    ]
    for i in range(4):
        table[(f"x{i}.example.com", "A")] = ["127.0.0.9"]
    for i in range(5):
        table[(f"y{i}.example.com", "A")] = ["198.51.100.1"]
    # the first ?exists matches: neutral inside include a, so the include does not match
    result = run(table, "192.0.2.1")
    assert result.lookups == 2 + 1 + 5
    assert result.result == "pass"
    table[("b.example.com", "TXT")] = [
        "v=spf1 " + " ".join(f"a:y{i}.example.com" for i in range(9)) + " ip4:192.0.2.1 -all"
    ]
    for i in range(9):
        table[(f"y{i}.example.com", "A")] = ["198.51.100.1"]
    result = run(table, "192.0.2.1")
    assert (result.result, result.lookups) == ("permerror", 11)
    assert "RFC 7208 §4.6.4" in result.problem


def ten_or_eleven_terms(terms: int) -> dict:
    """`terms` DNS-querying terms through an include, the client's IP listed after them all."""
    table: dict = {
        ("example.com", "TXT"): [
            "v=spf1 a:h.example.com mx:h.example.com a:h.example.com include:_spf.example.com -all"
        ],
        # 4 terms above, 1 redirect here; a: terms fill up to `terms`, then the IP.
        ("_spf.example.com", "TXT"): [
            "v=spf1 " + "a:h.example.com " * (terms - 5) + "redirect=_ip.example.com"
        ],
        ("_ip.example.com", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],
        ("h.example.com", "A"): ["198.51.100.1"],
        ("h.example.com", "MX"): ["10 h.example.com"],
    }
    return table


@pytest.mark.parametrize(
    ("terms", "expected"),
    [(10, ("pass", 10)), (11, ("permerror", 11))],
    ids=["ten-terms-allowed", "eleventh-term-is-permerror"],
)
def test_ten_dns_terms_and_one_past(terms: int, expected: tuple[str, int]) -> None:
    # RFC 7208 §4.6.4; OpenSPF suite mech-at-limit (pass) / mech-over-limit (permerror)
    result = run(ten_or_eleven_terms(terms), "192.0.2.1")
    assert (result.result, result.lookups) == expected
    count = asyncio.run(count_dns_terms(StaticResolver(ten_or_eleven_terms(terms)), "example.com"))
    assert (count.total, count.within_limit) == (terms, terms == 10)


def test_mx_with_ten_names_is_looked_up() -> None:
    # RFC 7208 §4.6.4: at most 10 names per MX lookup; 10 are allowed (11: the test below)
    table = {
        ("example.com", "TXT"): ["v=spf1 mx -all"],
        ("example.com", "MX"): [f"{i} mx{i}.example.com" for i in range(10)],
    }
    table.update({(f"mx{i}.example.com", "A"): ["198.51.100.1"] for i in range(9)})
    table[("mx9.example.com", "A")] = ["192.0.2.1"]
    assert run(table, "192.0.2.1").result == "pass"


def test_mx_with_more_than_ten_names_is_permerror() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 mx -all"],
        ("example.com", "MX"): [f"{i} mx{i}.example.com" for i in range(11)],
    }
    assert run(table, "192.0.2.1").result == "permerror"


def test_ip4_mapped_client_is_ipv4() -> None:
    table = {("example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"]}
    assert run(table, "::ffff:192.0.2.7").result == "pass"


def test_a_with_cidr_and_ipv6() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 a/24//64 -all"],
        ("example.com", "AAAA"): ["2001:db8:1:2::1"],
    }
    assert run(table, "2001:db8:1:2:ffff::9").result == "pass"
    assert run(table, "2001:db8:1:3::9").result == "fail"


def test_macro_exists_with_local_part_and_ip() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 exists:%{ir}.%{l1r-}.user.%{d} -all"],
        ("7.2.0.192.news.user.example.com", "A"): ["127.0.0.2"],
    }
    assert run(table, "192.0.2.7", sender="news-letter@example.com").result == "pass"


def test_ptr_and_p_macro_use_validated_names() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 ptr:example.com -all exp=why.example.com"],
        ("why.example.com", "TXT"): ["host %{p} refused"],
        ("7.2.0.192.in-addr.arpa", "PTR"): ["fake.example.com", "out.example.net"],
        ("fake.example.com", "A"): ["198.51.100.1"],
        ("out.example.net", "A"): ["192.0.2.7"],
    }
    result = run(table, "192.0.2.7")
    assert result.result == "fail"
    assert result.explanation == "host out.example.net refused"


def test_redirect_without_record_is_permerror() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 redirect=_spf.example.net"],
        ("_spf.example.net", "TXT"): "nxdomain",
    }
    result = run(table, "192.0.2.1")
    assert result.result == "permerror"
    assert "RFC 7208 §6.1" in result.problem


def test_invalid_ip_raises_value_error() -> None:
    with pytest.raises(ValueError):
        run({}, "not-an-ip")


def test_single_label_domain_is_none_without_query() -> None:
    resolver = StaticResolver({})
    result = asyncio.run(check_host(resolver, "192.0.2.1", "localhost", "a@localhost"))
    assert result.result == "none"
    assert resolver.queries == []


def test_count_dns_terms_recursively() -> None:
    table = {
        ("example.com", "TXT"): [
            "v=spf1 mx include:_spf.example.com include:%{d}.x.example.net -all"
        ],
        ("_spf.example.com", "TXT"): ["v=spf1 a exists:e.example.com redirect=_r.example.com"],
        ("_r.example.com", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
    }
    count = asyncio.run(count_dns_terms(StaticResolver(table), "example.com"))
    assert count.total == 3 + 3
    assert count.per_domain == (("example.com", 3), ("_spf.example.com", 3), ("_r.example.com", 0))
    assert count.unresolved == ("%{d}.x.example.net",)
    assert count.within_limit


def test_count_dns_terms_detects_loop_and_unknown() -> None:
    table = {
        ("example.com", "TXT"): ["v=spf1 include:a.example.com include:t.example.com -all"],
        ("a.example.com", "TXT"): ["v=spf1 include:example.com -all"],
        ("t.example.com", "TXT"): "timeout",
    }
    count = asyncio.run(count_dns_terms(StaticResolver(table), "example.com"))
    assert count.unknown
    assert count.problems == ("TXT lookup for t.example.com failed (timeout): count incomplete",)
    assert count.permerrors == (
        "example.com includes itself (example.com -> a.example.com -> example.com): "
        "evaluation runs past 10 lookups (RFC 7208 §4.6.4)",
    )


class SlowResolver(StaticResolver):
    async def lookup(self, name: str, rdtype: str) -> Answer:
        await asyncio.sleep(0.05)
        return await super().lookup(name, rdtype)


def test_elapsed_time_limit_gives_temperror() -> None:
    table = {("example.com", "TXT"): ["v=spf1 a:a.example.com a:b.example.com -all"]}
    table.update({(f"{n}.example.com", "A"): ["198.51.100.1"] for n in "ab"})
    resolver = SlowResolver(table)
    result = asyncio.run(
        check_host(resolver, "192.0.2.1", "example.com", "a@example.com", time_limit=0.08)
    )
    assert result.result == "temperror"
    assert "RFC 7208 §4.6.4" in result.problem
