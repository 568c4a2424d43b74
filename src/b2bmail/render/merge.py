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

Recipient values are data: `MergeTemplate.render` pastes them into the compiled output
(escaped for HTML by the caller's `escape`, plain for text); they never reach Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from b2bmail.errors import InputError, TemplateError

SENTINEL_RE = re.compile(r"zQ9mf(\d{1,6})fm9Qz")
_MANGLED = re.compile(r"zq9mf|fm9qz", re.I)  # what is left of a sentinel a filter changed
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?$")

#: Merge fields every recipient has once the recipients area has read and prepared it.
#: `unsubscribe_token` is computed per recipient (an HMAC); samples use a fixed value.
COMPUTED_FIELDS = ("email", "unsubscribe_token")


class MissingMergeValueError(InputError):
    """A recipient has no value for a merge field that has no fallback."""


@dataclass(frozen=True)
class MergeField:
    name: str
    fallback: str | None = None


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

    def render(self, values: Mapping[str, str], escape: Callable[[str], str] | None = None) -> str:
        """Fill the holes. A missing or blank value takes the field's fallback; a missing
        value without fallback raises MissingMergeValueError. `escape` (e.g. html.escape)
        applies to recipient values and fallbacks alike, never to the compiled text."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values.get(part.name)
            text = str(value).strip() if value is not None else ""
            if not text:
                if part.fallback is not None:
                    text = part.fallback
                elif value is None:
                    raise MissingMergeValueError(
                        f"no value for merge field '{part.name}'",
                        hint=f'add a `{part.name}` column or write `| fallback("…")` in the template',
                    )
            out.append(escape(text) if escape else text)
        return "".join(out)


@dataclass
class MergeRegistry:
    """The side table of one segment's compile (a local object, never shared)."""

    fields: list[MergeField] = field(default_factory=list)

    def sentinel(self, merge_field: MergeField) -> str:
        if merge_field not in self.fields:
            self.fields.append(merge_field)
        return f"zQ9mf{self.fields.index(merge_field)}fm9Qz"

    def split(self, text: str) -> MergeTemplate:
        """Turn compiled text containing sentinels into a MergeTemplate."""
        parts: list[str | MergeField] = []
        pos = 0
        for m in SENTINEL_RE.finditer(text):
            if m.start() > pos:
                parts.append(text[pos : m.start()])
            index = int(m.group(1))
            if index >= len(self.fields):
                raise TemplateError(
                    f"merge sentinel {m.group(0)!r} has no field (corrupted output)"
                )
            parts.append(self.fields[index])
            pos = m.end()
        if pos < len(text):
            parts.append(text[pos:])
        for part in parts:
            if isinstance(part, str) and _MANGLED.search(part):
                raise TemplateError(
                    "a recipient merge field was changed by a filter (e.g. | upper or | truncate)",
                    hint="merge fields are filled in after rendering: print them as they are, "
                    'with at most | fallback("…")',
                )
        return MergeTemplate(tuple(parts))


class MergeRef:
    """What `recipient.<name>` gives a template: it prints as a sentinel."""

    def __init__(self, registry: MergeRegistry, name: str, fallback: str | None = None) -> None:
        self._registry = registry
        self._name = name
        self._fallback = fallback

    def with_fallback(self, text: str) -> MergeRef:
        return MergeRef(self._registry, self._name, text)

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
        raise TemplateError(
            f"recipient.{self._name} is merged after rendering and cannot be tested in "
            "{% if %} or used in computations",
            hint='print it, with `| fallback("…")` for recipients that have no value',
        )


def _ref(registry: MergeRegistry, name: str) -> MergeRef:
    if not FIELD_NAME.match(name):
        raise TemplateError(
            f"'recipient.{name}' is not a merge field name",
            hint="use lower-case field keys such as first_name",
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


def fallback_filter(value: object, text: str) -> object:
    """`| fallback("Madame, Monsieur")`: on a merge field, its fallback; on plain data, the
    text when the value is empty."""
    if isinstance(value, MergeRef):
        return value.with_fallback(str(text))
    return value if value not in (None, "") else text
