"""Every lint rule, grouped by family; the registry reads `RULES` (explicit, no discovery)."""

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
    plaintext,
    reading,
    size,
)

RULES: tuple[Rule, ...] = (
    *size.RULES,
    *reading.RULES,
    *plaintext.RULES,
    *outlook_css.RULES,
    *outlook_html.RULES,
    *dark_mode.RULES,
    *images.RULES,
    *a11y.RULES,
    *links.RULES,
    *compliance.RULES,
)
