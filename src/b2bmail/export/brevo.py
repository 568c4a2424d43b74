"""Brevo Template Language: `{{ contact.FIRSTNAME }}`, a fallback with the `default` filter
written as Brevo's pages write it (`{{ contact.FIRSTNAME|default:'there' }}`: no spaces, the
argument after a colon), `{{ unsubscribe }}`, and `{% if %}…{% else %}…{% endif %}`.
Syntax: https://help.brevo.com/hc/en-us/articles/4402386448530 (variables) and
https://help.brevo.com/hc/fr/articles/4405381108626 (filters: default)."""

from __future__ import annotations

from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, NoEquivalentError, make_esp, no_url_encoding, quoted
from b2bmail.i18n import _


def _literal(text: str) -> str:
    """A filter argument between quotes. Brevo's pages quote with `'` and document no escape
    inside a string, so a text holding both kinds of quote cannot be written."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    message = _(
        "the fallback {fallback} holds both ' and \", and Brevo documents no way to write"
        " such a text in a filter"
    )
    raise NoEquivalentError(
        message.format(fallback=repr(text)), hint=_("write the fallback with one kind of quote")
    )


def merge(hole: Hole) -> str:
    """One Brevo contact variable, with its `default` filter when it has a fallback."""
    no_url_encoding(hole, "Brevo", _("Brevo documents no filter that URL-encodes a value"))
    if hole.fallback is None:
        return f"{{{{ contact.{hole.attr} }}}}"
    # Brevo escapes what a variable prints, the default value included (no literal()).
    return f"{{{{ contact.{hole.attr}|default:{_literal(hole.fallback)} }}}}"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`{% if contact.X == "v1" %}…{% else %}{% if contact.X == "v2" %}…{% else %}…{% endif %}
    {% endif %}`: Brevo documents `if`, `else` and `endif` (help article 360001030599), not
    `elif`, so each further value is an `if` nested in the `else`."""
    out = other
    for value, text in reversed(branches):
        test = f"{{% if contact.{attr} == {quoted(value)} %}}"
        out = f"{test}{text}{{% else %}}{out}{{% endif %}}"
    return out


ESP: Esp = make_esp("brevo", merge, choice=choice, encodes_url=lambda hole: False)
