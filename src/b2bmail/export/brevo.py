"""Brevo Template Language: `{{ contact.FIRSTNAME }}`, a fallback with the `default` filter
(`{{ contact.FIRSTNAME | default : "Madame, Monsieur" }}`), `{{ unsubscribe }}`.
Syntax: https://help.brevo.com/hc/en-us/articles/4402386448530 (variables, filters)."""

from __future__ import annotations

from b2bmail.export.dialect import Esp, Hole, contact_choice, make_esp, quoted


def merge(hole: Hole) -> str:
    """One Brevo contact variable, with its `default` filter when it has a fallback."""
    if hole.fallback is None:
        return f"{{{{ contact.{hole.attr} }}}}"
    # Brevo escapes what a variable prints, the default value included (no literal()).
    return f"{{{{ contact.{hole.attr} | default : {quoted(hole.fallback)} }}}}"


ESP: Esp = make_esp("brevo", merge, choice=contact_choice)
