"""The explicit rule registry: every rule, its stable code, name, default severity and docs."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit, Severity

CheckFn = Callable[[Document, Mapping[str, float]], Iterator[Hit]]

FAMILIES = {
    "0": "size",
    "1": "reading",
    "2": "plain text",
    "3": "old clients",
    "4": "images",
    "5": "accessibility",
    "6": "links",
    "7": "compliance",
}
SECTIONS = ("What it does", "Why it matters", "Example", "Use instead")
_HEADING = re.compile(r"^(What it does|Why it matters|Example|Use instead):\s*$", re.M)


@dataclass(frozen=True)
class Rule:
    """A lint rule: `check(document, thresholds)` yields hits; the engine makes them Problems."""

    code: str
    name: str
    severity: Severity
    check: CheckFn
    doc: str
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[3:4], "other")

    @property
    def sections(self) -> dict[str, str]:
        """The docstring's four sections, dedented ("Example" and "Use instead" are email code)."""
        found: dict[str, str] = {}
        marks = list(_HEADING.finditer(self.doc))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(self.doc)
            found[mark.group(1)] = inspect.cleandoc(self.doc[mark.end() : end])
        return found

    @property
    def summary(self) -> str:
        what = self.sections.get("What it does", "")
        return " ".join(what.split())


def rule(
    code: str, name: str, severity: Severity, thresholds: Mapping[str, float] | None = None
) -> Callable[[CheckFn], Rule]:
    """Make a check function into a `Rule`; its docstring is the rule's documentation."""

    def decorator(func: CheckFn) -> Rule:
        return Rule(
            code=code,
            name=name,
            severity=severity,
            check=func,
            doc=inspect.cleandoc(func.__doc__ or ""),
            thresholds=MappingProxyType(dict(thresholds or {})),
        )

    return decorator


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, by code."""
    from b2bmail.lint.rules import RULES

    return tuple(sorted(RULES, key=lambda r: r.code))


def find_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for candidate in all_rules():
        if key.upper() == candidate.code or key.lower() == candidate.name:
            return candidate
    return None


def default_thresholds() -> dict[str, float]:
    out: dict[str, float] = {}
    for candidate in all_rules():
        out.update(candidate.thresholds)
    return out
