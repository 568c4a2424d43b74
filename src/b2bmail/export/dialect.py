"""What every ESP dialect shares: a merge hole in ESP terms, the ESP's facts from
data/esp.yaml, and the error for a construct the ESP's language cannot express."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, cast

import yaml

from b2bmail.errors import TemplateError
from b2bmail.i18n import _
from b2bmail.render.merge import MergeField, UrlPlace, merge_value


class NoEquivalentError(TemplateError):
    """A construct of the campaign has no equivalent in the ESP's template language. It is
    reported (file:line) and the export stops: it is never dropped silently."""


#: Writes the ESP's conditional: (attribute, [(value, text), …], text for any other value).
Choice = Callable[[str, Sequence[tuple[str, str]], str], str]


@dataclass(frozen=True)
class Hole:
    """One merge field as the ESP sees it: its attribute, its fallback and its place."""

    attr: str  # the ESP's attribute name (after esp.fields and the defaults)
    fallback: str | None
    html: bool  # in HTML (our build HTML-escapes values there)
    url: str  # "" or the place in a URL: "url" (whole), "component", "address"

    def literal(self, text: str) -> str:
        """A fallback written as template text at this place, encoded as the build encodes a
        fallback there (MergeField.encode): percent-encoded in a URL, HTML-escaped in HTML."""
        place = cast(UrlPlace, self.url)
        return MergeField("fallback", text, url=place, html=self.html).encode(text)


@dataclass(frozen=True)
class Esp:
    """One ESP's facts (data/esp.yaml) and the function writing its merge tags."""

    key: str
    name: str
    docs: tuple[str, ...]
    fields: Mapping[str, str]
    other_fields: str  # upper, lower or as-is
    unsubscribe: str
    escapes_html: bool
    csv_encoding: str
    csv_delimiter: str
    segment_column: str
    tracked_link: int
    place: str
    merge: Callable[[Hole], str]
    # Text put before the HTML body's content and the plain text (SFMC's SET block).
    prelude: Callable[[tuple[str, ...]], str] = lambda attrs: ""
    # The ESP's conditional on a contact attribute (attribute, [(value, text)], else text),
    # where esp.yaml documents one; None: one template per version instead.
    choice: Choice | None = None
    unsubscribe_languages: tuple[str, ...] = field(default=())
    tag_openers: tuple[str, ...] = field(default=())
    # Whether the ESP's language percent-encodes a value at this hole's place in a URL
    # (Mailchimp's *|URL:X|*, SFMC's URLEncode); False: a pre-encoded copy (UrlCopy).
    encodes_url: Callable[[Hole], bool] = lambda hole: True

    def needs_url_copy(self, hole: Hole) -> bool:
        """Whether a value at this hole must reach the ESP pre-encoded (UrlCopy): it sits
        in a URL component, which b2bmail percent-encodes, and the ESP documents no way to."""
        return hole.url == "component" and not self.encodes_url(hole)

    def url_copy_attribute(self, name: str, mapping: Mapping[str, str]) -> str:
        """The attribute holding the pre-encoded copy of field `name`: its attribute with
        `_url`, cased as the ESP names attributes (CITY_URL in Brevo, city_url in HubSpot)."""
        suffix = "_URL" if self.other_fields == "upper" else "_url"
        return self.attribute(name, mapping) + suffix

    def attribute(self, name: str, mapping: Mapping[str, str]) -> str:
        """The ESP attribute for our field `name`: the campaign's mapping, the ESP's default
        name, else the name cased as the ESP names attributes (a dotted name joined by `_`)."""
        if name in mapping:
            return mapping[name]
        if name in self.fields:
            return self.fields[name]
        flat = name.replace(".", "_")
        return {"upper": flat.upper(), "lower": flat.lower()}.get(self.other_fields, flat)

    def unsubscribe_for(self, locale: str) -> str:
        """The unsubscribe placeholder, in the campaign's language where the ESP has one per
        language (Mailjet's [[UNSUB_LINK_FR]]; English when it has none for the language)."""
        if "{LANG}" not in self.unsubscribe:
            return self.unsubscribe
        lang = locale.partition("_")[0].upper()
        return self.unsubscribe.replace(
            "{LANG}", lang if lang in self.unsubscribe_languages else "EN"
        )


@cache
def esp_facts() -> Mapping[str, Mapping[str, Any]]:
    """data/esp.yaml, read once."""
    text = resources.files("b2bmail.data").joinpath("esp.yaml").read_text(encoding="utf-8")
    data: Mapping[str, Mapping[str, Any]] = yaml.safe_load(text)
    return data


def make_esp(
    key: str,
    merge: Callable[[Hole], str],
    prelude: Callable[[tuple[str, ...]], str] | None = None,
    *,
    choice: Choice | None = None,
    encodes_url: Callable[[Hole], bool] | None = None,
) -> Esp:
    """An Esp from its esp.yaml entry and its dialect's functions."""
    facts = esp_facts()[key]
    csv = facts["csv"]
    return Esp(
        key=key,
        name=facts["name"],
        docs=tuple(facts["docs"]),
        fields=dict(facts["fields"]),
        other_fields=facts["other_fields"],
        unsubscribe=facts["unsubscribe"],
        escapes_html=bool(facts["escapes_html"]),
        csv_encoding=csv["encoding"],
        csv_delimiter=csv["delimiter"],
        segment_column=csv["segment_column"],
        tracked_link=int(facts["tracked_link"]),
        place=" ".join(str(facts["place"]).split()),
        merge=merge,
        prelude=prelude or (lambda attrs: ""),
        choice=choice if facts.get("conditional") else None,
        unsubscribe_languages=tuple(facts.get("unsubscribe_languages", ())),
        tag_openers=tuple(facts["tag_openers"]),
        encodes_url=encodes_url or (lambda hole: True),
    )


@dataclass(frozen=True)
class UrlCopy:
    """A merge field inside a URL component, for an ESP that cannot percent-encode it: the
    contacts CSV holds each contact's value already encoded in `attr`, and the template
    merges `attr` as it is, the way the salutation travels."""

    name: str  # our field
    fallback: str | None
    attr: str  # the ESP attribute holding the copy

    def value(self, values: Mapping[str, str]) -> str:
        """The contact's value as the per-recipient build writes it in the URL: the same
        rule (merge_value: the fallback for a blank value) and the same MergeField.encode
        (RFC 3986 §2.1, every character but the unreserved ones percent-encoded). The
        result holds only unreserved characters and `%XX`, which no HTML escape alters, so
        the ESP's plain (escaping) tag writes it unchanged."""
        hole = MergeField(self.name, self.fallback, url="component")
        return hole.encode(merge_value(hole, values))


def quoted(text: str, quote: str = '"', escape: str = "\\") -> str:
    """`text` as a string literal between `quote`s, the quote and the escape character
    escaped with `escape` (AMPscript doubles the quote: escape='"')."""
    if escape != quote:
        text = text.replace(escape, escape + escape)
    return quote + text.replace(quote, escape + quote) + quote


def fallback_literal(hole: Hole, forbidden: tuple[str, ...], why: str) -> str:
    """The hole's fallback as template text (Hole.literal); NoEquivalentError when it holds
    one of `forbidden`, text the ESP's language would read as syntax (`why`)."""
    text = hole.literal(hole.fallback or "")
    bad = next((f for f in forbidden if f in text), None)
    if bad is not None:
        raise NoEquivalentError(
            _("the fallback {fallback} holds `{bad}`, {why}").format(
                fallback=repr(hole.fallback), bad=bad, why=_(why)
            ),
            hint=_("write the fallback without `{bad}`").format(bad=bad),
        )
    return text


def contact_choice(attr: str, branches: Sequence[tuple[str, str]], other: str) -> str:
    """The Jinja-like conditional Brevo and HubSpot (HubL) share, on a contact attribute:
    `{% if contact.X == "v1" %}…{% elif contact.X == "v2" %}…{% else %}…{% endif %}`."""
    tests = [
        f"{{% {'elif' if i else 'if'} contact.{attr} == {quoted(value)} %}}{text}"
        for i, (value, text) in enumerate(branches)
    ]
    return "".join(tests) + f"{{% else %}}{other}{{% endif %}}"


def no_url_encoding(hole: Hole, esp: str, why: str) -> None:
    """NoEquivalentError for a merge field inside a URL component (a path segment, query or
    fragment), which b2bmail's build percent-encodes (RFC 3986 §2.1) so that `&`, `#` or a
    space in a value cannot break the link, in an ESP whose language has no documented way
    to do so (`why`). The export reaches here only without the recipient list: with it, the
    field is merged from its pre-encoded copy (UrlCopy, Esp.needs_url_copy)."""
    if hole.url != "component":
        return
    raise NoEquivalentError(
        _(
            "the {esp} attribute {attr} is inside a URL, where b2bmail percent-encodes a value,"
            " and {why}"
        ).format(esp=esp, attr=hole.attr, why=why),
        hint=_(
            "pass --recipients LIST: b2bmail then writes each contact's value, percent-encoded,"
            " as a contact attribute the template merges in the URL"
        ),
    )
