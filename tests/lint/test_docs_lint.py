"""The lint documentation and the pre-commit hook stay in step with the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import yaml

from b2bmail.i18n import using
from b2bmail.lint.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
# The lint manual and the CI guide (the README is a landing page since issue 18).
DOC = "\n".join(
    (REPO / "docs" / page).read_text(encoding="utf-8")
    for page in ("manual/lint.md", "guides/lint-in-ci.md")
)
RULES_DOC = REPO / "docs" / "rules.md"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_rule_docs", REPO / "tools" / "gen_rule_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_reference_is_current() -> None:
    # Regenerated from the registry and compared whole: a rule added, renamed or re-documented
    # without `python tools/gen_rule_docs.py` fails here.
    expected = load_generator().render(all_rules())
    assert RULES_DOC.read_text(encoding="utf-8") == expected, "run python tools/gen_rule_docs.py"


def test_every_rule_and_threshold_is_documented() -> None:
    text = RULES_DOC.read_text(encoding="utf-8")
    for rule in all_rules():
        row = (
            f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) | `{rule.name}` | {rule.severity} |"
        )
        assert row in text, rule.code
        assert f"\n## {rule.code} {rule.name}\n" in text, rule.code
        for heading in ("What it does", "Why it matters", "Example", "Use instead"):
            assert text.count(f"\n### {heading}\n") == len(all_rules()), heading
        for key in rule.thresholds:
            assert f"`{key}`" in text, key


def test_docs_link_the_rules_reference() -> None:
    assert "](../rules.md)" in DOC
    assert "](docs/rules.md)" in (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_snippets_are_documented() -> None:
    assert "--format github" in DOC
    assert "--format sarif" in DOC and "upload-sarif" in DOC
    assert "id: b2bmail-lint" in DOC
    assert "b2bmail-disable-next-line" in DOC


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "b2bmail-lint")
    # --changed: pre-commit passes changed files, which lint maps to their campaigns.
    assert hook["entry"] == "b2bmail lint --changed"
    files = re.compile(hook["files"])
    for name in ("a.html", "b/c.htm", "m.eml", "t.mjml", "campaign.yaml", "segments/s.yml"):
        assert files.search(name), name
    for name in ("a.txt", "recipients.csv", "html.py"):
        assert not files.search(name), name


def test_rules_reference_is_english_whatever_the_language() -> None:
    # docs/rules.md is generated in English even from a French session (issue 18).
    with using("fr"):
        text = load_generator().render(all_rules())
    assert text == RULES_DOC.read_text(encoding="utf-8")
