"""SendGrid dynamic templates (Handlebars): `{{first_name}}` HTML-escaped, `{{{first_name}}}`
as is (plain text, subject, URLs), `{{#if first_name}}…{{else}}…{{/if}}` for a fallback,
`<%asm_group_unsubscribe_raw_url%>`.
Syntax: https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars."""

from __future__ import annotations

from b2bmail.export.dialect import Esp, Hole, fallback_literal, make_esp
from b2bmail.i18n import N_


def merge(hole: Hole) -> str:
    """One Handlebars expression; escaped (`{{…}}`) where the build HTML-escapes values."""
    tag = f"{{{{{hole.attr}}}}}" if hole.html and not hole.url else f"{{{{{{{hole.attr}}}}}}}"
    if hole.fallback is None:
        return tag
    text = fallback_literal(hole, ("{{",), N_("which Handlebars reads as a tag"))
    return f"{{{{#if {hole.attr}}}}}{tag}{{{{else}}}}{text}{{{{/if}}}}"


ESP: Esp = make_esp("sendgrid", merge)
