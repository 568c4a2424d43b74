"""The sender-authentication parsers return findings for any text; they never raise."""

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.dns.answers import Answer
from b2bmail.deliverability.records.dkim import parse_dkim_key
from b2bmail.deliverability.records.dmarc import parse_dmarc
from b2bmail.deliverability.records.policies import parse_mta_sts, parse_tls_rpt
from b2bmail.deliverability.records.spf import check_host, parse_spf

# Records built from the pieces that matter, plus arbitrary text
PIECES = st.sampled_from(
    [
        " ",
        ";",
        "=",
        ":",
        "/",
        "%",
        "{",
        "}",
        "v=spf1",
        "v=DMARC1",
        "v=DKIM1",
        "v=STSv1",
        "v=TLSRPTv1",
        "p",
        "ip4",
        "ip6",
        "a",
        "mx",
        "include",
        "exists",
        "redirect",
        "exp",
        "all",
        "-",
        "~",
        "?",
        "+",
        "1",
        "32",
        "192.0.2.1",
        "::1",
        "example.com",
        "%{d}",
        "%{ir}",
        "rua",
        "mailto:x@example.com",
        "!10m",
        ",",
        "k=rsa",
        "p=AAAA",
        "\t",
        "é",
    ]
)
TEXT = st.one_of(st.text(max_size=80), st.lists(PIECES, max_size=20).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parsers_never_raise(text: str) -> None:
    for parse in (parse_spf, parse_dmarc, parse_dkim_key, parse_mta_sts, parse_tls_rpt):
        record = parse(text)
        assert all(f.severity in ("error", "warning", "info") for f in record.findings)


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=12).map(lambda parts: "v=spf1 " + "".join(parts)))
def test_check_host_gives_a_result_for_any_record(record: str) -> None:
    class Everything(StaticResolver):
        """Answers NXDOMAIN to every name but the one SPF record (no UnexpectedQueryError)."""

        async def lookup(self, name: str, rdtype: str) -> Answer:
            if (name, rdtype) == ("example.com", "TXT"):
                return await super().lookup(name, rdtype)
            return await StaticResolver({(name, rdtype): "nxdomain"}).lookup(name, rdtype)

    resolver = Everything({("example.com", "TXT"): [record]})
    result = asyncio.run(check_host(resolver, "192.0.2.1", "example.com", "a@example.com"))
    assert result.result in (
        "pass",
        "fail",
        "softfail",
        "neutral",
        "none",
        "permerror",
        "temperror",
    )
