"""Per-recipient merge fields: compiled once per segment, filled in per recipient.

Templates write `{{ recipient.first_name | fallback("Madame, Monsieur") }}`. During segment
rendering that expression does not produce the recipient's name (there is no recipient yet)
but a *sentinel*: a short ASCII token `zQ9mf<N>fm9Qz` where N indexes a side table of
`MergeField`s. The sentinel travels through MJML, premailer/lxml and the text converter
untouched, and the finished HTML and text are then split on it into `MergeTemplate`s.

Why ASCII and not private-use code points: MRML (mjml-python) rewrites non-printable
characters in attribute values as `\\u{e000}`, and libxml2 percent-encodes non-ASCII in
`href`, so a private-use sentinel would come out in three different spellings. Letters and
digits are left alone by every stage, in text, in attributes and inside URLs.

Recipient values are data: `MergeTemplate.render` pastes them into the compiled output; they
never reach Jinja. How a value is written depends on where its hole is, and that is decided
once, when the finished output is split (`MergeRegistry.split`, after `mark_url_fields`):
HTML text and attributes get it HTML-escaped, a URL gets it percent-encoded for its place
in the URL (RFC 3986), plain text and headers get it as is. Each `MergeField` carries that
decision, so every writer (the sample files, render.mime) writes the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote

from b2bmail.errors import InputError, TemplateError
from b2bmail.i18n import _
from b2bmail.salutation import SALUTATION_FIELDS

# The letter between `zQ9m` and the index says where the hole is: `f` text, and inside a
# URL (see mark_url_fields) `w` the whole URL, `c` a component, `a` a mailto address.
SENTINEL_RE = re.compile(r"zQ9m([fwca])(\d{1,6})\1m9Qz")
_MANGLED = re.compile(r"zq9m[fwca]|[fwca]m9qz", re.I)  # what is left of a changed sentinel
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?$")

#: Merge fields every recipient has once the recipients area has read and prepared it.
#: `unsubscribe_token` is computed per recipient (an HMAC); samples use a fixed value. The
#: salutations (`{{ recipient | salutation }}`) are made per recipient by salutation.py.
COMPUTED_FIELDS = ("email", "unsubscribe_token", *SALUTATION_FIELDS)


class MissingMergeValueError(InputError):
    """A recipient has no value for a merge field that has no fallback."""


class UnsafeUrlValueError(InputError):
    """A value that is a whole link (`href="{{ recipient.website }}"`) names a scheme other
    than http, https, mailto or tel: `javascript:` or `data:` from a list would become a link
    that runs code or shows a forged page, so it is never written."""


# RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":".
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


#: Where in a URL a merge field sits: "" (not in a URL), the whole URL, one component (a
#: path segment, query or fragment), or the address of a mailto: URL.
UrlPlace = Literal["", "url", "component", "address"]
_URL_PLACES: dict[str, UrlPlace] = {"f": "", "w": "url", "c": "component", "a": "address"}
# RFC 3986 §2.2 reserved characters plus `%` (a whole URL may hold escapes already): a value
# that is a whole URL keeps its structure, only spaces, quotes and non-ASCII are encoded.
URL_SAFE = "!#$%&'()*+,/:;=?@[]~-._"
# A component gets everything but the unreserved characters (RFC 3986 §2.3) encoded, so
# `+`, `&`, `#`, `?`, `/` in a value cannot change the URL's structure (`+` would read as a
# space in a query, `&` start a parameter, `#` cut the query). A mailto address keeps `@`
# (RFC 6068 §2: `to` is an addr-spec).
_SAFE_BY_PLACE: dict[UrlPlace, str] = {"url": URL_SAFE, "component": "", "address": "@"}
# RFC 3986 §2.3: the unreserved characters, never percent-encoded (urllib.parse.quote's
# always-safe set).
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


# RFC 3986 §2.1: a percent-encoded octet is "%" and two upper-case hex digits; an ASCII
# character is one octet in UTF-8, so its escape does not depend on the rest of the text.
_ESCAPE = {chr(c): f"%{c:02X}" for c in range(128)}
# Per place, the ASCII characters that are escaped there.
_TO_ESCAPE = {
    place: re.compile("[^" + re.escape("".join(sorted(_UNRESERVED | set(safe)))) + "]")
    for place, safe in _SAFE_BY_PLACE.items()
}


# The usual values in a URL, a token or an address, hold only unreserved characters and "@"
# (escaped in a component, which keeps the unreserved characters alone; safe in a mailto
# address and a whole URL): one match of them, and at most one replace, give what the general
# path below gives (whose search for a character to escape tries every position).
USUAL_IN_URL = re.compile(r"[A-Za-z0-9_.~@-]*").fullmatch


def percent_encode(text: str, place: UrlPlace) -> str:
    """`text` percent-encoded for its `place` in a URL: the same string as
    urllib.parse.quote(text, safe=…) with that place's safe characters. Run per recipient,
    once per merge field in a URL: quote walks the text byte by byte in Python, while an
    ASCII value (nearly all of them) holds a few characters to escape, replaced in C."""
    if USUAL_IN_URL(text):
        return text.replace("@", "%40") if place == "component" else text
    if not text.isascii():
        return quote(text, safe=_SAFE_BY_PLACE[place])
    found = _TO_ESCAPE[place].findall(text)
    if not found:
        return text
    if "%" in found:  # first, so the "%" of the escapes made below is not escaped again
        text = text.replace("%", "%25")
    for char in set(found):
        if char != "%":
            text = text.replace(char, _ESCAPE[char])
    return text


@dataclass(frozen=True)
class MergeField:
    """A hole: the field, its fallback, and how a value is written there (decided by split)."""

    name: str
    fallback: str | None = None
    url: UrlPlace = ""  # percent-encoded for that place in a URL (RFC 3986 §2.1)
    html: bool = False  # then HTML-escaped (text and attribute values alike)

    def encode(self, text: str) -> str:
        """The value as written in this hole. A whole-URL value with a scheme other than
        LINK_SCHEMES raises UnsafeUrlValueError (a scheme-less value stays relative)."""
        if self.url:
            if self.url == "url":
                scheme = _SCHEME.match(text)
                if scheme and scheme.group(1).lower() not in LINK_SCHEMES:
                    raise UnsafeUrlValueError(
                        _(
                            "the value of merge field '{name}' is a {scheme}: link,"
                            " and only http, https, mailto and tel links are written"
                        ).format(name=self.name, scheme=scheme.group(1)),
                        hint=_("correct the value in the list"),
                    )
            text = percent_encode(text, self.url)
        return html.escape(text, quote=True) if self.html else text


@dataclass(frozen=True)
class MergeTemplate:
    """Compiled text with holes: literal strings and `MergeField`s, in order."""

    parts: tuple[str | MergeField, ...]

    @classmethod
    def literal(cls, text: str) -> MergeTemplate:
        return cls((text,) if text else ())

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parts if isinstance(p, MergeField))

    def render(self, values: Mapping[str, str]) -> str:
        """Fill the holes. A missing or blank value takes the field's fallback; a missing
        value without fallback raises MissingMergeValueError. Each hole encodes recipient
        values and fallbacks alike (MergeField.encode), never the compiled text."""
        return "".join(
            part if isinstance(part, str) else part.encode(merge_value(part, values))
            for part in self.parts
        )


def merge_value(part: MergeField, values: Mapping[str, str]) -> str:
    """A hole's text before encoding, the one rule of every writer: the recipient's value,
    stripped; blank or missing, the fallback; missing without fallback,
    MissingMergeValueError (a blank value without fallback merges as blank)."""
    value = values.get(part.name)
    text = str(value).strip() if value is not None else ""
    if not text:
        if part.fallback is not None:
            return part.fallback
        if value is None:
            raise MissingMergeValueError(
                _("no value for merge field '{name}'").format(name=part.name),
                hint=_('add a `{name}` column or write `| fallback("…")` in the template').format(
                    name=part.name
                ),
            )
    return text


@dataclass
class MergeRegistry:
    """The side table of one segment's compile (a local object, never shared). `bound`: the
    recipient fields this compile is a variant for (see NeedsVariant), by value."""

    fields: list[MergeField] = field(default_factory=list)
    bound: Mapping[str, object] = field(default_factory=dict)

    def sentinel(self, merge_field: MergeField) -> str:
        if merge_field not in self.fields:
            self.fields.append(merge_field)
        return f"zQ9mf{self.fields.index(merge_field)}fm9Qz"

    def split(self, text: str, *, html: bool = False) -> MergeTemplate:
        """Turn compiled text containing sentinels into a MergeTemplate. `html`: the text is
        HTML, so every value is HTML-escaped; a sentinel marked by mark_url_fields is also
        percent-encoded for its place in its URL."""
        parts: list[str | MergeField] = []
        pos = 0
        for m in SENTINEL_RE.finditer(text):
            if m.start() > pos:
                parts.append(text[pos : m.start()])
            index = int(m.group(2))
            if index >= len(self.fields):
                raise TemplateError(
                    _("merge sentinel {sentinel} has no field (corrupted output)").format(
                        sentinel=repr(m.group(0))
                    )
                )
            parts.append(replace(self.fields[index], url=_URL_PLACES[m.group(1)], html=html))
            pos = m.end()
        if pos < len(text):
            parts.append(text[pos:])
        for part in parts:
            if isinstance(part, str) and _MANGLED.search(part):
                raise TemplateError(
                    _(
                        "a recipient merge field was changed by a filter (e.g. | upper or | truncate)"
                    ),
                    hint=_(
                        "merge fields are filled in after rendering: print them as they are, "
                        'with at most | fallback("…")'
                    ),
                )
        return MergeTemplate(tuple(parts))


_URL_ATTRS = re.compile(
    r"""(\s(?:href|src|background|action|cite|poster|longdesc)\s*=\s*)(["'])(.*?)\2""",
    re.I | re.S,
)
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_PLAIN_SENTINEL = re.compile(r"zQ9mf(\d{1,6})fm9Qz")


def mark_url(url: str) -> str:
    """Mark each merge sentinel in a URL with its place: the whole URL when nothing comes
    before it, a mailto address when it follows `mailto:` before any `?`, else a component."""

    def place(m: re.Match[str]) -> str:
        before = html.unescape(url[: m.start()]).lstrip()
        if not before:
            kind = "w"
        elif before[:7].lower() == "mailto:" and "?" not in before:
            kind = "a"
        else:
            kind = "c"
        return f"zQ9m{kind}{m.group(1)}{kind}m9Qz"

    return _PLAIN_SENTINEL.sub(place, url)


def mark_url_fields(html_text: str) -> str:
    """Mark the sentinels inside URL attributes (href, src, ...) of finished HTML, including
    the VML in Outlook's conditional comments, so that split() percent-encodes their values.
    The plain text made from this HTML keeps the marks in its `text (url)` links."""

    def attrs(m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{mark_url(m.group(3))}{m.group(2)}"

    def tag(m: re.Match[str]) -> str:
        found = m.group(0)
        return _URL_ATTRS.sub(attrs, found) if "zQ9mf" in found else found

    return _TAG.sub(tag, html_text) if "zQ9mf" in html_text else html_text


def unmark(text: str) -> str:
    """The text with every sentinel spelled as in running text (to compare a link's label
    with its URL)."""
    return SENTINEL_RE.sub(r"zQ9mf\2fm9Qz", text)


class NeedsVariant(Exception):
    """A template needs the value of recipient field `name` (a test, a comparison, a filter
    or arithmetic on it), which a compile with holes does not have. The compile is then made
    again as a *variant* with that field bound to a recipient's value (personalize.plan)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class NeedsLanguage(NeedsVariant):
    """The campaign declares `languages`: its compile needs the recipient's language (a
    recipient without one, or with another, gets the default language)."""


_UNBOUND: Any = object()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: object) -> object:
    return value.concrete() if isinstance(value, MergeRef) else value


class MergeRef:
    """What `recipient.<name>` gives a template: it prints as a sentinel (the value is merged
    after rendering, as escaped data). Anything that needs the value itself — truthiness,
    `==`, `<`, `in`, `len`, arithmetic, a filter — takes it from the variant's bound values,
    or raises NeedsVariant when the field is not bound yet."""

    def __init__(self, registry: MergeRegistry, name: str, fallback: str | None = None) -> None:
        self._registry = registry
        self._name = name
        self._fallback = fallback

    def with_fallback(self, text: str) -> MergeRef:
        return MergeRef(self._registry, self._name, text)

    def concrete(self) -> object:
        """The recipient's value (its fallback when blank), from the variant's bound values."""
        bound = self._registry.bound
        if self._name not in bound:
            raise NeedsVariant(self._name)
        value = bound[self._name]
        return self._fallback if self._fallback is not None and _blank(value) else value

    def __getattr__(self, attr: str) -> MergeRef:
        # `recipient.company.size` -> the dotted company field `company.size`.
        if attr.startswith("_") or "." in self._name:
            raise AttributeError(attr)
        return _ref(self._registry, f"{self._name}.{attr}")

    def __str__(self) -> str:
        return self._registry.sentinel(MergeField(self._name, self._fallback))

    def __html__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return bool(self.concrete())

    def __len__(self) -> int:
        return len(self.concrete())  # type: ignore[arg-type]

    def __hash__(self) -> int:
        return hash(self.concrete())

    def __iter__(self) -> Any:
        return iter(self.concrete())  # type: ignore[call-overload]

    def __contains__(self, item: object) -> bool:
        return _plain(item) in self.concrete()  # type: ignore[operator]

    def __getitem__(self, key: object) -> object:
        return self.concrete()[key]  # type: ignore[index]

    def __call__(self, *args: object, **kwargs: object) -> object:
        # `recipient.first_name.upper()` reads as the field `first_name.upper`: say so.
        base, _dot, method = self._name.rpartition(".")
        raise TemplateError(
            _("recipient.{name} is a recipient field, not a method to call").format(
                name=self._name
            ),
            hint=_("write {example} (filters apply to the recipient's value)").format(
                example=f"recipient.{base or method} | {method or 'lower'}"
            ),
        )

    def __neg__(self) -> object:
        return -self.concrete()  # type: ignore[operator]

    def __pos__(self) -> object:
        return +self.concrete()  # type: ignore[operator]


def _delegate(op: Any, reflected: bool = False) -> Any:
    def method(self: MergeRef, other: object) -> object:
        a, b = self.concrete(), _plain(other)
        return op(b, a) if reflected else op(a, b)

    return method


def _install_operators() -> None:
    import operator

    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        setattr(MergeRef, f"__{name}__", _delegate(getattr(operator, name)))
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow"):
        op = getattr(operator, name)
        setattr(MergeRef, f"__{name}__", _delegate(op))
        setattr(MergeRef, f"__r{name}__", _delegate(op, reflected=True))


_install_operators()


def _ref(registry: MergeRegistry, name: str) -> MergeRef:
    if not FIELD_NAME.match(name):
        raise TemplateError(
            _("'recipient.{name}' is not a merge field name").format(name=name),
            hint=_("use lower-case field keys such as first_name"),
        )
    return MergeRef(registry, name)


class RecipientProxy:
    """`recipient` in templates: any field name, resolved per recipient at merge time."""

    def __init__(self, registry: MergeRegistry) -> None:
        self._registry = registry

    def __getattr__(self, name: str) -> MergeRef:
        if name.startswith("_"):
            raise AttributeError(name)
        return _ref(self._registry, name)

    def __getitem__(self, name: str) -> MergeRef:
        return _ref(self._registry, name)


def computed_ref(recipient: RecipientProxy, name: str) -> MergeRef:
    """A computed merge field of `recipient` (a COMPUTED_FIELDS name), for a filter applied
    to the whole recipient (`{{ recipient | salutation }}`)."""
    return _ref(recipient._registry, name)


def fallback_filter(value: object, text: str, boolean: bool = False) -> object:
    """`| fallback("Madame, Monsieur")` (also `| default(…)`): on a merge field, its fallback,
    used when the recipient's value is blank or missing; on plain data, the text when the
    value is empty. (`boolean` is accepted for Jinja's `default` spelling; blank always
    counts as empty here.)"""
    if isinstance(value, MergeRef):
        return value.with_fallback(str(text))
    return value if value not in (None, "") else text
