"""Tiny helpers for rule tests: lint HTML or a message and get codes or problems back."""

from __future__ import annotations

from b2bmail.lint.api import lint_document, lint_email, lint_message
from b2bmail.lint.config import LintConfig
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Problem
from b2bmail.lint.sources import estimate_encoded_size


def lint_html(html: str, **thresholds: float) -> list[Problem]:
    config = LintConfig().merged({"thresholds": thresholds}) if thresholds else None
    doc = Document(path="t.html", html=html, encoded_html_size=estimate_encoded_size(html))
    return lint_document(doc, config)


def codes_of(problems: list[Problem]) -> set[str]:
    return {p.code for p in problems}


def html_codes(html: str, **thresholds: float) -> set[str]:
    return codes_of(lint_html(html, **thresholds))


def lint_message_text(raw: str) -> list[Problem]:
    return lint_message(raw.encode("utf-8"), "t.eml")


def message_codes(raw: str) -> set[str]:
    return codes_of(lint_message_text(raw))


def email_codes(**parts: str) -> set[str]:
    return codes_of(lint_email(path="built", **parts))  # type: ignore[arg-type]


def page(body: str, head: str = "") -> str:
    """A well-formed page around `body`, so only what the test adds can trigger a rule."""
    return (
        '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Spring catalogue</title>{head}</head><body>{body}</body></html>"
    )
