"""SendGrid dynamic templates (Handlebars): `{{first_name}}` HTML-escaped (in HTML, URLs
included), `{{{first_name}}}` as is (plain text, subject), `{{#if first_name}}…{{else}}…{{/if}}` for a fallback,
`<%asm_group_unsubscribe_raw_url%>`.
Syntax: https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars."""

from __future__ import annotations

from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, fallback_literal, make_esp, no_url_encoding, quoted
from b2bmail.i18n import N_, _


def merge(hole: Hole) -> str:
    """One Handlebars expression; escaped (`{{…}}`) where the build HTML-escapes values."""
    # SendGrid lists the helpers it supports (if, unless, each, with, equals, …): none
    # URL-encodes, and `{{x}}` HTML-escapes only.
    no_url_encoding(hole, "SendGrid", _("no helper SendGrid supports URL-encodes a value"))
    # In HTML, a whole URL too: `{{{x}}}` would let a value's `"` end the href attribute.
    tag = f"{{{{{hole.attr}}}}}" if hole.html else f"{{{{{{{hole.attr}}}}}}}"
    if hole.fallback is None:
        return tag
    text = fallback_literal(hole, ("{{",), N_("which Handlebars reads as a tag"))
    return f"{{{{#if {hole.attr}}}}}{tag}{{{{else}}}}{text}{{{{/if}}}}"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`{{#equals x "v1"}}…{{else}}{{#equals x "v2"}}…{{else}}…{{/equals}}{{/equals}}`
    (SendGrid's `equals` helper, nested for each further value)."""
    out = other
    for value, text in reversed(branches):
        out = f"{{{{#equals {attr} {quoted(value)}}}}}{text}{{{{else}}}}{out}{{{{/equals}}}}"
    return out


ESP: Esp = make_esp("sendgrid", merge, choice=choice, encodes_url=lambda hole: False)
