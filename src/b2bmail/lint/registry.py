"""The explicit rule registry: every rule, found by code or name, and their default thresholds.

It imports `lint.rules` at the top, one way: the rules import `lint.rule` (what a rule is),
never this module, so there is no import cycle and no import hidden in a function.
"""

from __future__ import annotations

from functools import lru_cache

from b2bmail.lint.rule import Rule
from b2bmail.lint.rules import RULES

__all__ = ["Rule", "all_rules", "default_thresholds", "find_rule"]


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, by code."""
    return tuple(sorted(RULES, key=lambda r: r.code))


def find_rule(code_or_name: str) -> Rule | None:
    """The rule with this code (any case) or name, or None."""
    key = code_or_name.strip()
    for candidate in all_rules():
        if key.upper() == candidate.code or key.lower() == candidate.name:
            return candidate
    return None


def default_thresholds() -> dict[str, float]:
    """Every rule's thresholds with their default values."""
    out: dict[str, float] = {}
    for candidate in all_rules():
        out.update(candidate.thresholds)
    return out
