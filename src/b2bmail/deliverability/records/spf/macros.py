"""SPF macros (RFC 7208 §7): syntax check and expansion. Pure: `%{p}` is supplied by the caller."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from b2bmail.i18n import _

# RFC 7208 §7.1: macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
MACRO_LETTERS = frozenset("slodiphcrtv")
# RFC 7208 §7.2: "c", "r" and "t" are only allowed in explanation strings.
EXPLANATION_ONLY = frozenset("crt")
DELIMITERS = ".-+,/_="
_MACRO = re.compile(r"%\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}")
_ESCAPES = {"%%": "%", "%_": " ", "%-": "%20"}


class MacroSyntaxError(ValueError):
    """A macro-string breaks the grammar of RFC 7208 §7.1."""


@dataclass(frozen=True)
class MacroContext:
    """The values macros expand to (RFC 7208 §7.3)."""

    sender: str  # <sender>, local-part@domain ("postmaster" substituted when empty)
    domain: str  # the current <domain> of check_host()
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address  # IPv4-mapped addresses already unmapped
    helo: str
    receiver: str = "unknown"
    timestamp: int = 0

    @property
    def local_part(self) -> str:
        return self.sender.rpartition("@")[0]

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2]


def check_macro_string(text: str, *, explanation: bool = False) -> None:
    """Raise MacroSyntaxError when `text` is not a valid macro-string (RFC 7208 §7.1).

    In explanation text (`explanation=True`) spaces and the letters c, r, t are allowed too.
    """
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            pair = text[i : i + 2]
            if pair in _ESCAPES:
                i += 2
                continue
            match = _MACRO.match(text, i)
            if not match:
                raise MacroSyntaxError(
                    _("'%' must start {forms} (RFC 7208 §7.1), found {found}").format(
                        forms="%{…}, %%, %_ or %-", found=repr(text[i : i + 3])
                    )
                )
            letter, digits = match.group(1).lower(), match.group(2)
            if letter not in MACRO_LETTERS:
                raise MacroSyntaxError(
                    _("unknown macro letter {letter} (RFC 7208 §7.1)").format(
                        letter=repr(match.group(1))
                    )
                )
            if letter in EXPLANATION_ONLY and not explanation:
                raise MacroSyntaxError(
                    _("macro {macro} is only allowed in exp= text (RFC 7208 §7.3)").format(
                        macro=f"%{{{match.group(1)}}}"
                    )
                )
            if digits and int(digits) == 0:
                raise MacroSyntaxError(
                    _("a macro's digit transformer must be nonzero (RFC 7208 §7.1)")
                )
            i = match.end()
            continue
        if char == " " and explanation:
            i += 1
            continue
        # macro-literal = %x21-24 / %x26-7E: visible 7-bit ASCII only (RFC 7208 §7.1)
        if not ("\x21" <= char <= "\x7e"):
            raise MacroSyntaxError(
                _("character {char} is not allowed in a macro-string (RFC 7208 §7.1)").format(
                    char=repr(char)
                )
            )
        i += 1


def uses_macro(text: str, letter: str) -> bool:
    return any(m.group(1).lower() == letter for m in _MACRO.finditer(text))


def ip_nibbles(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """%{i}: dotted quad for IPv4, dot-separated nibbles for IPv6 (RFC 7208 §7.3).

    The RFC leaves the nibbles' case open and DNS names are case-insensitive (RFC 4343); we
    write them upper-case, as the OpenSPF suite expects in explanation text (v-macro-ip6).
    """
    if ip.version == 4:
        return str(ip)
    return ".".join(f"{int(ip):032X}")


def _value(letter: str, ctx: MacroContext, validated_name: str) -> str:
    if letter == "s":
        return ctx.sender
    if letter == "l":
        return ctx.local_part
    if letter == "o":
        return ctx.sender_domain
    if letter == "d":
        return ctx.domain
    if letter == "i":
        return ip_nibbles(ctx.ip)
    if letter == "p":
        return validated_name
    if letter == "v":
        return "in-addr" if ctx.ip.version == 4 else "ip6"
    if letter == "h":
        return ctx.helo
    if letter == "c":
        return str(ctx.ip)
    if letter == "r":
        return ctx.receiver
    return str(ctx.timestamp)  # "t"


def _transform(value: str, digits: str, reverse: bool, delimiters: str) -> str:
    # RFC 7208 §7.3: split on the delimiters (default "."), optionally reverse, keep the
    # rightmost N parts, and join them with "."
    parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
    if reverse:
        parts.reverse()
    if digits:
        parts = parts[-int(digits) :]
    return ".".join(parts)


def expand_macros(
    text: str, ctx: MacroContext, *, validated_name: str = "unknown", explanation: bool = False
) -> str:
    """Expand every macro in `text` (validate first with `check_macro_string`)."""
    check_macro_string(text, explanation=explanation)
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _ESCAPES:
            out.append(_ESCAPES[pair])
            i += 2
            continue
        match = _MACRO.match(text, i) if text[i] == "%" else None
        if match is None:
            out.append(text[i])
            i += 1
            continue
        raw_letter, digits, reverse, delimiters = match.groups()
        expanded = _transform(
            _value(raw_letter.lower(), ctx, validated_name), digits, bool(reverse), delimiters
        )
        if raw_letter.isupper():
            # RFC 7208 §7.3: upper-case macros are URL-escaped; unreserved characters stay
            expanded = quote(expanded, safe="~")
        out.append(expanded)
        i = match.end()
    return "".join(out)


def truncate_domain(name: str) -> str:
    """RFC 7208 §7.3: drop a trailing dot; over 253 characters, drop labels from the left."""
    name = name[:-1] if name.endswith(".") else name
    while len(name) > 253 and "." in name:
        name = name.split(".", 1)[1]
    return name
