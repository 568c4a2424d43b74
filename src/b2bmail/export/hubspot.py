"""HubSpot HubL (a Jinja dialect) in a marketing email: `{{ contact.firstname }}`,
`{{ unsubscribe_link }}`, and `{% if %}…{% elif %}…{% else %}…{% endif %}`.
HubSpot's filter reference says HubL filters apply to personalization tokens "on HubSpot CMS
and blog pages, but not in emails" (https://developers.hubspot.com/docs/cms/hubl/filters), so
an email cannot use `|default`, `|escape` or `|urlencode` on a contact property: a fallback is
an `if` on the property, and a property inside a URL component, which b2bmail
percent-encodes, travels as a pre-encoded copy in contacts.csv (dialect.UrlCopy; without the
recipient list it has no equivalent). HubSpot requires programmable email for a personalization
token inside an `if` (https://developers.hubspot.com/docs/cms/hubl/if-statements)."""

from __future__ import annotations

from b2bmail.export.dialect import (
    Esp,
    Hole,
    contact_choice,
    fallback_literal,
    make_esp,
    no_url_encoding,
)
from b2bmail.i18n import N_, _


def merge(hole: Hole) -> str:
    """One contact property; its fallback an `if`/`else` on the property (HubL's `if` is
    false for an empty or missing value, as the build's fallback replaces a blank one)."""
    no_url_encoding(hole, "HubSpot", _("HubL filters (|urlencode) do not apply to it in an email"))
    tag = f"{{{{ contact.{hole.attr} }}}}"
    if hole.fallback is None:
        return tag
    text = fallback_literal(hole, ("{{", "{%"), N_("which HubL reads as a tag"))
    return f"{{% if contact.{hole.attr} %}}{tag}{{% else %}}{text}{{% endif %}}"


ESP: Esp = make_esp("hubspot", merge, choice=contact_choice, encodes_url=lambda hole: False)
