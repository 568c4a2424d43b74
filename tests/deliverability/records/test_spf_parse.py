import ipaddress

import pytest

from b2bmail.deliverability.records.spf import Mechanism, Modifier, is_spf_record, parse_spf
from b2bmail.deliverability.records.spf.macros import (
    MacroContext,
    check_macro_string,
    expand_macros,
    truncate_domain,
)


def codes(text: str) -> list[str]:
    return [f.code for f in parse_spf(text).findings]


def error_codes(text: str) -> list[str]:
    return [f.code for f in parse_spf(text).errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=spf1", True),
        ("V=SpF1 -all", True),
        ("v=spf1 -all", True),
        ("v=spf10", False),
        ("v=spf1-all", False),
        ("spf1 -all", False),
        ("", False),
    ],
    ids=["bare", "any-case", "with-terms", "spf10", "no-space", "no-v", "empty"],
)
def test_is_spf_record(text: str, expected: bool) -> None:
    assert is_spf_record(text) is expected


VALID = [
    ("minimal", "v=spf1 -all"),
    ("include-chain", "v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all"),
    ("a-mx-cidr", "v=spf1 a mx/24 a:mail.example.com/28//64 -all"),
    ("ip4-ip6", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:198.51.100.7 -all"),
    ("exists-macro", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all"),
    ("redirect", "v=spf1 redirect=_spf.example.com"),
    ("exp", "v=spf1 -all exp=explain._spf.%{d}"),
    ("unknown-modifier", "v=spf1 moo.cow-far_out=man:dog/cat -all"),
    ("two-spaces", "v=spf1 a  -all"),
    ("trailing-space", "v=spf1 -all "),
    ("trailing-dot-domain", "v=spf1 include:spf.example.com. -all"),
    ("dash-toplabel", "v=spf1 a:foo.example.xn--zckzah -all"),
    ("macro-escapes", "v=spf1 a:macro%%percent%_%-space.example.com -all"),
]


@pytest.mark.parametrize("text", [t for _, t in VALID], ids=[i for i, _ in VALID])
def test_valid_records_have_no_errors(text: str) -> None:
    assert error_codes(text) == []


INVALID = [
    ("all-with-arg", "v=spf1 -all:foo", "spf-bad-all"),
    ("all-with-cidr", "v=spf1 -all/8", "spf-bad-all"),
    ("unknown-mechanism", "v=spf1 foo -all", "spf-unknown-mechanism"),
    ("redirect-as-mechanism", "v=spf1 redirect:example.com", "spf-unknown-mechanism"),
    ("include-no-domain", "v=spf1 include -all", "spf-bad-domain-spec"),
    ("include-empty", "v=spf1 include: -all", "spf-bad-domain-spec"),
    ("include-cidr", "v=spf1 include:example.com/24 -all", "spf-bad-domain-spec"),
    ("exists-no-domain", "v=spf1 exists", "spf-bad-domain-spec"),
    ("ptr-cidr", "v=spf1 ptr/0 -all", "spf-bad-domain-spec"),
    ("a-numeric-toplabel", "v=spf1 a:192.0.2.1 -all", "spf-bad-domain-spec"),
    ("a-single-label", "v=spf1 a:museum -all", "spf-bad-domain-spec"),
    ("a-port", "v=spf1 a:example.com:8080", "spf-bad-domain-spec"),
    ("a-dash-toplabel", "v=spf1 a:example.-com", "spf-bad-domain-spec"),
    ("a-bad-cidr4", "v=spf1 a/33 -all", "spf-bad-cidr"),
    ("a-bad-cidr6", "v=spf1 a//129 -all", "spf-bad-cidr"),
    ("a-single-slash-dual", "v=spf1 a/24/64 -all", "spf-bad-cidr"),
    ("ip4-short", "v=spf1 ip4:192.0.2", "spf-bad-ip"),
    ("ip4-leading-zero-cidr", "v=spf1 ip4:192.0.2.0/024", "spf-bad-ip"),
    ("ip4-bad-prefix", "v=spf1 ip4:192.0.2.0/33", "spf-bad-cidr"),
    ("ip4-port", "v=spf1 ip4:192.0.2.1:25", "spf-bad-ip"),
    ("ip4-dual-cidr", "v=spf1 ip4:192.0.2.1//32", "spf-bad-ip"),
    ("ip4-given-ip6", "v=spf1 ip4:2001:db8::1", "spf-bad-ip"),
    ("ip6-bad", "v=spf1 ip6::CAFE::BABE", "spf-bad-ip"),
    ("ip6-prefix", "v=spf1 ip6:2001:db8::/129", "spf-bad-cidr"),
    ("bare-ip6", "v=spf1 ip6", "spf-bad-ip"),
    (
        "duplicate-redirect",
        "v=spf1 redirect=a.example.com redirect=b.example.com",
        "spf-duplicate-redirect",
    ),
    ("duplicate-exp", "v=spf1 -all exp=a.example.com exp=b.example.com", "spf-duplicate-exp"),
    ("empty-exp", "v=spf1 exp= -all", "spf-bad-modifier"),
    ("redirect-not-domain", "v=spf1 redirect=-all", "spf-bad-modifier"),
    ("modifier-name-digit", "v=spf1 1up=foo", "spf-bad-term"),
    ("modifier-empty-name", "v=spf1 =all", "spf-bad-term"),
    ("modifier-bad-macro", "v=spf1 -all foo=%abc", "spf-bad-modifier"),
    ("macro-bad-letter", "v=spf1 a:%{a}.example.com", "spf-bad-domain-spec"),
    ("macro-paren", "v=spf1 exists:%(ir).sbl.example.com", "spf-bad-domain-spec"),
    ("macro-lone-percent", "v=spf1 exists:foo%.sbl.example.com", "spf-bad-domain-spec"),
    ("macro-exp-only-letter", "v=spf1 -all exp=%{r}.example.com", "spf-bad-modifier"),
    ("macro-zero-digit", "v=spf1 exists:%{l0}.example.com", "spf-bad-domain-spec"),
    ("control-char", "v=spf1 a:ctrl.example.com\rptr -all", "spf-bad-domain-spec"),
    ("non-ascii", "v=spf1 \x80a:example.net -all", "spf-bad-term"),
    ("nul", "v=spf1 a:foo.example.com\0", "spf-bad-domain-spec"),
    ("not-spf", "v=spf10 -all", "spf-no-version"),
]


@pytest.mark.parametrize(
    ("text", "code"), [(t, c) for _, t, c in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_records_are_errors(text: str, code: str) -> None:
    record = parse_spf(text)
    assert not record.valid
    assert code in error_codes(text)
    assert all("RFC 7208 §" in f.message for f in record.errors)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=spf1 ptr -all", "spf-ptr-discouraged"),
        ("v=spf1 +all", "spf-pass-all"),
        ("v=spf1 -all a", "spf-terms-after-all"),
        ("v=spf1 -all redirect=x.example.com", "spf-redirect-ignored"),
        ("v=spf1 " + "a " * 11 + "-all", "spf-too-many-lookups"),
        ("v=spf1 a", "spf-no-all"),
        ("v=spf1 default=pass", "spf-unknown-modifier"),
    ],
    ids=[
        "ptr",
        "pass-all",
        "after-all",
        "redirect-with-all",
        "eleven-terms",
        "no-all",
        "unknown-modifier",
    ],
)
def test_advice_findings(text: str, code: str) -> None:
    assert parse_spf(text).valid
    assert code in codes(text)


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        ("v=spf1 " + "a " * 9 + "redirect=_spf.example.com", False),
        ("v=spf1 " + "a " * 10 + "redirect=_spf.example.com", True),
    ],
    ids=["ten-terms-with-redirect", "eleven-terms-with-redirect"],
)
def test_lookup_warning_at_ten_terms_and_one_past(text: str, warned: bool) -> None:
    # RFC 7208 §4.6.4: at most 10 DNS-querying terms; redirect= is one of them.
    assert ("spf-too-many-lookups" in codes(text)) is warned


def _record_of(octets: int) -> str:
    """An SPF record of exactly `octets` octets, of ip4 terms (no DNS lookups)."""
    # " ip4:192.0.2.1" is 14 octets, " ip4:192.0.2.10" 15: `extra` terms take the longer one.
    count, extra = divmod(octets - len("v=spf1 -all"), 14)
    hosts = ["10"] * extra + ["1"] * (count - extra)
    return "v=spf1" + "".join(f" ip4:192.0.2.{host}" for host in hosts) + " -all"


@pytest.mark.parametrize(("octets", "warned"), [(450, False), (451, True)])
def test_record_over_450_octets_is_warned(octets: int, warned: bool) -> None:
    # RFC 7208 §3.4 recommends keeping the record under 450 octets (one UDP answer).
    text = _record_of(octets)
    assert len(text) == octets
    assert parse_spf(text).valid
    assert ("spf-record-too-long" in codes(text)) is warned


def test_parse_whole_small_record() -> None:
    record = parse_spf("v=spf1 ip4:192.0.2.0/24 ~mx:mail.example.com//64 redirect=_spf.example.com")
    assert record.terms == (
        Mechanism(
            "+",
            "ip4",
            network=ipaddress.ip_network("192.0.2.0/24"),
            cidr4=24,
            text="ip4:192.0.2.0/24",
        ),
        Mechanism(
            "~",
            "mx",
            domain_spec="mail.example.com",
            cidr4=32,
            cidr6=64,
            text="~mx:mail.example.com//64",
        ),
        Modifier("redirect", "_spf.example.com", "redirect=_spf.example.com"),
    )
    assert record.redirect == "_spf.example.com"
    assert record.exp is None
    assert record.dns_terms == 2


CTX = MacroContext(
    sender="strong-bad@email.example.com",
    domain="email.example.com",
    ip=ipaddress.ip_address("192.0.2.3"),
    helo="mx.example.org",
    receiver="mail.example.net",
    timestamp=1700000000,
)
CTX6 = MacroContext(
    "strong-bad@email.example.com",
    "email.example.com",
    ipaddress.ip_address("2001:db8::cb01"),
    "mx.example.org",
)


# The examples of RFC 7208 §7.4
@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
        ("%{h}", "mx.example.org"),
        ("%%%_%-", "% %20"),
        ("%{c} %{r} %{t}", "192.0.2.3 mail.example.net 1700000000"),
        ("%{L}", "strong-bad"),
        ("%{S}", "strong-bad%40email.example.com"),
    ],
)
def test_macro_expansion_rfc_examples(macro: str, expected: str) -> None:
    assert expand_macros(macro, CTX, explanation=True) == expected


def test_macro_ip6_nibbles() -> None:
    # RFC 7208 §7.4, with upper-case nibbles (see records.spf.macros.ip_nibbles)
    assert expand_macros("%{ir}.%{v}._spf.%{d2}", CTX6).lower() == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )


def test_macro_p_is_supplied() -> None:
    assert expand_macros("%{p}", CTX, validated_name="mx.example.com") == "mx.example.com"


@pytest.mark.parametrize("text", ["%{c}", "%{r}", "%{t}"])
def test_exp_only_letters_outside_exp_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="only allowed in exp"):
        check_macro_string(text)
    check_macro_string(text, explanation=True)


def test_truncate_domain_drops_left_labels() -> None:
    long = ".".join(["label"] * 60) + ".example.com."
    truncated = truncate_domain(long)
    assert len(truncated) <= 253
    assert truncated.endswith("label.example.com")
    assert not truncated.startswith(".")
