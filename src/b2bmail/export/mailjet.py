"""Mailjet personalisation: `[[data:firstname:"default"]]` (contact property with its default
value, empty when none), `[[UNSUB_LINK_FR]]` per language.
Syntax: https://dev.mailjet.com/template-language/reference/ and
https://documentation.mailjet.com/hc/en-us/articles/360042707434."""

from __future__ import annotations

from b2bmail.export.dialect import Esp, Hole, fallback_literal, make_esp, no_url_encoding
from b2bmail.i18n import N_, _


def merge(hole: Hole) -> str:
    """One contact property; the default is a double-quoted literal without `"` or `]]`."""
    no_url_encoding(hole, "Mailjet", _("Mailjet inserts a [[data:…]] value as it is stored"))
    text = fallback_literal(hole, ('"', "]]"), N_("which would end a Mailjet default value"))
    return f'[[data:{hole.attr}:"{text}"]]'


ESP: Esp = make_esp("mailjet", merge, encodes_url=lambda hole: False)
