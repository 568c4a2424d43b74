"""Address validation, normalisation and classification (syntax only, no DNS)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bmail.i18n import using
from b2bmail.recipients import classify_address
from b2bmail.recipients.addresses import (
    AddressCheck,
    _plain_parts,
    address_key,
    clean_address_text,
    domain_flags,
    free_domains,
    role_local_parts,
)


@pytest.mark.parametrize(
    ("typed", "normalized", "key"),
    [
        ("  Anne@Acme.FR ", "Anne@acme.fr", "anne@acme.fr"),
        ("\u00a0anne@acme.fr\u200b", "anne@acme.fr", "anne@acme.fr"),
        ("mailto:anne@acme.fr", "anne@acme.fr", "anne@acme.fr"),
        ("<anne@acme.fr>", "anne@acme.fr", "anne@acme.fr"),
        ("anne+news@acme.fr", "anne+news@acme.fr", "anne+news@acme.fr"),
        ("jean@Société.fr", "jean@société.fr", "jean@xn--socit-esab.fr"),
        ("jean@xn--socit-esab.fr", "jean@société.fr", "jean@xn--socit-esab.fr"),
    ],
    ids=[
        "case-and-spaces",
        "nbsp-zero-width",
        "mailto",
        "angle-brackets",
        "plus-tag",
        "idn",
        "punycode",
    ],
)
def test_normalisation(typed: str, normalized: str, key: str) -> None:
    check = classify_address(typed)
    assert check.valid, check.reason
    assert (check.normalized, check.key) == (normalized, key)


def test_idn_domain_kept_for_display_and_ascii_for_lookups() -> None:
    check = classify_address("info@bücher.de")
    assert (check.domain, check.ascii_domain) == ("bücher.de", "xn--bcher-kva.de")


def test_plus_addressing_is_a_distinct_address() -> None:
    assert classify_address("ann+x@acme.fr").key != classify_address("ann@acme.fr").key


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "no address"),
        ("   ", "no address"),
        ("anne.acme.fr", "must have an @-sign"),
        ("anne@@acme.fr", "invalid characters"),
        ("anne@acme", "should have a period"),
        ("anne@localhost.test", "special-use or reserved"),
        ("anne..b@acme.fr", "period"),
    ],
    ids=["empty", "spaces", "no-at", "two-ats", "no-dot", "special-use", "double-dot"],
)
def test_invalid_addresses_give_a_reason(typed: str, reason: str) -> None:
    check = classify_address(typed)
    assert not check.valid
    assert reason in check.reason
    assert check.key == ""


@pytest.mark.parametrize(
    ("address", "role", "tier", "free", "disposable"),
    [
        ("info@acme.fr", True, "generic", False, False),
        ("Contact@acme.fr", True, "generic", False, False),
        ("accueil@mairie.fr", True, "generic", False, False),
        ("facturation@acme.fr", True, "generic", False, False),
        ("no_reply@acme.fr", True, "strict", False, False),
        ("postmaster+x@acme.fr", True, "strict", False, False),
        ("jean.dupont@acme.fr", False, None, False, False),
        ("jean@gmail.com", False, None, True, False),
        ("jean@orange.fr", False, None, True, False),
        ("jean@web.de", False, None, True, False),
        ("jean@sfr.fr", False, None, True, False),
        ("jean@mailinator.com", False, None, False, True),
        ("jean@a.b.mailinator.com", False, None, False, True),
        ("sales@yopmail.com", True, "generic", False, True),
    ],
    ids=lambda v: str(v),
)
def test_classification(
    address: str, role: bool, tier: str | None, free: bool, disposable: bool
) -> None:
    check = classify_address(address)
    assert check.valid
    assert (check.is_role, check.role_tier, check.is_free, check.is_disposable) == (
        role,
        tier,
        free,
        disposable,
    )


def test_packaged_lists_load_with_sources() -> None:
    assert {"gmail.com", "orange.fr", "web.de", "sfr.fr", "skynet.be"} <= free_domains()
    roles = role_local_parts()
    assert (
        roles["info"] == "generic" and roles["abuse"] == "strict" and roles["noreply"] == "strict"
    )


LOCAL = st.text(alphabet="abcXYZ019._+-'!%~", min_size=1, max_size=12)
LABEL = st.text(alphabet="abcXY019-_", min_size=1, max_size=10)
TLD = st.sampled_from(["fr", "com", "test", "local", "c0m", "x", "museum", "arpa", "123", "de"])


@settings(max_examples=300, deadline=None)
@given(local=LOCAL, labels=st.lists(LABEL, min_size=1, max_size=3), tld=TLD)
def test_fast_path_agrees_with_email_validator(local: str, labels: list[str], tld: str) -> None:
    address = f"{local}@{'.'.join(labels)}.{tld}"
    check = classify_address(address)
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        assert not check.valid
        return
    assert check.valid
    assert (check.local, check.domain, check.ascii_domain) == (
        result.local_part,
        result.domain.lower(),
        result.ascii_domain.lower(),
    )


# The fast path's pattern before it was split in two halves (local, cached domain): the
# reference the split form must agree with, on every text.
ONE_PATTERN = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


# RFC 2142's mailbox names, which email-validator lower-cases; RFC 6761's special-use names.
RFC_2142_NAMES = {
    *("info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster"),
    *("hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp"),
}


def one_pattern_parts(value: str) -> tuple[str, str] | None:
    match = ONE_PATTERN.fullmatch(value)
    if match is None or len(value) > 254:
        return None
    local, domain = match.group("local"), match.group("domain").lower()
    if len(local) > 64 or len(domain) > 253 or "--" in domain:
        return None
    if domain.rpartition(".")[2] in {"arpa", "invalid", "local", "localhost", "onion", "test"}:
        return None
    if local.lower() in RFC_2142_NAMES:
        local = local.lower()
    return local, domain


def _local_and_domain(plain: tuple[str, dict[str, object], str] | None) -> tuple[str, str] | None:
    return (plain[0], str(plain[1]["domain"])) if plain else None


SPLIT_TEXT = st.text(alphabet="aZ09._+-@'!", min_size=0, max_size=20)


@settings(max_examples=500, deadline=None)
@given(local=SPLIT_TEXT, labels=st.lists(LABEL, min_size=1, max_size=3), tld=TLD)
def test_split_fast_path_agrees_with_one_pattern(local: str, labels: list[str], tld: str) -> None:
    for address in (f"{local}@{'.'.join(labels)}.{tld}", local, f"{local}.{tld}"):
        plain = _plain_parts(address)
        expected = one_pattern_parts(address)
        assert _local_and_domain(plain) == expected, address
        if plain is not None:
            _local, prototype, at_domain = plain
            assert at_domain == "@" + str(prototype["domain"])
            flags = (prototype["is_free"], prototype["is_disposable"])
            assert flags == domain_flags(str(prototype["domain"]))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("a@" + "b" * 63 + ".fr", ("a", "b" * 63 + ".fr")),  # a label of 63: the limit
        ("a@" + "b" * 64 + ".fr", None),  # one past (RFC 1035 §2.3.4)
        ("a" * 64 + "@acme.fr", ("a" * 64, "acme.fr")),  # a local part of 64: the limit
        ("a" * 65 + "@acme.fr", None),  # one past (RFC 5321 §4.5.3.1.1)
        ("a@b@acme.fr", None),
        ("@acme.fr", None),
        ("a@", None),
        ("Abuse@Acme.FR", ("abuse", "acme.fr")),
    ],
)
def test_split_fast_path_limits(address: str, expected: tuple[str, str] | None) -> None:
    assert _local_and_domain(_plain_parts(address)) == expected


def test_key_is_made_with_the_check() -> None:
    check = classify_address("Anne.B@Acme.FR")
    assert check.__dict__["key"] == "anne.b@acme.fr" == address_key("Anne.B", "acme.fr")
    assert classify_address("nope").key == ""
    assert check == AddressCheck(**{f: getattr(check, f) for f in check.__dataclass_fields__})


@pytest.mark.parametrize(
    "typed", ["Anne.B@Acme.FR", "info@gmail.com", "jean@Société.fr", "a@mailinator.com"]
)
def test_fast_built_check_is_the_constructed_one(typed: str) -> None:
    # classify_address fills a valid check's __dict__ without AddressCheck.__init__: the
    # same attributes, the same values, the same frozen dataclass.
    check = classify_address(typed)
    built = AddressCheck(**{f: getattr(check, f) for f in check.__dataclass_fields__})
    assert built.key == check.key  # made by __init__ too
    assert check.__dict__ == built.__dict__
    assert hash(check) == hash(built) and repr(check) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.valid = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "address",
    [
        "Info@acme.fr",
        "a@" + "b" * 64 + ".fr",
        "a" * 65 + "@acme.fr",
        "a@xn--bcher-kva.de",
        "a@ab--cd.fr",
        "a@x.test",
        "Postmaster@ACME.FR",
    ],
)
def test_fast_path_edges(address: str) -> None:
    check = classify_address(address)
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        assert not check.valid
        return
    assert check.normalized == f"{result.local_part}@{result.domain.lower()}"


@pytest.mark.parametrize(
    ("address", "english", "french", "dutch"),
    [
        (
            "j.martin@@martin-freres-btp.example",  # the example list's row 25
            "The part after the @-sign contains invalid characters: '@'.",
            "La partie après le @ contient des caractères invalides : '@'.",
            "Het deel na de @ bevat ongeldige tekens: '@'.",
        ),
        (
            "nope",
            "An email address must have an @-sign.",
            "Une adresse e-mail doit contenir un @.",
            "Een e-mailadres moet een @ bevatten.",
        ),
        (
            "a..b@acme.example",
            "An email address cannot have two periods in a row.",
            "Une adresse e-mail ne peut pas contenir deux points à la suite.",
            "Een e-mailadres kan geen twee punten achter elkaar hebben.",
        ),
    ],
    ids=["two-at-signs", "no-at-sign", "two-periods"],
)
def test_email_validators_reasons_in_each_language(
    address: str, english: str, french: str, dutch: str
) -> None:
    # email-validator writes English; the reason reached a French list's report as it was.
    assert classify_address(address).reason == english
    with using("fr"):
        assert classify_address(address).reason == french
    with using("nl"):
        assert classify_address(address).reason == dutch


@pytest.mark.parametrize(
    "typed",
    [
        " anne@acme.fr\u00a0",
        "MAILTO:anne@acme.fr",
        "mailto: <anne@acme.fr>",
        "<anne@acme.fr>",
        "<anne@acme.fr",
        "anne:x@acme.fr",
        "\u200b",
        "",
    ],
)
def test_classify_cleans_as_clean_address_text(typed: str) -> None:
    # classify_address strips the text itself and calls clean_address_text only when a
    # `mailto:` or `<` may be there: the same address either way.
    check = classify_address(typed)
    cleaned = classify_address(f" {clean_address_text(typed)} ")
    assert dataclasses.replace(check, text="") == dataclasses.replace(cleaned, text="")
