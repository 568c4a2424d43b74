"""Small interpreters of each ESP's template language, written against its documented
grammar (the subset `b2bmail export` writes), so that exported templates are checked by
running them, without the ESP.

Each `render_<esp>(template, contact, unsubscribe, html=...)` fills `template` for one
contact (ESP attribute -> value) and writes `unsubscribe` where the ESP's unsubscribe
placeholder is. Anything the interpreter does not know raises AssertionError, so a tag the
exporter writes wrongly fails the test instead of passing through.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

import jinja2

Contact = Mapping[str, str]


def _jinja(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=autoescape, undefined=jinja2.ChainableUndefined, keep_trailing_newline=True
    )


# Brevo: Django-like filters with `:` arguments; `default` replaces an empty or missing value
# (help.brevo.com "Brevo Template Language", filters). Jinja's default(x, true) is that.
_BREVO_DEFAULT = re.compile(r"\|\s*default\s*:\s*(\"(?:[^\"\\]|\\.)*\")")


def render_brevo(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Brevo Template Language subset: {{ contact.X }}, | default : "…", {{ unsubscribe }}."""
    source = _BREVO_DEFAULT.sub(r"| default(\1, true)", template)
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source):
        assert re.fullmatch(
            r"\{\{ (contact\.\w+( \| default\(\"(?:[^\"\\]|\\.)*\", true\))?|unsubscribe) \}\}",
            tag,
        ), tag
    return _jinja(html).from_string(source).render(contact=contact, unsubscribe=unsubscribe)


def render_hubspot(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """HubL subset (HubL is Jinja-based): {{ contact.x|default("…", true)|escape|urlencode }},
    {{ unsubscribe_link }}. HubL does not autoescape; `|escape` does."""
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", template):
        assert re.fullmatch(
            r"\{\{ (contact\.\w+(\|default\(\"(?:[^\"\\]|\\.)*\", true\))?(\|escape|\|urlencode)?"
            r"|unsubscribe_link) \}\}",
            tag,
        ), tag
    return _jinja(False).from_string(template).render(contact=contact, unsubscribe_link=unsubscribe)


_MAILJET = re.compile(r"\[\[data:(\w+):\"([^\"]*)\"\]\]")


def render_mailjet(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Mailjet personalisation: [[data:name:"default"]] (the default when the property is
    empty or unset), [[UNSUB_LINK_XX]]. Values are inserted as stored."""
    out = re.sub(r"\[\[UNSUB_LINK_[A-Z]{2}\]\]", lambda m: unsubscribe, template)
    out = _MAILJET.sub(lambda m: contact.get(m.group(1)) or m.group(2), out)
    assert "[[" not in out, out[out.index("[[") :][:60]
    return out


# Handlebars: `{{x}}` HTML-escapes & < > " ' ` = (handlebars.js escapeExpression); `{{{x}}}`
# does not; `{{#if x}}A{{else}}B{{/if}}` takes A when x is truthy (non-empty string).
_HB_ESCAPE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}  # fmt: skip
_HB_IF = re.compile(r"\{\{#if (\w+)\}\}(.*?)\{\{else\}\}(.*?)\{\{/if\}\}", re.S)


def render_sendgrid(template: str, data: Contact, unsubscribe: str, *, html: bool) -> str:
    """SendGrid's Handlebars subset, and its <%asm_group_unsubscribe_raw_url%> tag."""
    out = template.replace("<%asm_group_unsubscribe_raw_url%>", unsubscribe)
    out = _HB_IF.sub(lambda m: m.group(2) if data.get(m.group(1)) else m.group(3), out)
    out = re.sub(r"\{\{\{(\w+)\}\}\}", lambda m: data.get(m.group(1), ""), out)
    out = re.sub(
        r"\{\{(\w+)\}\}",
        lambda m: "".join(_HB_ESCAPE.get(c, c) for c in data.get(m.group(1), "")),
        out,
    )
    assert "{{" not in out, out[out.index("{{") :][:60]
    return out


_MC_IF = re.compile(r"\*\|IF:(\w+)\|\*(.*?)\*\|ELSE:\|\*(.*?)\*\|END:IF\|\*", re.S)


def render_mailchimp(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Mailchimp merge language: *|IF:X|*…*|ELSE:|*…*|END:IF|* (true when X has a value),
    *|X|* (HTML-escaped; *|HTML:X|* is the raw form), *|URL:X|* (URL-encoded), *|UNSUB|*."""
    out = template.replace("*|UNSUB|*", unsubscribe)
    out = _MC_IF.sub(lambda m: m.group(2) if contact.get(m.group(1)) else m.group(3), out)
    out = re.sub(r"\*\|URL:(\w+)\|\*", lambda m: quote(contact.get(m.group(1), ""), safe=""), out)
    out = re.sub(r"\*\|(\w+)\|\*", lambda m: html_lib.escape(contact.get(m.group(1), "")), out)
    assert "*|" not in out, out[out.index("*|") :][:60]
    return out


_AMP_BLOCK = re.compile(r"%%\[(.*?)\]%%\n?", re.S)
_AMP_INLINE = re.compile(r"%%=(.*?)=%%", re.S)
_AMP_STRING = r"\"(?:[^\"]|\"\")*\""


def _amp_eval(expr: str, variables: Mapping[str, str]) -> str:
    """An AMPscript expression of the subset: @var, "string", v(e), IIF(Empty(@v), e, e),
    URLEncode(e) (RFC 3986, as AMPscript's URLEncode does for a query value)."""
    expr = expr.strip()
    if re.fullmatch(r"@\w+", expr):
        return variables[expr]
    if re.fullmatch(_AMP_STRING, expr):
        return expr[1:-1].replace('""', '"')
    call = re.fullmatch(r"(\w+)\((.*)\)", expr, re.S)
    assert call, expr
    name, args = call.group(1), _amp_args(call.group(2))
    if name == "v":
        return _amp_eval(args[0], variables)
    if name == "URLEncode":
        return quote(_amp_eval(args[0], variables), safe="")
    if name == "IIF":
        empty = re.fullmatch(r"Empty\((@\w+)\)", args[0].strip())
        assert empty, args[0]
        chosen = args[1] if not variables[empty.group(1)] else args[2]
        return _amp_eval(chosen, variables)
    raise AssertionError(f"unknown AMPscript function {name}")


def _amp_args(text: str) -> list[str]:
    args, depth, current, in_string = [], 0, "", False
    for char in text:
        if char == '"':
            in_string = not in_string
        if not in_string and char == "(":
            depth += 1
        if not in_string and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not in_string:
            args.append(current)
            current = ""
        else:
            current += char
    return [*args, current]


def render_sfmc(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """AMPscript subset: a %%[ SET @x = AttributeValue("X") ]%% block, %%=…=%% inline
    expressions, the %%unsub_center_url%% personalization string."""
    variables: dict[str, str] = {}
    for block in _AMP_BLOCK.findall(template):
        for statement in block.strip().splitlines():
            m = re.fullmatch(r"SET (@\w+) = AttributeValue\(\"(\w+)\"\)", statement.strip())
            assert m, statement
            variables[m.group(1)] = contact.get(m.group(2), "")
    out = _AMP_BLOCK.sub("", template).replace("%%unsub_center_url%%", unsubscribe)
    out = _AMP_INLINE.sub(lambda m: _amp_eval(m.group(1), variables), out)
    assert "%%" not in out, out[out.index("%%") :][:60]
    return out


# listmonk: Go templates, checked by pattern (no Go here): the actions the exporter writes,
# evaluated as text/template would; in HTML, html/template escapes a printed value.
_GO_ACTION = re.compile(
    r"\{\{ (?:(or) )?\.Subscriber\.(?:Attribs\.)?(\w+)(?: (\"(?:[^\"\\]|\\.)*\"))? \}\}"
)


def render_listmonk(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """listmonk subset: {{ .Subscriber.X }}, {{ .Subscriber.Attribs.x }}, `or` with a string
    literal, {{ UnsubscribeURL }}."""
    import json

    def action(m: re.Match[str]) -> str:
        value = contact.get(m.group(2), "")
        if m.group(1) and not value:
            value = json.loads(m.group(3))
        return html_lib.escape(value) if html else value

    out = template.replace("{{ UnsubscribeURL }}", unsubscribe)
    out = _GO_ACTION.sub(action, out)
    assert "{{" not in out, out[out.index("{{") :][:60]
    return out


INTERPRETERS: dict[str, Callable[..., str]] = {
    "brevo": render_brevo,
    "hubspot": render_hubspot,
    "mailjet": render_mailjet,
    "sendgrid": render_sendgrid,
    "mailchimp": render_mailchimp,
    "sfmc": render_sfmc,
    "listmonk": render_listmonk,
}
