"""SPF record syntax (RFC 7208 §4.5, §4.6, §5, §6, §12 ABNF): text in, `SpfRecord` out, no I/O."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from b2bmail.deliverability.records.finding import ERROR, INFO, WARNING, Finding, HasFindings
from b2bmail.deliverability.records.spf.macros import MacroSyntaxError, check_macro_string
from b2bmail.i18n import _

QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
# RFC 7208 §4.6.4: the terms that cause DNS queries, limited to 10 per check_host()
DNS_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
MAX_DNS_TERMS = 10
# RFC 7208 §3.4: keep the record under 450 octets so the DNS answer fits in one UDP packet.
MAX_RECORD_OCTETS = 450
MAX_VOID_LOOKUPS = 2

_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9\-_.]*)=(.*)", re.S)
_DIRECTIVE = re.compile(r"([+\-~?]?)([A-Za-z][A-Za-z0-9\-_.]*)(.*)", re.S)
_CIDR = r"(?:0|[1-9][0-9]*)"
_DUAL_CIDR = re.compile(rf"(?:/({_CIDR}))?(?://({_CIDR}))?")
_DOMAIN_AND_CIDR = re.compile(rf"(.*?)(?:/({_CIDR}))?(?://({_CIDR}))?", re.S)
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"({_QNUM}(?:\.{_QNUM}){{3}})(?:/({_CIDR}))?")
_IP6 = re.compile(rf"([0-9A-Fa-f:.]+?)(?:/({_CIDR}))?")
# RFC 7208 §7.1: toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
_TOPLABEL = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9]")
_ENDS_WITH_MACRO = re.compile(r"(?:%\{[A-Za-z][0-9]*[rR]?[.\-+,/_=]*\}|%%|%_|%-)$")


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # "+", "-", "~" or "?"
    name: str  # one of MECHANISMS
    domain_spec: str | None = None  # include/exists: required; a/mx/ptr: optional
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None  # ip4/ip6
    cidr4: int = 32
    cidr6: int = 128
    text: str = ""

    @property
    def result(self) -> str:
        return QUALIFIERS[self.qualifier]


@dataclass(frozen=True)
class Modifier:
    name: str  # lower-case
    value: str
    text: str = ""


@dataclass(frozen=True)
class SpfRecord(HasFindings):
    text: str
    terms: tuple[Mechanism | Modifier, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def mechanisms(self) -> tuple[Mechanism, ...]:
        return tuple(t for t in self.terms if isinstance(t, Mechanism))

    def modifier(self, name: str) -> str | None:
        for term in self.terms:
            if isinstance(term, Modifier) and term.name == name:
                return term.value
        return None

    @property
    def redirect(self) -> str | None:
        return self.modifier("redirect")

    @property
    def exp(self) -> str | None:
        return self.modifier("exp")

    @property
    def dns_terms(self) -> int:
        """DNS-querying terms in this record alone (RFC 7208 §4.6.4)."""
        count = sum(1 for m in self.mechanisms if m.name in DNS_MECHANISMS)
        return count + (1 if self.redirect is not None else 0)


def is_spf_record(text: str) -> bool:
    """RFC 7208 §4.5: "v=spf1" (any case) followed by a space or the end of the record."""
    return text[:6].lower() == "v=spf1" and (len(text) == 6 or text[6] == " ")


def select_spf_records(txt_records: Iterable[str]) -> tuple[str, ...]:
    return tuple(text for text in txt_records if is_spf_record(text))


def check_domain_spec(spec: str) -> str | None:
    """Why `spec` is not a valid domain-spec (RFC 7208 §7.1), or None when it is."""
    if not spec:
        return _("the domain-spec is empty")
    try:
        check_macro_string(spec)
    except MacroSyntaxError as exc:
        return str(exc)
    if _ENDS_WITH_MACRO.search(spec):
        return None
    # domain-end = ( "." toplabel [ "." ] ) / macro-expand
    body = spec[:-1] if spec.endswith(".") else spec
    if "." not in body:
        return _("{spec} has no '.toplabel' ending (RFC 7208 §7.1)").format(spec=repr(spec))
    top = body.rsplit(".", 1)[1]
    if not _TOPLABEL.fullmatch(top):
        return _("top label {label} is not a valid toplabel (RFC 7208 §7.1)").format(
            label=repr(top)
        )
    return None


def _error(code: str, message: str) -> Finding:
    return Finding(code, ERROR, message)


def _term_why(term: str, why: str, sections: str) -> str:
    return _("{term}: {why} (RFC 7208 {sections}).").format(
        term=repr(term), why=why, sections=sections
    )


def _parse_directive(term: str) -> Mechanism | Finding:
    match = _DIRECTIVE.fullmatch(term)
    if not match:
        return _error(
            "spf-bad-term",
            _("term {term} is neither a mechanism nor a modifier (RFC 7208 §4.6.1).").format(
                term=repr(term)
            ),
        )
    qualifier, raw_name, rest = match.group(1) or "+", match.group(2), match.group(3)
    name = raw_name.lower()
    if name not in MECHANISMS:
        return _error(
            "spf-unknown-mechanism",
            _("unknown mechanism {name} in {term} (RFC 7208 §5).").format(
                name=repr(raw_name), term=repr(term)
            ),
        )
    if name == "all":
        if rest:
            return _error(
                "spf-bad-all",
                _("'all' takes no argument, found {term} (RFC 7208 §5.1).").format(term=repr(term)),
            )
        return Mechanism(qualifier, name, text=term)
    if name in ("ip4", "ip6"):
        return _parse_ip(qualifier, name, rest, term)
    if name in ("include", "exists", "ptr"):
        if name == "ptr" and not rest:
            return Mechanism(qualifier, name, text=term)
        section = {"include": "5.2", "exists": "5.7", "ptr": "5.5"}[name]
        if not rest.startswith(":"):
            return _error(
                "spf-bad-domain-spec",
                _("{term}: {name} needs ':domain' (RFC 7208 §{section}).").format(
                    term=repr(term), name=name, section=section
                ),
            )
        why = check_domain_spec(rest[1:])
        if why:
            return _error("spf-bad-domain-spec", _term_why(term, why, f"§{section}"))
        return Mechanism(qualifier, name, domain_spec=rest[1:], text=term)
    # a / mx: [ ":" domain-spec ] [ dual-cidr-length ]   (RFC 7208 §5.3, §5.4)
    section = "5.3" if name == "a" else "5.4"
    spec: str | None = None
    if rest.startswith(":"):
        m = _DOMAIN_AND_CIDR.fullmatch(rest[1:])
        assert m is not None  # the pattern matches any string
        spec, c4, c6 = m.group(1), m.group(2), m.group(3)
        why = check_domain_spec(spec)
        if why:
            return _error("spf-bad-domain-spec", _term_why(term, why, f"§{section}"))
    else:
        cidr = _DUAL_CIDR.fullmatch(rest)
        if not cidr:
            return _error(
                "spf-bad-cidr",
                _("{term}: bad dual-cidr-length (RFC 7208 §5.6).").format(term=repr(term)),
            )
        c4, c6 = cidr.group(1), cidr.group(2)
    cidr4, cidr6 = int(c4) if c4 else 32, int(c6) if c6 else 128
    if cidr4 > 32 or cidr6 > 128:
        return _error(
            "spf-bad-cidr",
            _("{term}: CIDR length out of range (RFC 7208 §5.6).").format(term=repr(term)),
        )
    return Mechanism(qualifier, name, domain_spec=spec, cidr4=cidr4, cidr6=cidr6, text=term)


def _parse_ip(qualifier: str, name: str, rest: str, term: str) -> Mechanism | Finding:
    pattern = _IP4 if name == "ip4" else _IP6
    match = pattern.fullmatch(rest[1:]) if rest.startswith(":") else None
    bad = _error(
        "spf-bad-ip",
        _("{term} is not {name}:<network>[/<prefix>] (RFC 7208 §5.6).").format(
            term=repr(term), name=name
        ),
    )
    if match is None:
        return bad
    limit = 32 if name == "ip4" else 128
    prefix = int(match.group(2)) if match.group(2) else limit
    if prefix > limit:
        return _error(
            "spf-bad-cidr",
            _("{term}: prefix /{prefix} is longer than {limit} (RFC 7208 §5.6).").format(
                term=repr(term), prefix=prefix, limit=limit
            ),
        )
    try:
        address = ipaddress.ip_address(match.group(1))
    except ValueError:
        return bad
    if address.version != (4 if name == "ip4" else 6):
        return bad
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return Mechanism(
        qualifier,
        name,
        network=network,
        cidr4=prefix if name == "ip4" else 32,
        cidr6=prefix if name == "ip6" else 128,
        text=term,
    )


def _parse_modifier(name: str, value: str, term: str) -> Modifier | Finding:
    lowered = name.lower()
    if lowered in ("redirect", "exp"):
        # Known modifiers are not "greedy" unknown-modifiers: a bad domain-spec is an error
        # (RFC 7208 §6.1, §6.2 and the OpenSPF suite's redirect-syntax-error / exp-syntax-error).
        why = check_domain_spec(value)
        if why:
            return _error("spf-bad-modifier", _term_why(term, why, "§6"))
        return Modifier(lowered, value, term)
    try:
        check_macro_string(value)
    except MacroSyntaxError as exc:
        return _error("spf-bad-modifier", _term_why(term, str(exc), "§6, §12"))
    return Modifier(lowered, value, term)


def parse_spf(text: str) -> SpfRecord:
    """Parse one SPF record; every syntax problem becomes an error finding (a permerror)."""
    if not is_spf_record(text):
        return SpfRecord(
            text,
            (),
            (
                _error(
                    "spf-no-version", _("the record does not start with 'v=spf1' (RFC 7208 §4.5).")
                ),
            ),
        )
    findings: list[Finding] = []
    terms: list[Mechanism | Modifier] = []
    # terms = *( 1*SP ( directive / modifier ) ); only SP separates terms (RFC 7208 §4.6.1)
    for term in text[6:].split(" "):
        if not term:
            continue
        modifier = _MODIFIER.fullmatch(term)
        parsed = (
            _parse_modifier(modifier.group(1), modifier.group(2), term)
            if modifier
            else _parse_directive(term)
        )
        if isinstance(parsed, Finding):
            findings.append(parsed)
        else:
            terms.append(parsed)
    findings.extend(_check_structure(terms))
    size = len(text.encode("utf-8"))
    if size > MAX_RECORD_OCTETS:
        findings.append(
            Finding(
                "spf-record-too-long",
                WARNING,
                _(
                    "the record is {size} octets; keep it under {limit} so the DNS answer fits in"
                    " one UDP packet (RFC 7208 §3.4) — move hosts into an include:."
                ).format(size=size, limit=MAX_RECORD_OCTETS),
            )
        )
    return SpfRecord(text, tuple(terms), tuple(findings))


def _check_structure(terms: list[Mechanism | Modifier]) -> list[Finding]:
    findings: list[Finding] = []
    for name in ("redirect", "exp"):
        if sum(1 for t in terms if isinstance(t, Modifier) and t.name == name) > 1:
            findings.append(
                _error(
                    f"spf-duplicate-{name}",
                    _("{name}= appears more than once: a permerror (RFC 7208 §6).").format(
                        name=name
                    ),
                )
            )
    mechanisms = [t for t in terms if isinstance(t, Mechanism)]
    if any(m.name == "ptr" for m in mechanisms):
        findings.append(
            Finding(
                "spf-ptr-discouraged",
                WARNING,
                _(
                    "the 'ptr' mechanism SHOULD NOT be used: it is slow and unreliable"
                    " (RFC 7208 §5.5)."
                ),
            )
        )
    dns_terms = sum(1 for m in mechanisms if m.name in DNS_MECHANISMS)
    dns_terms += sum(1 for t in terms if isinstance(t, Modifier) and t.name == "redirect")
    if dns_terms > MAX_DNS_TERMS:
        # A warning here: check_host() counts as it evaluates and fails on the 11th (RFC 7208 §4.6.4)
        findings.append(
            Finding(
                "spf-too-many-lookups",
                WARNING,
                _(
                    "{count} DNS-querying terms in this record alone; at most {limit} are allowed"
                    " per check (RFC 7208 §4.6.4)."
                ).format(count=dns_terms, limit=MAX_DNS_TERMS),
            )
        )
    alls = [i for i, m in enumerate(mechanisms) if m.name == "all"]
    if alls and alls[0] != len(mechanisms) - 1:
        findings.append(
            Finding(
                "spf-terms-after-all",
                WARNING,
                _("mechanisms after 'all' are never evaluated (RFC 7208 §5.1)."),
            )
        )
    if alls and any(isinstance(t, Modifier) and t.name == "redirect" for t in terms):
        findings.append(
            Finding(
                "spf-redirect-ignored",
                WARNING,
                _("redirect= is ignored when the record has an 'all' mechanism (RFC 7208 §6.1)."),
            )
        )
    if alls and mechanisms[alls[0]].qualifier == "+":
        findings.append(
            Finding(
                "spf-pass-all",
                WARNING,
                _(
                    "'+all' authorises every host on the Internet to send as this domain"
                    " (RFC 7208 §5.1)."
                ),
            )
        )
    if not alls and not any(isinstance(t, Modifier) and t.name == "redirect" for t in terms):
        findings.append(
            Finding(
                "spf-no-all",
                INFO,
                _("no 'all' or redirect=: hosts not listed get 'neutral' (RFC 7208 §4.7)."),
            )
        )
    for t in terms:
        if isinstance(t, Modifier) and t.name not in ("redirect", "exp"):
            findings.append(
                Finding(
                    "spf-unknown-modifier",
                    INFO,
                    _("unknown modifier {name} is ignored (RFC 7208 §6).").format(
                        name=repr(t.name)
                    ),
                )
            )
    return findings
