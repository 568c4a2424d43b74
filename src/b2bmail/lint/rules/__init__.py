"""Every lint rule, grouped by family; the registry reads `RULES` (explicit, no discovery).

Holds one module per family (size, reading and phone, plaintext, outlook_css, outlook_html, images,
a11y, links, compliance), each a tuple `RULES` of rules with a stable code, and _shared (the
helpers several families use).

May import: lint.rule, lint.problem, lint.document, lint.css, lint.cached and itself; never
lint.registry or lint.api, which import the rules (tests/test_boundaries.py finds any cycle)."""

from __future__ import annotations

from b2bmail.lint.rule import Rule
from b2bmail.lint.rules import (
    a11y,
    compliance,
    dark_mode,
    images,
    links,
    outlook_css,
    outlook_html,
    phone,
    plaintext,
    reading,
    size,
)

RULES: tuple[Rule, ...] = (
    *size.RULES,
    *reading.RULES,
    *phone.RULES,
    *plaintext.RULES,
    *outlook_css.RULES,
    *outlook_html.RULES,
    *dark_mode.RULES,
    *images.RULES,
    *a11y.RULES,
    *links.RULES,
    *compliance.RULES,
)
