"""Salesforce Marketing Cloud AMPscript: a `%%[ SET @FirstName = AttributeValue("FirstName") ]%%`
block, then `%%=v(@FirstName)=%%`, `%%=IIF(Empty(@FirstName), "…", @FirstName)=%%` for a
fallback, `%%unsub_center_url%%`. String literals are double-quoted, a quote doubled.
AMPscript neither HTML-escapes nor fully URL-encodes what it prints, so b2bmail writes both
with `Replace()` (and `URLEncode(…, 1, 1)` for spaces and non-ASCII), as its build does.
Syntax: https://developer.salesforce.com/docs/marketing/marketing-cloud-ampscript/ (IIF, v,
AttributeValue, Empty, Replace, URLEncode; personalization strings)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, make_esp, quoted

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")
# AMPscript's v() prints a value as stored: the characters HTML gives a meaning to are
# replaced by their entities (`&` first, or the other entities would be escaped again).
_HTML_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
# URLEncode(s, 1, 1) encodes only spaces and non-ASCII characters ("converts all spaces and
# non-ASCII characters … to their hexadecimal character codes", UrlEncode() reference), so
# the ASCII characters a URL component must not hold as they are (RFC 3986 §2.2, and the
# quotes and brackets of the HTML attribute around it) are percent-encoded first, `%` first.
_URL_RESERVED = ("%", "&", "=", "#", "+", "?", "/", '"', "'", "<", ">")


def _string(text: str) -> str:
    """An AMPscript string literal ("Language Elements": the delimiting quote doubled)."""
    return quoted(text, escape='"')


def _replaced(expr: str, pairs: Sequence[tuple[str, str]]) -> str:
    """`expr` with each (find, replacement) applied in order by nested Replace() calls."""
    for find, replacement in pairs:
        expr = f"Replace({expr}, {_string(find)}, {_string(replacement)})"
    return expr


def variable(attr: str) -> str:
    """The AMPscript variable holding an attribute (letters, digits and `_`)."""
    return "@" + _NOT_NAME.sub("_", attr)


def merge(hole: Hole) -> str:
    """One inline AMPscript expression, encoded for its place as b2bmail's build encodes a
    value (MergeField.encode): percent-encoded in a URL component, HTML-escaped in HTML."""
    var = variable(hole.attr)
    value = var
    if hole.fallback is not None:
        value = f"IIF(Empty({var}), {_string(hole.fallback)}, {var})"
    if hole.url == "component":
        pairs = [(c, f"%{ord(c):02X}") for c in _URL_RESERVED]
        return f"%%=URLEncode({_replaced(value, pairs)}, 1, 1)=%%"
    if hole.html:
        value = _replaced(value, _HTML_ENTITIES)
    return f"%%=v({value})=%%"


def prelude(attrs: tuple[str, ...]) -> str:
    """The block that sets one variable per attribute, at the start of the body."""
    if not attrs:
        return ""
    sets = "\n".join(f"SET {variable(a)} = AttributeValue({_string(a)})" for a in attrs)
    return f"%%[\n{sets}\n]%%\n"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`%%[ IF @x == "v1" THEN ]%%…%%[ ELSEIF … THEN ]%%…%%[ ELSE ]%%…%%[ ENDIF ]%%`
    (AMPscript IF statement, its blocks around the content)."""
    var = variable(attr)
    tests = [
        f"%%[ {'IF' if i == 0 else 'ELSEIF'} {var} == {_string(value)} THEN ]%%{text}"
        for i, (value, text) in enumerate(branches)
    ]
    return "".join(tests) + f"%%[ ELSE ]%%{other}%%[ ENDIF ]%%"


ESP: Esp = make_esp("sfmc", merge, prelude, choice=choice)
