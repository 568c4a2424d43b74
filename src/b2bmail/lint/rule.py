"""What a rule is: `Rule`, the `@rule` decorator, the code families, the docstring headings,
and the codes that are retired and never given to a new rule.

This module imports no rule and no registry: every rule module imports it, and the registry
(`lint.registry`) imports the rules, so the imports run one way (rule <- rules <- registry).
`Severity` stays in `lint.problem`, next to the `Hit` and `Problem` that carry one; it is
imported here, not moved, since `problem` must not depend on the rule machinery.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from b2bmail.i18n import N_, _
from b2bmail.lint.problem import Hit, Severity

if TYPE_CHECKING:  # a rule's check reads a Document; the rule machinery never builds one
    from b2bmail.lint.document import Document

__all__ = ["FAMILIES", "RETIRED_CODES", "SECTIONS", "CheckFn", "Rule", "Severity", "rule"]

CheckFn = Callable[["Document", Mapping[str, float]], Iterator[Hit]]

#: The family of a code is its fourth character: B2B3xx are the old-client rules. The names
#: are machine text (SARIF tags, JSON); `_(family)` shows one in the reader's language.
FAMILIES = {
    "0": N_("size"),
    "1": N_("reading"),
    "2": N_("plain text"),
    "3": N_("old clients"),
    "4": N_("images"),
    "5": N_("accessibility"),
    "6": N_("links"),
    "7": N_("compliance"),
}
SECTIONS = (N_("What it does"), N_("Why it matters"), N_("Example"), N_("Use instead"))
#: The sections written in English prose, shown in the reader's language; "Example" and "Use
#: instead" are email code and stay as they are (the test suite lints them).
PROSE_SECTIONS = ("What it does", "Why it matters")
_HEADING = re.compile(r"^(What it does|Why it matters|Example|Use instead):\s*$", re.M)

#: Codes that a rule held once and no rule may take again (ruff's `RuleGroup::Removed`): a
#: configuration, an inline `b2bmail-disable` or a CI filter naming one must never silently
#: start meaning another check. code -> (when, why). Empty so far: the history of the lint
#: modules and CHANGES.md show no lint code removed (checked 2026-12-06; the one retired code
#: in the project, `strict-dmarc`, is an audit risk code, not a lint rule). B2B000 is not
#: retired but reserved: it is the "could not read the input" problem, outside the registry
#: (see `RESERVED_CODES`).
RETIRED_CODES: Mapping[str, str] = MappingProxyType({})
#: Codes in use outside the registry, which no rule may take either.
RESERVED_CODES: Mapping[str, str] = MappingProxyType(
    {"B2B000": "the input could not be read or parsed (lint.api.UNREADABLE_INPUT)"}
)


@dataclass(frozen=True)
class Rule:
    """A lint rule: `check(document, thresholds)` yields hits; the engine makes them Problems."""

    code: str
    name: str
    severity: Severity
    check: CheckFn
    doc: str
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    #: Measured in a real browser, not in the markup: its check finds nothing in `lint`, and
    #: only `b2bmail preview` (preview/layout.py, from Chromium's layout) reports it.
    browser: bool = False

    @property
    def family(self) -> str:
        return FAMILIES.get(self.code[3:4], "other")

    @property
    def english_sections(self) -> dict[str, str]:
        """The docstring's four sections as written, dedented: the messages the catalogues
        translate (tools/catalogues.py extracts the prose ones from here)."""
        found: dict[str, str] = {}
        marks = list(_HEADING.finditer(self.doc))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(self.doc)
            found[mark.group(1)] = inspect.cleandoc(self.doc[mark.end() : end])
        return found

    @property
    def sections(self) -> dict[str, str]:
        """The docstring's four sections, dedented, keyed by their English heading; the prose
        ones in the current language ("Example" and "Use instead" are email code)."""
        return {
            heading: _(text) if heading in PROSE_SECTIONS else text
            for heading, text in self.english_sections.items()
        }

    @property
    def summary(self) -> str:
        """ "What it does" on one line, in the current language."""
        what = self.sections.get("What it does", "")
        return " ".join(what.split())

    @property
    def help(self) -> str:
        """The whole documentation in the current language: in English, the docstring."""
        return "\n\n".join(
            _("{heading}:").format(heading=_(heading)) + "\n" + textwrap.indent(text, "    ")
            for heading, text in self.sections.items()
        )


def rule(
    code: str,
    name: str,
    severity: Severity,
    thresholds: Mapping[str, float] | None = None,
    *,
    browser: bool = False,
) -> Callable[[CheckFn], Rule]:
    """Make a check function into a `Rule`; its docstring is the rule's documentation.

    `browser`: the rule is measured in Chromium by the preview (see `Rule.browser`)."""

    def decorator(func: CheckFn) -> Rule:
        return Rule(
            code=code,
            name=name,
            severity=severity,
            check=func,
            doc=inspect.cleandoc(func.__doc__ or ""),
            thresholds=MappingProxyType(dict(thresholds or {})),
            browser=browser,
        )

    return decorator
