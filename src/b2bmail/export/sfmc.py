"""Salesforce Marketing Cloud AMPscript: a `%%[ SET @FirstName = AttributeValue("FirstName") ]%%`
block, then `%%=v(@FirstName)=%%`, `%%=IIF(Empty(@FirstName), "…", @FirstName)=%%` for a
fallback, `%%=URLEncode(@FirstName)=%%` in a URL component, `%%unsub_center_url%%`.
String literals are double-quoted, a quote doubled.
Syntax: https://developer.salesforce.com/docs/marketing/marketing-cloud-ampscript/ (IIF, v,
AttributeValue, Empty, URLEncode; personalization strings)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from b2bmail.export.dialect import Esp, Hole, make_esp, quoted

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


def variable(attr: str) -> str:
    """The AMPscript variable holding an attribute (letters, digits and `_`)."""
    return "@" + _NOT_NAME.sub("_", attr)


def merge(hole: Hole) -> str:
    """One inline AMPscript expression."""
    var = variable(hole.attr)
    value = var
    if hole.fallback is not None:
        value = f"IIF(Empty({var}), {quoted(hole.literal(hole.fallback), escape=chr(34))}, {var})"
    if hole.url == "component":
        return f"%%=URLEncode({value})=%%"
    return f"%%=v({value})=%%"


def prelude(attrs: tuple[str, ...]) -> str:
    """The block that sets one variable per attribute, at the start of the body."""
    if not attrs:
        return ""
    sets = "\n".join(
        f"SET {variable(a)} = AttributeValue({quoted(a, escape=chr(34))})" for a in attrs
    )
    return f"%%[\n{sets}\n]%%\n"


def choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """`%%[ IF @x == "v1" THEN ]%%…%%[ ELSEIF … THEN ]%%…%%[ ELSE ]%%…%%[ ENDIF ]%%`
    (AMPscript IF statement, its blocks around the content)."""
    var = variable(attr)
    tests = [
        f"%%[ {'IF' if i == 0 else 'ELSEIF'} {var} == {quoted(value, escape=chr(34))} THEN ]%%{text}"
        for i, (value, text) in enumerate(branches)
    ]
    return "".join(tests) + f"%%[ ELSE ]%%{other}%%[ ENDIF ]%%"


ESP: Esp = make_esp("sfmc", merge, prelude, choice=choice)
