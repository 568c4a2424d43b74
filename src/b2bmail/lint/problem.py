"""What a lint rule reports: a `Hit` (rule-local) and a `Problem` (with code, name, severity, path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from b2bmail.i18n import N_, _

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
#: Each severity as a person reads it; the severity itself is machine text (JSON, SARIF levels).
_SEVERITY_LABELS: dict[str, str] = {
    "error": N_("error"),
    "warning": N_("warning"),
    "info": N_("info"),
}


def severity_label(severity: str) -> str:
    """`severity` in the current language ("erreur", "waarschuwing"), for text output."""
    label = _SEVERITY_LABELS.get(severity)
    return _(label) if label else severity


# Where in a message a problem sits. Line numbers count within that part: for an .eml, "html"
# lines are lines of the decoded HTML part and "headers" lines are lines of the message file.
Part = Literal["html", "text", "headers", "subject", "preheader"]


class Hit(NamedTuple):
    """One finding of one rule, before the engine adds code, name, severity and path.

    A NamedTuple, not a dataclass: rules make many, and a tuple is built several times faster.
    """

    message: str
    line: int = 1
    column: int | None = None
    snippet: str = ""
    part: Part = "html"
    # A rule may lower (never raise) its default for a context, e.g. template syntax in a bare
    # template file; a severity set in the configuration always wins.
    severity: Severity | None = None


@dataclass(frozen=True)
class Problem:
    """One problem in one linted file; `code` is a field, never part of the message."""

    path: str
    code: str
    name: str
    severity: Severity
    message: str
    line: int
    column: int | None = None
    snippet: str = ""
    part: Part = "html"
    # The campaign segment(s) whose build showed the problem, comma-separated, when `path` and
    # `line` are the source that produced it (lint/source_map.py); "" for a linted file.
    segment: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "snippet": self.snippet,
            "part": self.part,
            "segment": self.segment,
        }
