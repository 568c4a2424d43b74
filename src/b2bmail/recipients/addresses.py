"""Validate, normalise and classify one e-mail address (syntax only: no DNS here).

Validation is email-validator's syntax check (RFC 5321/5322, IDNA 2008 for internationalised
domains). Classification answers three questions a B2B sender asks of each address: is it a
shared role mailbox, a free webmail/ISP mailbox, or a throw-away one?
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from disposable_email_domains import blocklist as _disposable_blocklist
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.validate_email import CASE_INSENSITIVE_MAILBOX_NAMES

from b2bmail.i18n import N_, _, translate_filled

# Characters spreadsheets leave around addresses: NBSP, zero-width spaces, BOM.
_INVISIBLE = "\u00a0\u200b\u200c\u200d\u2060\ufeff"
_STRIP = " \t\r\n" + _INVISIBLE

# The common shape of a business address, which email-validator would accept unchanged
# (dot-atom local part, LDH labels, alphabetic TLD; RFC 5321 §4.5.3.1 lengths checked below).
# Anything else — IDN, quoting, xn-- or `--` labels, special-use names — goes through
# email-validator. tests/recipients/test_addresses.py checks both paths agree.
# The two halves are matched apart: the domain half repeats across a list (a company's
# domain), so its match and lookups are cached per domain (_plain_domain); `local@domain`
# matches the pair iff the text splits at its first `@` into halves that match each (the
# local half holds no `@`). tests/recipients/test_addresses.py pins it to the one-pattern form.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*")
_PLAIN_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)
# email-validator's reasons that typed lists meet, as it words them (2.x, syntax.py), so that
# they reach the reader in their language; a reason not listed keeps email-validator's words.
VALIDATOR_REASONS = (
    N_("An email address must have an @-sign."),
    N_("There must be something before the @-sign."),
    N_("There must be something after the @-sign."),
    N_("An email address cannot have two periods in a row."),
    N_("An email address cannot start with a period."),
    N_("An email address cannot have a period immediately before the @-sign."),
    N_("An email address cannot have a period immediately after the @-sign."),
    N_("An email address cannot have a hyphen immediately after the @-sign."),
    N_("An email address cannot end with a period."),
    N_("An email address cannot end with a hyphen."),
    N_("An email address cannot have a period and a hyphen next to each other."),
    N_("The part after the @-sign is not valid. It should have a period."),
    N_(
        "The part after the @-sign is a special-use or reserved name that cannot be used"
        " with email."
    ),
    N_("The email address contains invalid characters before the @-sign: {characters}."),
    N_("The part after the @-sign contains invalid characters: {characters}."),
    N_("The email address contains unsafe characters: {characters}."),
)
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_new_object = object.__new__


@dataclass(frozen=True, init=False)
class AddressCheck:
    """The outcome for one address. `key` identifies duplicates (see `address_key`)."""

    text: str
    valid: bool
    reason: str
    normalized: str
    local: str
    domain: str
    ascii_domain: str
    is_role: bool = False
    role_tier: str | None = None
    is_free: bool = False
    is_disposable: bool = False

    def __init__(
        self,
        text: str,
        valid: bool,
        reason: str,
        normalized: str,
        local: str,
        domain: str,
        ascii_domain: str,
        is_role: bool = False,
        role_tier: str | None = None,
        is_free: bool = False,
        is_disposable: bool = False,
    ) -> None:
        # One per row read: the frozen dataclass's own __init__ sets each field through
        # object.__setattr__ (0.7 µs more per row); filling __dict__ at once is the same
        # instance, still frozen afterwards.
        self.__dict__.update(
            text=text,
            valid=valid,
            reason=reason,
            normalized=normalized,
            local=local,
            domain=domain,
            ascii_domain=ascii_domain,
            is_role=is_role,
            role_tier=role_tier,
            is_free=is_free,
            is_disposable=is_disposable,
            # `key` made now, in the same update: routing, suppression and the per-recipient
            # token and Message-ID all ask, and a cached_property's first read takes a lock.
            key=address_key(local, ascii_domain) if valid else "",
        )

    @functools.cached_property
    def key(self) -> str:
        # Filled by __init__ (the instance's value hides this descriptor); the same value.
        return address_key(self.local, self.ascii_domain) if self.valid else ""


def address_key(local: str, ascii_domain: str) -> str:
    """Duplicate key: the address with its local part case-folded.

    RFC 5321 §2.4 lets a server treat local parts case-sensitively, but no mailbox provider
    does, and lists differing only by case are the same person. A `+tag` is kept: per RFC 5321
    the local part is opaque, so `ann+news@x` and `ann@x` are distinct addresses.
    """
    return f"{local.casefold()}@{ascii_domain.lower()}"


@functools.cache
def _data_lines(name: str) -> tuple[tuple[str, ...], ...]:
    text = resources.files("b2bmail.data").joinpath(name).read_text(encoding="utf-8")
    return tuple(
        tuple(line.split("\t"))
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@functools.cache
def role_local_parts() -> dict[str, str]:
    """Role local part (lower-case, no `.` `-` `_`) -> tier (`strict` or `generic`)."""
    return {_squash(row[0]): row[1] for row in _data_lines("recipients_role_local_parts.tsv")}


@functools.cache
def free_domains() -> frozenset[str]:
    return frozenset(row[0] for row in _data_lines("recipients_free_domains.tsv"))


def _squash(local: str) -> str:
    return local.lower().replace(".", "").replace("-", "").replace("_", "")


def _suffixes(domain: str) -> list[str]:
    """`a.b.c.fr` -> [`a.b.c.fr`, `b.c.fr`, `c.fr`] (not the bare TLD)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def domain_in(domain: str, domains: frozenset[str] | set[str]) -> bool:
    """True when `domain` or any parent of it is listed.

    The disposable list names registrable domains only, so `x@a.mailinator.com` must be
    matched through its parents (disposable-email-domains README).
    """
    return any(suffix in domains for suffix in _suffixes(domain))


@functools.lru_cache(maxsize=8192)
def domain_flags(ascii_domain: str) -> tuple[bool, bool]:
    """(free webmail, disposable) for a domain; cached, as a list repeats its domains."""
    return domain_in(ascii_domain, free_domains()), domain_in(ascii_domain, _disposable_blocklist)


def role_tier(local: str) -> str | None:
    """`strict`, `generic` or None for a local part (a `+tag` is ignored)."""
    return role_local_parts().get(_squash(local.partition("+")[0]))


def clean_address_text(text: str) -> str:
    """Strip what spreadsheets add around an address: spaces, NBSP, `mailto:`, `<...>`."""
    value = text.strip(_STRIP)
    if value[:7].lower() == "mailto:":
        value = value[7:].strip(_STRIP)
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip(_STRIP)
    return value


# The fields of a valid AddressCheck, in its __init__'s order (`key` last).
_CHECK_FIELDS = (*AddressCheck.__dataclass_fields__, "key")


@functools.lru_cache(maxsize=8192)
def _plain_domain(typed: str) -> tuple[dict[str, object], str] | None:
    """When `typed` is a domain email-validator accepts as is: the fields every valid check of
    an address at it shares (valid, reason, domain, ascii_domain, is_free, is_disposable; the
    others None) and `@domain` (lower-case); else None. Cached: a list repeats its companies'
    domains, and their checks are copies of this prototype (classify_address)."""
    if _PLAIN_DOMAIN.fullmatch(typed) is None:
        return None
    domain = typed.lower()
    if len(domain) > 253 or "--" in domain:
        return None
    if domain.rpartition(".")[2] in _SPECIAL_USE:  # all single labels (RFC 6761 names)
        return None
    is_free, is_disposable = domain_flags(domain)
    prototype: dict[str, object] = dict.fromkeys(_CHECK_FIELDS)
    prototype.update(
        valid=True,
        reason="",
        domain=domain,
        ascii_domain=domain,
        is_free=is_free,
        is_disposable=is_disposable,
    )
    return prototype, "@" + domain


def _plain_parts(value: str) -> tuple[str, dict[str, object], str] | None:
    """(local, the domain's prototype and `@domain`: _plain_domain) when `value` is a plain
    address email-validator accepts as is, else None (the caller then asks email-validator)."""
    local, at, typed_domain = value.partition("@")
    if not at or len(value) > 254 or len(local) > 64 or _PLAIN_LOCAL.fullmatch(local) is None:
        return None
    domain = _plain_domain(typed_domain)
    if domain is None:
        return None
    if local.lower() in _CASE_INSENSITIVE:
        local = local.lower()  # RFC 2142 mailbox names, as email-validator does
    return local, *domain


def classify_address(text: str) -> AddressCheck:
    """Validate and classify one address as typed in a list."""
    value = text.strip(_STRIP)
    if ":" in value or value[:1] == "<":  # else clean_address_text gives `value` as it is
        value = clean_address_text(text)
    if not value:
        return AddressCheck(text, False, _("no address"), "", "", "", "")
    plain = _plain_parts(value)
    if plain is not None:
        # AddressCheck(text, True, "", normalized, local, domain, domain, ...) without its
        # __init__ frame (one per row read): the domain's prototype copied into the instance's
        # __dict__ and the address's own fields stored, `key` included (address_key: the
        # domain is lower-case already). One copy and six stores cost a fifth less than
        # filling the twelve by keywords. The same object: test_addresses.
        # test_fast_built_check_is_the_constructed_one, test_key_is_made_with_the_check.
        local, prototype, at_domain = plain
        tier = role_tier(local)
        check = _new_object(AddressCheck)
        fields = check.__dict__
        fields.update(prototype)
        fields["text"] = text
        fields["normalized"] = local + at_domain
        fields["local"] = local
        fields["is_role"] = tier is not None
        fields["role_tier"] = tier
        fields["key"] = local.casefold() + at_domain
        return check
    try:
        # strict: local part ≤ 64 octets (RFC 5321 §4.5.3.1.1), as the plain path checks.
        result = validate_email(value, check_deliverability=False, strict=True)
    except EmailNotValidError as exc:
        reason = translate_filled(str(exc), VALIDATOR_REASONS)
        return AddressCheck(text, False, reason, value, "", "", "")
    local = result.local_part
    domain = result.domain.lower()
    ascii_domain = result.ascii_domain.lower()
    is_free, is_disposable = domain_flags(ascii_domain)
    tier = role_tier(local)
    return AddressCheck(
        text,
        True,
        "",
        f"{local}@{domain}",
        local,
        domain,
        ascii_domain,
        tier is not None,
        tier,
        is_free,
        is_disposable,
    )
