"""A finding from the sender-authentication parsers (SPF, DMARC, DKIM, MTA-STS, TLS-RPT).

Findings are data, not exceptions: a parser returns every finding it has, each with a stable
code, a severity and a sentence that cites the standard it encodes.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"  # the record is invalid, ignored, or will not work as intended
WARNING = "warning"  # the record works but something in it is lost, risky or discouraged
INFO = "info"  # worth knowing; nothing to fix


@dataclass(frozen=True)
class Finding:
    code: str  # stable kebab-case code, e.g. "spf-too-many-lookups"
    severity: str  # ERROR | WARNING | INFO
    message: str  # one sentence, citing the RFC section, e.g. "... (RFC 7208 §4.6.4)."

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


class HasFindings:
    """What every parsed record says of its own findings. The record declares `findings`."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def valid(self) -> bool:
        return not self.errors
