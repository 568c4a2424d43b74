"""DMARC record syntax (RFC 7489, plus the DMARCbis tags np, psd and t of RFC 9989).

Severity follows what a record does at receivers: an error means a receiver running an RFC
7489 parser (OpenDMARC and others still deployed) or an RFC 9989 one rejects or ignores the
record or the tag; a warning means the record applies but something in it is lost or risky.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from b2bmail.deliverability.records.finding import ERROR, INFO, WARNING, Finding, HasFindings
from b2bmail.i18n import _

POLICIES = ("none", "quarantine", "reject")
KNOWN_TAGS = (
    "v",
    "p",
    "sp",
    "np",
    "adkim",
    "aspf",
    "pct",
    "rua",
    "ruf",
    "fo",
    "rf",
    "ri",
    "psd",
    "t",
)
_WSP = " \t"
# RFC 7489 §6.4: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31. The value
# is written in code points, so it is case-sensitive (§6.3: it "MUST match precisely");
# only the quoted tag name "v" is case-insensitive (RFC 5234 §2.3).
_VERSION = re.compile(r"[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)")
_SIZE = re.compile(r"([0-9]+)([kmgt]?)", re.IGNORECASE)
_MAILTO = re.compile(r"mailto:([^@\s/,;!]+@[^@\s/,;!]+\.[^@\s/,;!]+)", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


@dataclass(frozen=True)
class ReportUri:
    uri: str  # without the size suffix
    max_size: int | None = None  # bytes, from "!10m" (RFC 7489 §6.2)

    @property
    def address(self) -> str | None:
        match = _MAILTO.fullmatch(self.uri)
        return match.group(1).lower() if match else None


@dataclass(frozen=True)
class DmarcRecord(HasFindings):
    text: str
    tags: tuple[tuple[str, str], ...] = ()
    findings: tuple[Finding, ...] = ()

    def tag(self, name: str) -> str | None:
        return next((value for key, value in self.tags if key == name), None)

    @property
    def policy(self) -> str | None:
        value = (self.tag("p") or "").lower()
        return value if value in POLICIES else None

    @property
    def subdomain_policy(self) -> str | None:
        value = (self.tag("sp") or "").lower()
        return value if value in POLICIES else self.policy

    @property
    def nonexistent_policy(self) -> str | None:
        value = (self.tag("np") or "").lower()
        return value if value in POLICIES else self.subdomain_policy

    @property
    def adkim(self) -> str:
        return "s" if (self.tag("adkim") or "r").lower() == "s" else "r"

    @property
    def aspf(self) -> str:
        return "s" if (self.tag("aspf") or "r").lower() == "s" else "r"

    @property
    def pct(self) -> int:
        value = self.tag("pct")
        return int(value) if value and value.isdigit() and int(value) <= 100 else 100

    @property
    def testing(self) -> bool:
        return (self.tag("t") or "n").lower() == "y"

    @property
    def rua(self) -> tuple[ReportUri, ...]:
        return parse_uri_list(self.tag("rua") or "")

    @property
    def ruf(self) -> tuple[ReportUri, ...]:
        return parse_uri_list(self.tag("ruf") or "")


def parse_uri_list(value: str) -> tuple[ReportUri, ...]:
    """rua/ruf: comma-separated URIs, each with an optional "!size[kmgt]" (RFC 7489 §6.2)."""
    uris: list[ReportUri] = []
    for item in value.split(","):
        item = item.strip(_WSP)
        if not item:
            continue
        uri, bang, size = item.rpartition("!") if "!" in item else (item, "", "")
        match = _SIZE.fullmatch(size) if bang else None
        max_size = int(match.group(1)) * _UNITS[match.group(2).lower()] if match else None
        uris.append(ReportUri(uri if match else item, max_size))
    return tuple(uris)


def is_dmarc_record(text: str) -> bool:
    """RFC 7489 §6.6.3: only records starting with "v=DMARC1" are kept."""
    return bool(_VERSION.match(text.lstrip(_WSP)))


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse one DMARC record; findings cite RFC 7489 or RFC 9989 (DMARCbis)."""
    findings: list[Finding] = []
    parts = [p.strip(_WSP) for p in text.split(";")]
    while parts and not parts[-1]:
        parts.pop()
    if not parts:
        return DmarcRecord(
            text, (), (Finding("dmarc-empty", ERROR, _("the record is empty (RFC 7489 §6.4).")),)
        )
    tags: list[tuple[str, str]] = []
    for index, part in enumerate(parts):
        name, eq, value = part.partition("=")
        name, value = name.strip(_WSP).lower(), value.strip(_WSP)
        if not eq or not name:
            findings.append(
                Finding(
                    "dmarc-syntax",
                    ERROR,
                    _("{part} is not tag=value (RFC 7489 §6.4).").format(part=repr(part)),
                )
            )
            continue
        if index == 0 and (name != "v" or value != "DMARC1"):
            message = (
                _(
                    "the record must start with v=DMARC1, found {part} — this is an SPF record"
                    " (RFC 7489 §6.3)."
                )
                if text.lower().startswith("v=spf1")
                else _("the record must start with v=DMARC1, found {part} (RFC 7489 §6.3).")
            )
            findings.append(Finding("dmarc-bad-version", ERROR, message.format(part=repr(part))))
            return DmarcRecord(text, (), tuple(findings))
        if any(existing == name for existing, _value in tags):
            findings.append(
                Finding(
                    "dmarc-duplicate-tag",
                    ERROR,
                    _("tag {name} appears more than once (RFC 7489 §6.3; RFC 9989).").format(
                        name=repr(name)
                    ),
                )
            )
            continue
        tags.append((name, value))
    record = DmarcRecord(text, tuple(tags))
    findings.extend(_check_tags(record))
    return DmarcRecord(text, tuple(tags), tuple(findings))


def _choice(record: DmarcRecord, name: str, allowed: tuple[str, ...], rfc: str) -> list[Finding]:
    value = record.tag(name)
    if value is None or value.lower() in allowed:
        return []
    return [
        Finding(
            "dmarc-bad-value",
            ERROR,
            _("{tag} must be one of {allowed} ({rfc}).").format(
                tag=f"{name}={value!r}", allowed="|".join(allowed), rfc=rfc
            ),
        )
    ]


def _check_tags(record: DmarcRecord) -> list[Finding]:
    out: list[Finding] = []
    names = [name for name, _value in record.tags]
    p = record.tag("p")
    if p is None:
        # RFC 7489 §6.6.3 step 6: without a valid p, a record whose rua holds a syntactically
        # valid URI SHOULD be treated as p=none; without one, no DMARC processing applies.
        if any(_SCHEME.match(uri.uri) for uri in record.rua):
            message = _(
                "p= is missing: receivers treat the record as p=none because rua= holds a valid"
                " report URI (RFC 7489 §6.6.3) — write p=none, or the policy you mean."
            )
        else:
            message = _(
                "p= is missing and rua= holds no valid report URI: RFC 7489 receivers apply no"
                " DMARC policy (RFC 7489 §6.6.3); DMARCbis receivers read it as p=none (RFC 9989)."
            )
        out.append(Finding("dmarc-no-policy", ERROR, message))
    elif names.index("p") != 1:
        out.append(
            Finding(
                "dmarc-policy-not-second",
                WARNING,
                _(
                    "p= should come right after v=DMARC1: the RFC 7489 grammar requires it and"
                    " older receivers reject other orders (RFC 7489 §6.4)."
                ),
            )
        )
    for name in ("p", "sp"):
        out += _choice(record, name, POLICIES, "RFC 7489 §6.3")
    out += _choice(record, "np", POLICIES, "RFC 9989; RFC 9091 §4.1")
    out += _choice(record, "adkim", ("r", "s"), "RFC 7489 §6.3")
    out += _choice(record, "aspf", ("r", "s"), "RFC 7489 §6.3")
    out += _choice(record, "psd", ("y", "n", "u"), "RFC 9989")
    out += _choice(record, "t", ("y", "n"), "RFC 9989")
    pct = record.tag("pct")
    if pct is not None:
        if not pct.isdigit() or int(pct) > 100:
            out.append(
                Finding(
                    "dmarc-bad-value",
                    ERROR,
                    _("{tag} must be an integer 0-100 (RFC 7489 §6.3).").format(tag=f"pct={pct!r}"),
                )
            )
        else:
            out.append(
                Finding(
                    "dmarc-pct-removed",
                    INFO,
                    _(
                        "pct= is removed in DMARCbis, where t=y replaces partial enforcement"
                        " (RFC 9989)."
                    ),
                )
            )
            if int(pct) < 100:
                out.append(
                    Finding(
                        "dmarc-partial-policy",
                        INFO,
                        _(
                            "the policy applies to {pct}% of failing mail only (RFC 7489 §6.3)."
                        ).format(pct=pct),
                    )
                )
    ri = record.tag("ri")
    if ri is not None and (not ri.isdigit() or int(ri) > 0xFFFFFFFF):
        out.append(
            Finding(
                "dmarc-bad-value",
                ERROR,
                _("{tag} must be a number of seconds (RFC 7489 §6.3).").format(tag=f"ri={ri!r}"),
            )
        )
    fo = record.tag("fo")
    if fo is not None:
        options = [o.strip(_WSP) for o in fo.split(":")]
        if not all(o in ("0", "1", "d", "s") for o in options):
            out.append(
                Finding(
                    "dmarc-bad-value",
                    ERROR,
                    _("{tag} must be a ':' list of 0, 1, d, s (RFC 7489 §6.3).").format(
                        tag=f"fo={fo!r}"
                    ),
                )
            )
        elif "0" in options and "1" in options:
            out.append(
                Finding(
                    "dmarc-fo-redundant", INFO, _("fo=0 is redundant next to fo=1 (RFC 7489 §6.3).")
                )
            )
    rf = record.tag("rf")
    if rf is not None:
        if not all(f.strip(_WSP).lower() in ("afrf", "iodef") for f in rf.split(":")):
            out.append(
                Finding(
                    "dmarc-bad-value",
                    ERROR,
                    _("{tag} must name report formats such as afrf (RFC 7489 §6.3).").format(
                        tag=f"rf={rf!r}"
                    ),
                )
            )
        else:
            out.append(
                Finding(
                    "dmarc-rf-removed",
                    INFO,
                    _("rf= is removed in DMARCbis and ignored there (RFC 9989)."),
                )
            )
    for name in ("rua", "ruf"):
        out += _check_uris(record, name)
    if record.tag("rua") is None:
        out.append(
            Finding(
                "dmarc-no-rua",
                INFO,
                _("no rua=: you will receive no aggregate reports (RFC 7489 §7.2)."),
            )
        )
    if record.policy == "none":
        out.append(
            Finding(
                "dmarc-monitoring-only",
                INFO,
                _(
                    "p=none monitors only: failing mail is not quarantined or rejected"
                    " (RFC 7489 §6.3)."
                ),
            )
        )
    sp = (record.tag("sp") or "").lower()
    if sp == "none" and record.policy in ("quarantine", "reject"):
        out.append(
            Finding(
                "dmarc-subdomains-unenforced",
                WARNING,
                _(
                    "sp=none leaves subdomains unprotected while the domain itself is enforced"
                    " (RFC 7489 §6.3)."
                ),
            )
        )
    if record.testing:
        out.append(
            Finding(
                "dmarc-test-mode",
                INFO,
                _("t=y: test mode, receivers apply the next-weaker policy (RFC 9989)."),
            )
        )
    for name in names:
        if name not in KNOWN_TAGS:
            out.append(
                Finding(
                    "dmarc-unknown-tag",
                    WARNING,
                    _(
                        "unknown tag {name} is ignored by receivers — a typo? (RFC 7489 §6.3)."
                    ).format(name=repr(name)),
                )
            )
    return out


def _check_uris(record: DmarcRecord, name: str) -> list[Finding]:
    value = record.tag(name)
    if value is None:
        return []
    out: list[Finding] = []
    uris = parse_uri_list(value)
    if not uris:
        out.append(
            Finding(
                "dmarc-bad-uri", WARNING, _("{name}= is empty (RFC 7489 §6.2).").format(name=name)
            )
        )
    for item in uris:
        if not _SCHEME.match(item.uri):
            out.append(
                Finding(
                    "dmarc-bad-uri",
                    WARNING,
                    _("{name}: {uri} is not a URI — write {fix} (RFC 7489 §6.2).").format(
                        name=name, uri=repr(item.uri), fix=f"mailto:{item.uri}"
                    ),
                )
            )
        elif not item.uri.lower().startswith("mailto:"):
            out.append(
                Finding(
                    "dmarc-bad-uri",
                    WARNING,
                    _(
                        "{name}: {uri}: receivers only have to support mailto: URIs (RFC 7489 §6.2)."
                    ).format(name=name, uri=repr(item.uri)),
                )
            )
        elif item.address is None:
            out.append(
                Finding(
                    "dmarc-bad-uri",
                    WARNING,
                    _("{name}: {uri} is not a valid mailto: address (RFC 7489 §6.2).").format(
                        name=name, uri=repr(item.uri)
                    ),
                )
            )
    if len(uris) > 2:
        out.append(
            Finding(
                "dmarc-many-uris",
                INFO,
                _(
                    "{name}= lists {count} URIs; receivers may use only the first two"
                    " (RFC 7489 §6.2)."
                ).format(name=name, count=len(uris)),
            )
        )
    return out
