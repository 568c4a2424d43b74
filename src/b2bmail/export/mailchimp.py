"""Mailchimp merge tags: `*|FNAME|*`, `*|URL:FNAME|*` (URL-encoded), `*|HTML:…|*` not used
(a plain merge tag is HTML-escaped), `*|IF:FNAME|*…*|ELSE:|*…*|END:IF|*` for a fallback (merge
tags have no default value), `*|UNSUB|*`.
Syntax: https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/ and
https://mailchimp.com/help/use-conditional-merge-tag-blocks/."""

from __future__ import annotations

from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, fallback_literal, make_esp
from b2bmail.i18n import N_


def merge(hole: Hole) -> str:
    """One merge tag; a fallback becomes an `*|IF:|*` block."""
    tag = f"*|URL:{hole.attr}|*" if hole.url == "component" else f"*|{hole.attr}|*"
    if hole.fallback is None:
        return tag
    text = fallback_literal(hole, ("*|",), N_("which Mailchimp reads as a merge tag"))
    return f"*|IF:{hole.attr}|*{tag}*|ELSE:|*{text}*|END:IF|*"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`*|IF:X=v1|*…*|ELSEIF:X=v2|*…*|ELSE:|*…*|END:IF|*` (conditional merge tag blocks)."""
    tests = [
        f"*|{'IF' if i == 0 else 'ELSEIF'}:{attr}={value}|*{text}"
        for i, (value, text) in enumerate(branches)
    ]
    return "".join(tests) + f"*|ELSE:|*{other}*|END:IF|*"


ESP: Esp = make_esp("mailchimp", merge, choice=choice)
