"""Each dialect writes the tags its ESP documents (the expected strings are copied from the
ESP's documentation, cited in src/b2bmail/data/esp.yaml), and the Gmail clip estimate."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.export.interpreters import INTERPRETERS

from b2bmail.export.dialect import Esp, Hole, UrlCopy, esp_facts
from b2bmail.export.writer import ESP_KEYS, GMAIL_CLIP_BYTES, EspExport, VariantFiles, get_esp


@pytest.mark.parametrize(
    ("esp", "attr", "expected"),
    [
        ("brevo", "FIRSTNAME", "{{ contact.FIRSTNAME }}"),
        ("mailchimp", "FNAME", "*|FNAME|*"),
        ("hubspot", "firstname", "{{ contact.firstname }}"),
        ("mailjet", "firstname", '[[data:firstname:""]]'),
        ("sendgrid", "first_name", "{{{first_name}}}"),
        ("sfmc", "FirstName", "%%=v(@FirstName)=%%"),
        ("listmonk", "FirstName", "{{ Safe .Subscriber.FirstName }}"),
    ],
)
def test_plain_field_in_text(esp: str, attr: str, expected: str) -> None:
    assert get_esp(esp).merge(Hole(attr, None, html=False, url="")) == expected


@pytest.mark.parametrize(
    ("esp", "expected"),
    [
        ("brevo", "{{ contact.FIRSTNAME|default:'Madame, Monsieur' }}"),
        ("mailchimp", "*|IF:FNAME|**|FNAME|**|ELSE:|*Madame, Monsieur*|END:IF|*"),
        (
            "hubspot",
            "{% if contact.firstname %}{{ contact.firstname }}{% else %}Madame, Monsieur{% endif %}",
        ),
        ("mailjet", '[[data:firstname:"Madame, Monsieur"]]'),
        ("sendgrid", "{{#if first_name}}{{{first_name}}}{{else}}Madame, Monsieur{{/if}}"),
        ("sfmc", '%%=v(IIF(Empty(@FirstName), "Madame, Monsieur", @FirstName))=%%'),
        ("listmonk", '{{ Safe (or .Subscriber.Attribs.first_name "Madame, Monsieur") }}'),
    ],
)
def test_default_field_names_and_fallbacks(esp: str, expected: str) -> None:
    dialect = get_esp(esp)
    hole = Hole(dialect.attribute("first_name", {}), "Madame, Monsieur", html=False, url="")
    assert dialect.merge(hole) == expected


@pytest.mark.parametrize(
    ("esp", "expected"),
    [
        ("brevo", '{% if contact.B2BMAIL_VARIANT == "v2" %}B{% else %}{% if contact.B2BMAIL_VARIANT == "v3" %}C{% else %}A{% endif %}{% endif %}'),
        ("mailchimp", "*|IF:B2BMAIL_VARIANT=v2|*B*|ELSEIF:B2BMAIL_VARIANT=v3|*C*|ELSE:|*A*|END:IF|*"),
        ("hubspot", '{% if contact.b2bmail_variant == "v2" %}B{% elif contact.b2bmail_variant == "v3" %}C{% else %}A{% endif %}'),
        ("sendgrid", '{{#equals b2bmail_variant "v2"}}B{{else}}{{#equals b2bmail_variant "v3"}}C{{else}}A{{/equals}}{{/equals}}'),
        ("sfmc", '%%[ IF @b2bmail_variant == "v2" THEN ]%%B%%[ ELSEIF @b2bmail_variant == "v3" THEN ]%%C%%[ ELSE ]%%A%%[ ENDIF ]%%'),
        ("listmonk", '{{ if eq .Subscriber.Attribs.b2bmail_variant "v2" }}B{{ else if eq .Subscriber.Attribs.b2bmail_variant "v3" }}C{{ else }}A{{ end }}'),
    ],
)  # fmt: skip
def test_conditional_on_the_variant_attribute(esp: str, expected: str) -> None:
    # The conditional each ESP documents (esp.yaml `conditional`, with its page).
    dialect = get_esp(esp)
    assert dialect.choice is not None
    attr = dialect.attribute("b2bmail_variant", {})
    assert dialect.choice(attr, [("v2", "B"), ("v3", "C")], "A") == expected


def test_mailjet_writes_no_conditional() -> None:
    # esp.yaml documents none it can mix with [[data:]] tags: one template per version.
    assert get_esp("mailjet").choice is None


def test_campaign_mapping_wins_over_the_default() -> None:
    assert get_esp("brevo").attribute("first_name", {"first_name": "PRENOM"}) == "PRENOM"
    assert get_esp("brevo").attribute("company.size", {}) == "COMPANY_SIZE"
    assert get_esp("hubspot").attribute("Job_Title", {}) == "job_title"


def test_html_places_escape_where_the_esp_does_not() -> None:
    # Handlebars `{{x}}` escapes (`{{{x}}}` does not).
    assert (
        get_esp("sendgrid").merge(Hole("first_name", None, html=True, url="")) == "{{first_name}}"
    )


def test_url_component_is_url_encoded_where_the_esp_can() -> None:
    hole = Hole("CITY", None, html=True, url="component")
    assert get_esp("mailchimp").merge(hole) == "*|URL:CITY|*"


def test_sfmc_quotes_are_doubled() -> None:
    hole = Hole("FirstName", 'Cher "client"', html=False, url="")
    assert get_esp("sfmc").merge(hole) == '%%=v(IIF(Empty(@FirstName), "Cher ""client""", @FirstName))=%%'  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr_FR", "[[UNSUB_LINK_FR]]"),
        ("nl_NL", "[[UNSUB_LINK_NL]]"),
        ("ja_JP", "[[UNSUB_LINK_EN]]"),
    ],
)
def test_mailjet_unsubscribe_link_per_language(locale: str, expected: str) -> None:
    assert get_esp("mailjet").unsubscribe_for(locale) == expected


def test_every_esp_cites_its_documentation() -> None:
    for key in ESP_KEYS:
        assert all(url.startswith("https://") for url in get_esp(key).docs)


@pytest.mark.parametrize("esp", ESP_KEYS)
def test_every_fact_says_where_it_was_checked(esp: str) -> None:
    # esp.yaml `checked`: per fact, the page it was checked against, or why it was not.
    checked = esp_facts()[esp]["checked"]
    assert set(checked) == {"merge", "fallback", "conditional", "escaping", "url", "unsubscribe"}
    for fact, where in checked.items():
        assert re.search(r"https://|not checked|none written|b2bmail", where), (esp, fact)


def _page(size: int, links: int) -> VariantFiles:
    link = '<a href="https://a.example/p">x</a>'  # the URL is 19 bytes
    filler = "x" * (size - links * len(link))
    return VariantFiles("v", "", "", filler + link * links, "")


@pytest.mark.parametrize(("extra", "clipped"), [(0, False), (1, True)])
def test_gmail_clip_estimate_at_the_limit(extra: int, clipped: bool) -> None:
    esp = get_esp("brevo")  # tracked links of 110 characters: +91 bytes per 19-byte URL
    files = _page(GMAIL_CLIP_BYTES - 2 * 91 + extra, links=2)
    assert files.tracked_bytes(esp) == GMAIL_CLIP_BYTES + extra
    assert (files.tracked_bytes(esp) > GMAIL_CLIP_BYTES) is clipped


def test_gmail_clip_estimate_is_made_once_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # README.txt gives each page's estimate and flags those over the clip: one estimate per
    # page, not one per page for each page listed (each estimate scans the whole HTML).
    sizes = {"at": GMAIL_CLIP_BYTES - 2 * 91, "past": GMAIL_CLIP_BYTES - 2 * 91 + 1, "under": 100}
    pages = [replace(_page(size, links=2), name=name) for name, size in sizes.items()]
    estimates: list[str] = []
    tracked_bytes = VariantFiles.tracked_bytes

    def counted(files: VariantFiles, esp: Esp) -> int:
        estimates.append(files.name)
        return tracked_bytes(files, esp)

    monkeypatch.setattr(VariantFiles, "tracked_bytes", counted)
    result = EspExport(get_esp("brevo"), tuple(pages))
    flags = [files.name in result.clipped for files in result.variants]
    assert flags == [False, True, False]
    assert result.tracked_sizes == (GMAIL_CLIP_BYTES, GMAIL_CLIP_BYTES + 1, 100 + 2 * 91)
    assert result.clipped == ("past",)
    assert estimates == ["at", "past", "under"]


# Each ESP's own tag delimiters, mixed into the values below: they must stay data.
_DELIMITERS = ["{{", "}}", "{%", "%}", "[[", "]]", "*|", "|*", "%%", "<%", "%>", '"', "'", ":"]
_URL_VALUES = st.lists(
    st.sampled_from(_DELIMITERS) | st.text(alphabet="aé &#%+/?=<>. ", max_size=4), max_size=6
).map("".join)


@pytest.mark.parametrize(
    ("esp_key", "html"),
    [
        ("brevo", True), ("brevo", False), ("hubspot", True), ("hubspot", False),
        ("sendgrid", True), ("sendgrid", False), ("mailjet", True), ("mailjet", False),
        ("listmonk", False),
    ],
)  # fmt: skip
@settings(max_examples=60, deadline=None)
@given(value=_URL_VALUES, fallback=st.sampled_from([None, "Aix en P."]))
def test_pre_encoded_copy_stays_data(
    esp_key: str, html: bool, value: str, fallback: str | None
) -> None:
    # A value inside a URL component, for an ESP that cannot encode it, travels as its
    # pre-encoded copy merged as it is: whatever delimiters it holds, the ESP prints the
    # percent-encoding RFC 3986 §2.1 gives (urllib's quote with no safe character, the
    # fallback when the value is blank).
    esp = get_esp(esp_key)
    assert esp.needs_url_copy(Hole("city", fallback, html=html, url="component"))
    attr = esp.url_copy_attribute("city", {})
    copy = UrlCopy("city", fallback, attr)
    template = esp.merge(Hole(attr, None, html=html, url=""))
    contact = {attr: copy.value({"city": value})}
    text = value.strip() or (fallback or "")
    expected = quote(text, safe="")
    assert INTERPRETERS[esp_key](template, contact, "u", html=html) == expected


def test_copy_attribute_follows_the_esp_naming() -> None:
    assert get_esp("brevo").url_copy_attribute("city", {}) == "CITY_URL"
    assert get_esp("brevo").url_copy_attribute("first_name", {}) == "FIRSTNAME_URL"
    assert get_esp("hubspot").url_copy_attribute("city", {"city": "ville"}) == "ville_url"
    assert get_esp("listmonk").url_copy_attribute("city", {}) == "city_url"
    # Mailchimp (*|URL:X|*) and SFMC (URLEncode) encode; listmonk's html/template encodes
    # a value in an HTML URL attribute itself: no copy.
    for key, html in (("mailchimp", True), ("sfmc", False), ("listmonk", True)):
        assert not get_esp(key).needs_url_copy(Hole("c", None, html=html, url="component"))
