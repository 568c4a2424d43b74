"""The registry: every rule registered once, documented, and its documented examples true."""

from __future__ import annotations

import re

import pytest
from tests.lint.examples import lint_snippet

from b2bmail.lint.registry import all_rules, find_rule
from b2bmail.lint.rule import FAMILIES, RESERVED_CODES, RETIRED_CODES, SECTIONS, Rule
from b2bmail.lint.rules import RULES

ALL = all_rules()


def test_every_rule_is_registered_once_with_unique_code_and_name() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    assert len(ALL) == len(RULES) >= 45


@pytest.mark.parametrize("rule", ALL, ids=[r.code for r in ALL])
def test_rule_identity(rule: Rule) -> None:
    assert re.fullmatch(r"B2B\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.severity in ("error", "warning", "info")
    assert rule.code[3] in FAMILIES
    assert find_rule(rule.code) is rule
    assert find_rule(rule.name) is rule


@pytest.mark.parametrize("rule", ALL, ids=[r.code for r in ALL])
def test_docstring_has_the_four_headings(rule: Rule) -> None:
    sections = rule.sections
    assert list(sections) == list(SECTIONS)
    assert all(sections[heading].strip() for heading in SECTIONS)


# Browser rules (B2B109, B2B110) find nothing in markup: their documented examples are run in
# Chromium, tests/preview/test_layout.py.
STATIC = tuple(r for r in ALL if not r.browser)


@pytest.mark.parametrize("rule", STATIC, ids=[f"{r.code}-{r.name}" for r in STATIC])
def test_documented_example_triggers_the_rule(rule: Rule) -> None:
    problems = lint_snippet(rule.sections["Example"])
    assert rule.code in {p.code for p in problems}


@pytest.mark.parametrize("rule", ALL, ids=[f"{r.code}-{r.name}" for r in ALL])
def test_documented_fix_does_not_trigger_the_rule(rule: Rule) -> None:
    problems = lint_snippet(rule.sections["Use instead"])
    assert rule.code not in {p.code for p in problems}, [p for p in problems if p.code == rule.code]


@pytest.mark.parametrize("rule", ALL, ids=[r.code for r in ALL])
def test_threshold_names_are_documented(rule: Rule) -> None:
    for key in rule.thresholds:
        assert f"`{key}`" in rule.doc


def test_no_rule_takes_a_retired_or_reserved_code() -> None:
    # ruff's RuleGroup::Removed: a code once given means that check forever, so a
    # configuration or an inline disable never silently starts meaning another rule.
    taken = {r.code for r in ALL}
    assert not taken & set(RETIRED_CODES), taken & set(RETIRED_CODES)
    assert not taken & set(RESERVED_CODES), taken & set(RESERVED_CODES)
    assert "B2B000" in RESERVED_CODES  # the unreadable-input problem, outside the registry
