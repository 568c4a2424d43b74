"""The lint documentation and the pre-commit hook stay in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from b2bmail.lint.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_rule_and_threshold_is_documented() -> None:
    for rule in all_rules():
        assert f"| {rule.code} | `{rule.name}` | {rule.severity} |" in DOC, rule.code
        for key in rule.thresholds:
            assert f"`{key}`" in DOC, key


def test_ci_snippets_are_documented() -> None:
    assert "--format github" in DOC
    assert "--format sarif" in DOC and "upload-sarif" in DOC
    assert "id: b2bmail-lint" in DOC
    assert "b2bmail-disable-next-line" in DOC


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "b2bmail-lint")
    assert hook["entry"] == "b2bmail lint"
    files = re.compile(hook["files"])
    for name in ("a.html", "b/c.htm", "m.eml", "t.mjml"):
        assert files.search(name), name
    for name in ("a.txt", "campaign.yaml", "html.py"):
        assert not files.search(name), name
