"""MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460) TXT records: parse and discover.

Only the TXT records are read. The MTA-STS policy itself (mode, mx patterns, max_age) is served
over HTTPS at https://mta-sts.<domain>/.well-known/mta-sts.txt and is not fetched: b2bmail
does no network I/O beyond DNS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from b2bmail.deliverability.dns.answers import Lookup, normalize_name
from b2bmail.deliverability.records.finding import ERROR, INFO, Finding, HasFindings
from b2bmail.i18n import _

_WSP = " \t"
# RFC 8461 §3.1: sts-id = 1*32(ALPHA / DIGIT); extensions: name 1*32 chars, value visible chars but ";" "="
_STS_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_MAILTO = re.compile(r"mailto:[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", re.IGNORECASE)
_HTTPS = re.compile(r"https://[^\s,;]+", re.IGNORECASE)


@dataclass(frozen=True)
class TxtPolicyRecord(HasFindings):
    """A parsed MTA-STS or TLS-RPT TXT record."""

    kind: str  # "mta-sts" | "tls-rpt"
    text: str
    fields: tuple[tuple[str, str], ...] = ()
    findings: tuple[Finding, ...] = ()

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    @property
    def id(self) -> str | None:
        return self.field("id")

    @property
    def rua(self) -> tuple[str, ...]:
        value = self.field("rua") or ""
        return tuple(u.strip(_WSP) for u in value.split(",") if u.strip(_WSP))


def _fields(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    parts = [p.strip(_WSP) for p in text.split(";")]
    while parts and not parts[-1]:
        parts.pop()  # a trailing ";" is allowed (RFC 8461 §3.1, RFC 8460 §3)
    fields: list[tuple[str, str]] = []
    bad: list[str] = []
    for part in parts:
        name, eq, value = part.partition("=")
        if not eq or not name:
            bad.append(part)
        else:
            fields.append((name, value))
    return fields, bad


def _versioned_fields(
    text: str, kind: str, version: str, section: str
) -> tuple[list[tuple[str, str]], list[Finding]]:
    """The record's fields, with a finding for each part that is not field=value and one when
    it does not start with `v=<version>`: what both record kinds check first."""
    fields, bad = _fields(text)
    findings = [
        Finding(
            f"{kind}-syntax",
            ERROR,
            _("{part} is not field=value ({section}).").format(part=repr(part), section=section),
        )
        for part in bad
    ]
    if not fields or fields[0] != ("v", version):
        findings.append(
            Finding(
                f"{kind}-bad-version",
                ERROR,
                _("the record must start with v={version} ({section}).").format(
                    version=version, section=section
                ),
            )
        )
    return fields, findings


def parse_mta_sts(text: str) -> TxtPolicyRecord:
    """`v=STSv1; id=…;` at _mta-sts.<domain> (RFC 8461 §3.1)."""
    fields, findings = _versioned_fields(text, "mta-sts", "STSv1", "RFC 8461 §3.1")
    ids = [v for k, v in fields if k == "id"]
    if not ids:
        findings.append(Finding("mta-sts-no-id", ERROR, _("id= is required (RFC 8461 §3.1).")))
    elif len(ids) > 1 or not _STS_ID.fullmatch(ids[0]):
        findings.append(
            Finding(
                "mta-sts-bad-id",
                ERROR,
                _("{tag} must be 1-32 letters or digits, once (RFC 8461 §3.1).").format(
                    tag=f"id={ids[0]!r}"
                ),
            )
        )
    for name, value in fields[1:]:
        if name in ("v", "id"):
            continue
        if not _EXT_NAME.fullmatch(name) or not _EXT_VALUE.fullmatch(value):
            findings.append(
                Finding(
                    "mta-sts-bad-extension",
                    ERROR,
                    _("extension {extension} is not valid (RFC 8461 §3.1).").format(
                        extension=f"{name}={value!r}"
                    ),
                )
            )
    findings.append(
        Finding(
            "mta-sts-policy-not-fetched",
            INFO,
            _(
                "the policy file (https://mta-sts.<domain>/.well-known/mta-sts.txt) is not"
                " fetched; only the TXT record is checked (RFC 8461 §3.2)."
            ),
        )
    )
    return TxtPolicyRecord("mta-sts", text, tuple(fields), tuple(findings))


def parse_tls_rpt(text: str) -> TxtPolicyRecord:
    """`v=TLSRPTv1; rua=mailto:…` at _smtp._tls.<domain> (RFC 8460 §3)."""
    fields, findings = _versioned_fields(text, "tls-rpt", "TLSRPTv1", "RFC 8460 §3")
    ruas = [v for k, v in fields if k == "rua"]
    if not ruas:
        findings.append(Finding("tls-rpt-no-rua", ERROR, _("rua= is required (RFC 8460 §3).")))
    elif len(ruas) > 1:
        findings.append(
            Finding("tls-rpt-bad-rua", ERROR, _("rua= appears more than once (RFC 8460 §3)."))
        )
    else:
        for uri in (u.strip(_WSP) for u in ruas[0].split(",")):
            if not (_MAILTO.fullmatch(uri) or _HTTPS.fullmatch(uri)):
                findings.append(
                    Finding(
                        "tls-rpt-bad-rua",
                        ERROR,
                        _("rua {uri} must be a mailto: or https: URI (RFC 8460 §3).").format(
                            uri=repr(uri)
                        ),
                    )
                )
    return TxtPolicyRecord("tls-rpt", text, tuple(fields), tuple(findings))


@dataclass(frozen=True)
class PolicyDiscovery:
    """The outcome of looking up an MTA-STS or TLS-RPT TXT record."""

    kind: str
    name: str  # the DNS name queried
    status: str  # "found" | "absent" | "unknown" | "multiple"
    record: TxtPolicyRecord | None = None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "found" and self.record is not None and self.record.valid


async def _discover(
    lookup: Lookup, name: str, kind: str, version: str, section: str
) -> PolicyDiscovery:
    answer = await lookup.lookup(name, "TXT")
    if answer.unknown:
        return PolicyDiscovery(
            kind,
            name,
            "unknown",
            problem=_("TXT lookup failed ({reason})").format(reason=answer.reason),
        )
    # Records that do not start with the version are discarded; more than one left is an error
    candidates = [r for r in answer.records if r.startswith(version)]
    if not candidates:
        problem = _("no {version} TXT record at {name}").format(version=version, name=name)
        return PolicyDiscovery(kind, name, "absent", problem=problem)
    if len(candidates) > 1:
        return PolicyDiscovery(
            kind,
            name,
            "multiple",
            problem=_(
                "{count} {version} records at {name}: senders treat this as no record ({section})"
            ).format(count=len(candidates), version=version, name=name, section=section),
        )
    parse = parse_mta_sts if kind == "mta-sts" else parse_tls_rpt
    return PolicyDiscovery(kind, name, "found", parse(candidates[0]))


async def find_mta_sts(lookup: Lookup, domain: str) -> PolicyDiscovery:
    """Look up _mta-sts.<domain> TXT (RFC 8461 §3.1)."""
    name = f"_mta-sts.{normalize_name(domain)}"
    return await _discover(lookup, name, "mta-sts", "v=STSv1", "RFC 8461 §3.1")


async def find_tls_rpt(lookup: Lookup, domain: str) -> PolicyDiscovery:
    """Look up _smtp._tls.<domain> TXT (RFC 8460 §3)."""
    name = f"_smtp._tls.{normalize_name(domain)}"
    return await _discover(lookup, name, "tls-rpt", "v=TLSRPTv1", "RFC 8460 §3")


__all__ = [
    "PolicyDiscovery",
    "TxtPolicyRecord",
    "find_mta_sts",
    "find_tls_rpt",
    "parse_mta_sts",
    "parse_tls_rpt",
]
