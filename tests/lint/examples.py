"""Run a rule's documented Example / Use instead snippet the way a user would lint it."""

from __future__ import annotations

import re

from b2bmail.lint.api import lint_document
from b2bmail.lint.config import LintConfig
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Problem
from b2bmail.lint.sources import document_from_message, estimate_encoded_size

_THRESHOLDS = re.compile(r"^# with thresholds: (.+)$")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z-]*: ")


def lint_snippet(snippet: str, config: LintConfig | None = None) -> list[Problem]:
    """Lint a documentation snippet: an RFC 5322 message if it starts with a header line, else
    HTML. A first line `# with thresholds: key=value, …` sets thresholds for the example."""
    lines = snippet.splitlines()
    thresholds: dict[str, float] = {}
    match = _THRESHOLDS.match(lines[0]) if lines else None
    if match:
        for pair in match.group(1).split(","):
            key, _, value = pair.partition("=")
            thresholds[key.strip()] = float(value)
        lines = lines[1:]
    text = "\n".join(lines)
    base = config or LintConfig()
    if thresholds:
        base = base.merged({"thresholds": thresholds})
    if _HEADER.match(text):
        doc = document_from_message(text.encode("utf-8"), "example.eml")
    else:
        doc = Document(
            path="example.html", html=text, encoded_html_size=estimate_encoded_size(text)
        )
    return lint_document(doc, base)
