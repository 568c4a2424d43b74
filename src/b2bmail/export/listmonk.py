"""listmonk (Go templates): `{{ .Subscriber.FirstName }}`, custom attributes as
`{{ .Subscriber.Attribs.company }}`, a fallback with `or` (`{{ or .Subscriber.Attribs.city
"…" }}`), `{{ UnsubscribeURL }}`. listmonk compiles the body and the plain-text alternative
with Go's html/template, which escapes values for their place itself (models/campaigns.go,
CompileTemplate); so in plain text a value goes through listmonk's `Safe` ("Add any HTML
code as it is"), or the text would read `O&#39;Neil &amp; Co`.
Syntax: https://listmonk.app/docs/templating/."""

from __future__ import annotations

import json
from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, make_esp, no_url_encoding
from b2bmail.i18n import _

#: Subscriber fields listmonk has itself; any other attribute lives in `Attribs`.
SUBSCRIBER_FIELDS = frozenset({"Email", "Name", "FirstName", "LastName", "UUID"})


def expression(attr: str) -> str:
    """The Go template expression of an attribute."""
    return f".Subscriber.{attr}" if attr in SUBSCRIBER_FIELDS else f".Subscriber.Attribs.{attr}"


def merge(hole: Hole) -> str:
    """One Go template action; a fallback is a Go string literal (JSON's escapes are Go's).
    Outside HTML the value is printed through `Safe`, unescaped."""
    if not hole.html:
        # html/template percent-encodes a value in a URL attribute's query itself; in the
        # plain text there is no URL context, and listmonk documents no encoding function.
        no_url_encoding(hole, "listmonk", _("listmonk's plain text has no URL encoding"))
    expr = expression(hole.attr)
    if hole.fallback is not None:
        expr = f"or {expr} {json.dumps(hole.fallback, ensure_ascii=False)}"
        if not hole.html:
            expr = f"({expr})"
    if not hole.html:
        expr = f"Safe {expr}"
    return f"{{{{ {expr} }}}}"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`{{ if eq X "v1" }}…{{ else if eq X "v2" }}…{{ else }}…{{ end }}` (Go templates)."""
    expr = expression(attr)
    tests = [
        f"{{{{ {'if' if i == 0 else 'else if'} eq {expr} {json.dumps(value)} }}}}{text}"
        for i, (value, text) in enumerate(branches)
    ]
    return "".join(tests) + f"{{{{ else }}}}{other}{{{{ end }}}}"


# html/template encodes a value in a URL attribute itself; the plain text has no URL context.
ESP: Esp = make_esp("listmonk", merge, choice=choice, encodes_url=lambda hole: hole.html)
