"""HubSpot HubL (a Jinja dialect): `{{ contact.firstname }}`, `|default("…")`, `|urlencode`
in a URL component, `{{ unsubscribe_link }}`.
Syntax: https://developers.hubspot.com/docs/cms/hubl/variables and .../hubl/filters."""

from __future__ import annotations

from b2bmail.export.dialect import Esp, Hole, contact_choice, make_esp, quoted


def merge(hole: Hole) -> str:
    """One HubL contact property; HTML-escaped (`|escape`) where the build escapes values,
    URL-encoded (`|urlencode`) in a URL component."""
    filters = ""
    if hole.fallback is not None:
        # HubL's default(value, true) also replaces an empty value, as the build does.
        filters += f"|default({quoted(hole.fallback)}, true)"
    if hole.url == "component":
        filters += "|urlencode"
    elif hole.html and not hole.url:
        filters += "|escape"
    return f"{{{{ contact.{hole.attr}{filters} }}}}"


ESP: Esp = make_esp("hubspot", merge, choice=contact_choice)
