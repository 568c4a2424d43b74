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
import json
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

import jinja2

Contact = Mapping[str, str]


def _jinja(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=autoescape, undefined=jinja2.ChainableUndefined, keep_trailing_newline=True
    )


def fill(
    template: str, tag: re.Pattern[str], value: Callable[[re.Match[str]], str], opener: str
) -> str:
    """`template` with each `tag` replaced by its value in one pass, as an ESP merges: a
    value is data, never read again as a tag. A leftover `opener` outside the tags is a tag
    the interpreter does not know (AssertionError)."""
    rest = tag.sub("", template)
    assert opener not in rest, rest[rest.index(opener) :][:60]
    return tag.sub(value, template)


def evaluate_blocks(
    template: str,
    tag: re.Pattern[str],
    classify: Callable[[re.Match[str]], tuple[str, str]],
    truth: Callable[[str], bool],
) -> str:
    """The text a conditional language keeps: `tag` finds its block tags, `classify` says
    what each is ("if", "elif", "else" or "end", with its condition) and `truth` evaluates a
    condition. Blocks nest; an `else` or `elif` belongs to the innermost open block (so
    Handlebars' `{{else}}{{#equals}}…{{/equals}}` chains work as handlebars.js reads them)."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (the enclosing text is kept, a branch was taken)
    active, last = True, 0
    for m in tag.finditer(template):
        if active:
            out.append(template[last : m.start()])
        last = m.end()
        kind, condition = classify(m)
        if kind == "if":
            take = active and truth(condition)
            stack.append((active, take))
            active = take
        elif kind == "elif":
            parent, taken = stack[-1]
            take = parent and not taken and truth(condition)
            stack[-1] = (parent, taken or take)
            active = take
        elif kind == "else":
            parent, taken = stack[-1]
            stack[-1] = (parent, True)
            active = parent and not taken
        else:
            assert kind == "end", kind
            active, _taken = stack.pop()
    assert not stack, "a block is not closed"
    if active:
        out.append(template[last:])
    return "".join(out)


# Brevo: Django-like filters, `|default:'…'` replacing an empty or missing value
# (help.brevo.com filters article 4405381108626, "default: inserts a fallback value if a
# variable is empty"); Jinja's default(x, true) is that. Brevo escapes what it prints.
# Brevo: `{% if contact.X == "v" %}`, `{% else %}`, `{% endif %}` (no `elif` documented).
_BREVO_IF = r'\{% (?:if contact\.\w+ == "\w+"|else|endif) %\}'
_BREVO_DEFAULT = re.compile(r"""\|default:('[^']*'|"[^"]*")""")


def render_brevo(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Brevo Template Language subset: {{ contact.X }}, |default:'…', {{ unsubscribe }}."""
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", template):
        assert re.fullmatch(
            r"""\{\{ (contact\.\w+(\|default:('[^']*'|"[^"]*"))?|unsubscribe) \}\}""", tag
        ) or re.fullmatch(_BREVO_IF, tag), tag
    source = _BREVO_DEFAULT.sub(r"|default(\1, true)", template)
    return _jinja(html).from_string(source).render(contact=contact, unsubscribe=unsubscribe)


# HubL: `{% if contact.X == "v" %}`, `{% elif … %}`, `{% else %}`, `{% endif %}`.
_CONTACT_IF = r'\{% (?:(?:if|elif) contact\.\w+ == "\w+"|else|endif) %\}'


def render_hubspot(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """HubL subset in an email: {{ contact.x }}, {% if contact.x %} (true when the property
    has a value), {% if contact.x == "v" %}/{% elif %}/{% else %}/{% endif %},
    {{ unsubscribe_link }}. No filter: HubL filters do not apply to personalization tokens
    in emails (developers.hubspot.com/docs/cms/hubl/filters). Values are printed as stored
    (whether HubSpot escapes them is not documented on the pages read)."""
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", template):
        assert (
            re.fullmatch(r"\{\{ (contact\.\w+|unsubscribe_link) \}\}", tag)
            or re.fullmatch(r"\{% if contact\.\w+ %\}", tag)
            or re.fullmatch(_CONTACT_IF, tag)
        ), tag
    return _jinja(False).from_string(template).render(contact=contact, unsubscribe_link=unsubscribe)


_MAILJET = re.compile(r"\[\[data:(\w+):\"([^\"]*)\"\]\]")


def render_mailjet(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Mailjet personalisation: [[data:name:"default"]] (the default when the property is
    empty or unset), [[UNSUB_LINK_XX]]. Values are inserted as stored."""
    out = re.sub(r"\[\[UNSUB_LINK_[A-Z]{2}\]\]", lambda m: unsubscribe, template)
    return fill(out, _MAILJET, lambda m: contact.get(m.group(1)) or m.group(2), "[[")


# Handlebars: `{{x}}` HTML-escapes & < > " ' ` = (handlebars.js escapeExpression); `{{{x}}}`
# does not; `{{#if x}}A{{else}}B{{/if}}` takes A when x is truthy (non-empty string).
_HB_ESCAPE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"}  # fmt: skip
_HB_BLOCK = re.compile(
    r'\{\{#((?:if \w+)|(?:equals \w+ "\w+"))\}\}|\{\{(/if|/equals)\}\}|\{\{else\}\}'
)


def render_sendgrid(template: str, data: Contact, unsubscribe: str, *, html: bool) -> str:
    """SendGrid's Handlebars subset, and its <%asm_group_unsubscribe_raw_url%> tag."""
    out = template.replace("<%asm_group_unsubscribe_raw_url%>", unsubscribe)

    def classify(m: re.Match[str]) -> tuple[str, str]:
        if m.group(1):
            return "if", m.group(1)
        return ("end", "") if m.group(2) else ("else", "")

    def truth(condition: str) -> bool:
        helper, name, *value = condition.split(" ", 2)
        if helper == "if":  # truthy: a non-empty string
            return bool(data.get(name))
        # SendGrid's `equals` helper: the value equals the string literal.
        return data.get(name, "") == json.loads(value[0])

    out = evaluate_blocks(out, _HB_BLOCK, classify, truth)

    def value(m: re.Match[str]) -> str:
        raw, escaped = m.groups()
        if raw:
            return data.get(raw, "")
        return "".join(_HB_ESCAPE.get(c, c) for c in data.get(escaped, ""))

    return fill(out, re.compile(r"\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}"), value, "{{")


_MC_BLOCK = re.compile(r"\*\|(IF|ELSEIF|ELSE|END):(\w+(?:=\w+)?|IF)?\|\*")


def render_mailchimp(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """Mailchimp merge language: *|IF:X|*…*|ELSEIF:X=v|*…*|ELSE:|*…*|END:IF|* (true when X
    has a value, or equals v),
    *|X|* (HTML-escaped; *|HTML:X|* is the raw form), *|URL:X|* (URL-encoded), *|UNSUB|*."""
    out = template.replace("*|UNSUB|*", unsubscribe)

    def classify(m: re.Match[str]) -> tuple[str, str]:
        return {"IF": "if", "ELSEIF": "elif", "ELSE": "else", "END": "end"}[m.group(1)], m.group(2)

    def truth(condition: str) -> bool:
        # *|IF:X|*: X has a value; *|IF:X=v|*: X equals v.
        name, equals, value = condition.partition("=")
        return contact.get(name, "") == value if equals else bool(contact.get(name))

    out = evaluate_blocks(out, _MC_BLOCK, classify, truth)

    def value(m: re.Match[str]) -> str:
        text = contact.get(m.group(2), "")
        return quote(text, safe="") if m.group(1) else html_lib.escape(text)

    return fill(out, re.compile(r"\*\|(URL:)?(\w+)\|\*"), value, "*|")


_AMP_BLOCK = re.compile(r"%%\[(.*?)\]%%\n?", re.S)
_AMP_IF = re.compile(r'%%\[ (IF|ELSEIF|ELSE|ENDIF)(?: (@\w+ == "[^"]*") THEN)? \]%%')
_AMP_INLINE = re.compile(r"%%=(.*?)=%%", re.S)
_AMP_STRING = r"\"(?:[^\"]|\"\")*\""


def _amp_eval(expr: str, variables: Mapping[str, str]) -> str:
    """An AMPscript expression of the subset: @var, "string" (a quote doubled inside),
    v(e), IIF(Empty(@v), e, e), Replace(e, e, e), URLEncode(e[, all chars[, all strings]])."""
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
    if name == "Replace":  # every occurrence of the 2nd string replaced by the 3rd
        source, find, replacement = (_amp_eval(a, variables) for a in args)
        return source.replace(find, replacement)
    if name == "URLEncode":
        flags = [a.strip() for a in args[1:]] + ["0", "0"]
        assert all(f in ("0", "1") for f in flags[:2]), args
        return _amp_url_encode(_amp_eval(args[0], variables), flags[0] == "1", flags[1] == "1")
    if name == "IIF":
        empty = re.fullmatch(r"Empty\((@\w+)\)", args[0].strip())
        assert empty, args[0]
        chosen = args[1] if not variables[empty.group(1)] else args[2]
        return _amp_eval(chosen, variables)
    raise AssertionError(f"unknown AMPscript function {name}")


def _amp_url_encode(text: str, all_chars: bool, all_strings: bool) -> str:
    """URLEncode() as its reference describes it: only a URL parameter string (after `?`) is
    converted unless boolEncodeAllStrings; spaces become %20, and with boolEncodeAllChars
    non-ASCII characters their UTF-8 codes; every other character is left as it is."""
    head, tail = "", text
    if not all_strings:
        before, mark, after = text.partition("?")
        if not mark:
            return text
        head, tail = before + mark, after

    def encoded(char: str) -> str:
        if char == " ":
            return "%20"
        if all_chars and ord(char) > 127:
            return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        return char

    return head + "".join(encoded(c) for c in tail)


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
        if _AMP_IF.fullmatch(f"%%[{block}]%%"):
            continue
        for statement in block.strip().splitlines():
            m = re.fullmatch(r"SET (@\w+) = AttributeValue\(\"(\w+)\"\)", statement.strip())
            assert m, statement
            variables[m.group(1)] = contact.get(m.group(2), "")

    def classify(m: re.Match[str]) -> tuple[str, str]:
        return {"IF": "if", "ELSEIF": "elif", "ELSE": "else", "ENDIF": "end"}[m.group(1)], m.group(
            2
        ) or ""

    def truth(condition: str) -> bool:
        # IF @x == "v" THEN: AMPscript compares strings without regard to case; the
        # values here are b2bmail's own version keys (v1, v2), so either reading agrees.
        var, value = condition.split(" == ")
        return variables[var] == _amp_eval(value, variables)

    out = evaluate_blocks(template, _AMP_IF, classify, truth)
    out = _AMP_BLOCK.sub("", out).replace("%%unsub_center_url%%", unsubscribe)
    return fill(out, _AMP_INLINE, lambda m: _amp_eval(m.group(1), variables), "%%")


# listmonk: Go templates, checked by pattern (no Go here): the actions the exporter writes,
# evaluated as Go would. listmonk compiles the body and the plain-text alternative with
# html/template (models/campaigns.go, CompileTemplate), which escapes every printed value
# but a `Safe` one ("Add any HTML code as it is", listmonk.app/docs/templating); the subject
# is text/template, which escapes nothing: the exporter prints text through `Safe`, so the
# subject reads the same either way.
_GO_ACTION = re.compile(
    r"\{\{ (Safe )?(\()?(?:(or) )?\.Subscriber\.(?:Attribs\.)?(\w+)(?: (\"(?:[^\"\\]|\\.)*\"))?(\))? \}\}"
)


# html/template's htmlReplacementTable (Go's html/template/html.go) for text and attributes.
_GO_HTML_ESCAPE = {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "+": "&#43;", "<": "&lt;", ">": "&gt;"}  # fmt: skip
_GO_BLOCK = re.compile(r"\{\{ (if|else if|else|end)(?: eq (.*?))? \}\}")


def render_listmonk(template: str, contact: Contact, unsubscribe: str, *, html: bool) -> str:
    """listmonk subset: {{ .Subscriber.X }}, {{ .Subscriber.Attribs.x }}, `or` with a string
    literal, `Safe`, `if eq … "v"` / `else if` / `else` / `end`, {{ UnsubscribeURL }}."""

    def action(m: re.Match[str]) -> str:
        safe, open_paren, use_or, name, literal, close_paren = m.groups()
        assert bool(open_paren) == bool(close_paren) == bool(safe and use_or), m.group(0)
        value = contact.get(name, "")
        if use_or and not value:
            value = json.loads(literal)
        return value if safe else "".join(_GO_HTML_ESCAPE.get(c, c) for c in value)

    out = template.replace("{{ UnsubscribeURL }}", unsubscribe)

    def classify(m: re.Match[str]) -> tuple[str, str]:
        kind = {"if": "if", "else if": "elif", "else": "else", "end": "end"}[m.group(1)]
        return kind, m.group(2) or ""

    def truth(condition: str) -> bool:
        # `eq .Subscriber.Attribs.x "v"`: text/template's eq on two strings.
        m = re.fullmatch(r"\.Subscriber\.(?:Attribs\.)?(\w+) (\"(?:[^\"\\]|\\.)*\")", condition)
        assert m, condition
        return contact.get(m.group(1), "") == json.loads(m.group(2))

    out = evaluate_blocks(out, _GO_BLOCK, classify, truth)
    return fill(out, _GO_ACTION, action, "{{")


INTERPRETERS: dict[str, Callable[..., str]] = {
    "brevo": render_brevo,
    "hubspot": render_hubspot,
    "mailjet": render_mailjet,
    "sendgrid": render_sendgrid,
    "mailchimp": render_mailchimp,
    "sfmc": render_sfmc,
    "listmonk": render_listmonk,
}
