"""What `b2bmail rules` prints: the list of rules, and one rule explained, in the reader's
language (the prose of each rule is translated; codes, names and email code are not)."""

from __future__ import annotations

from collections.abc import Sequence

from b2bmail.i18n import _
from b2bmail.lint.problem import severity_label
from b2bmail.lint.rule import SECTIONS, Rule


def list_rules(rules: Sequence[Rule]) -> str:
    """One line per rule: code, name, severity, family and what it does, in columns as wide
    as their longest word in this language ("avertissement", "toegankelijkheid")."""
    rows = [(r, severity_label(r.severity), _(r.family)) for r in rules]
    width = max((len(r.name) for r in rules), default=0)
    severities = max([7, *(len(severity) for _r, severity, _f in rows)])
    families = max([13, *(len(family) for _r, _s, family in rows)])
    lines = [
        f"{r.code}  {r.name:<{width}}  {severity:<{severities}}  {family:<{families}}  {r.summary}"
        for r, severity, family in rows
    ]
    return "".join(f"{line}\n" for line in lines)


def explain_rule(rule: Rule) -> str:
    """A rule's whole documentation: its four sections, whether only the preview measures it,
    then its thresholds."""
    sections = rule.sections
    head = f"{rule.code} {rule.name} [{severity_label(rule.severity)}] — {_(rule.family)}"
    lines = [head, ""]
    for heading in SECTIONS:
        lines.append(_("{heading}:").format(heading=_(heading)))
        lines.extend(
            f"    {line}" if line else "" for line in sections.get(heading, "").splitlines()
        )
        lines.append("")
    if rule.browser:
        lines.append(
            _(
                "Measured in Chromium: only `b2bmail preview` reports it, at phone widths;"
                " `b2bmail lint` cannot see a layout."
            )
        )
        lines.append("")
    if rule.thresholds:
        lines.append(_("Thresholds ([tool.b2bmail.lint.thresholds]):"))
        lines.extend(f"    {key} = {value:g}" for key, value in rule.thresholds.items())
        lines.append("")
    return "\n".join(lines)
