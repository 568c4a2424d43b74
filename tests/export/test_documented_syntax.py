"""Each fact checked against the ESP's own documentation (the page cited in
src/b2bmail/data/esp.yaml and in the dialect module) where b2bmail's first writing was
wrong: the expected text and values are those the page documents, run through the
interpreter of tests/export/interpreters.py, which follows the page, not our writer."""

from __future__ import annotations

import pytest
from tests.export.interpreters import (
    render_brevo,
    render_hubspot,
    render_listmonk,
    render_mailchimp,
    render_sendgrid,
    render_sfmc,
)

from b2bmail.export.dialect import Hole, NoEquivalentError
from b2bmail.export.writer import get_esp

UNSUB = "https://unsubscribe.esp.example/u"


def sfmc(hole: Hole, value: str) -> str:
    """An SFMC merge run as SFMC runs it: the SET block, then the inline expression."""
    esp = get_esp("sfmc")
    return render_sfmc(esp.prelude((hole.attr,)) + esp.merge(hole), {hole.attr: value}, UNSUB, html=hole.html)  # fmt: skip


def test_sfmc_urlencode_defaults_leave_a_bare_value_alone() -> None:
    # UrlEncode() reference: with boolEncodeAllStrings false (the default) only a URL
    # parameter string is converted; with boolEncodeAllChars false only its spaces.
    assert render_sfmc('%%[\nSET @c = AttributeValue("c")\n]%%\n%%=URLEncode(@c)=%%', {"c": "a b"}, UNSUB, html=False) == "a b"  # fmt: skip
    assert render_sfmc('%%=URLEncode("https://x.example/?q=a b")=%%', {}, UNSUB, html=False) == "https://x.example/?q=a%20b"  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 3986 §2.1/§2.5: UTF-8 bytes, `%XX`; every reserved character encoded.
        ("Saint-Étienne & Co=1#2", "Saint-%C3%89tienne%20%26%20Co%3D1%232"),
        ("50%+", "50%25%2B"),
        ("a/b?c", "a%2Fb%3Fc"),
    ],
)
def test_sfmc_url_component_is_fully_encoded(value: str, expected: str) -> None:
    assert sfmc(Hole("City", None, html=True, url="component"), value) == expected


def test_sfmc_fallback_in_a_url_component_is_encoded_too() -> None:
    assert sfmc(Hole("City", "Aix en P.", html=True, url="component"), "") == "Aix%20en%20P."


def test_sfmc_html_value_is_escaped_with_replace() -> None:
    # v() prints the value as stored; b2bmail's build HTML-escapes it (html.escape).
    hole = Hole("Company", None, html=True, url="")
    assert sfmc(hole, "O'Neil & <Co>") == "O&#x27;Neil &amp; &lt;Co&gt;"
    assert sfmc(Hole("Company", None, html=False, url=""), "O'Neil & <Co>") == "O'Neil & <Co>"


def test_brevo_default_filter_is_written_as_documented() -> None:
    # help.brevo.com filters article: `{{ contact.FIRSTNAME|default:'there' }}`.
    merge = get_esp("brevo").merge
    assert merge(Hole("FIRSTNAME", "there", html=True, url="")) == "{{ contact.FIRSTNAME|default:'there' }}"  # fmt: skip
    assert merge(Hole("FIRSTNAME", "l'équipe", html=True, url="")) == '{{ contact.FIRSTNAME|default:"l\'équipe" }}'  # fmt: skip
    assert render_brevo(merge(Hole("FIRSTNAME", "l'équipe", html=False, url="")), {}, UNSUB, html=False) == "l'équipe"  # fmt: skip


def test_brevo_fallback_with_both_quotes_has_no_equivalent() -> None:
    with pytest.raises(NoEquivalentError, match="both"):
        get_esp("brevo").merge(Hole("FIRSTNAME", 'l\'"équipe"', html=True, url=""))


def test_brevo_conditional_uses_only_documented_tags() -> None:
    # Brevo documents if/else/endif; a further value is an if nested in the else.
    choice = get_esp("brevo").choice
    assert choice is not None
    written = choice("V", [("v1", "A"), ("v2", "B")], "C")
    assert "elif" not in written
    for value, expected in [("v1", "A"), ("v2", "B"), ("v3", "C"), ("", "C")]:
        assert render_brevo(written, {"V": value}, UNSUB, html=True) == expected


def test_hubspot_email_token_takes_no_filter() -> None:
    # HubL filters apply to personalization tokens on pages, "not in emails".
    merge = get_esp("hubspot").merge
    assert merge(Hole("firstname", None, html=True, url="")) == "{{ contact.firstname }}"
    written = merge(Hole("firstname", "Madame, Monsieur", html=True, url=""))
    assert "|" not in written
    assert render_hubspot(written, {"firstname": ""}, UNSUB, html=True) == "Madame, Monsieur"
    assert render_hubspot(written, {"firstname": "Zoë"}, UNSUB, html=True) == "Zoë"


@pytest.mark.parametrize(
    ("esp", "html"),
    [
        ("hubspot", True),  # HubL filters do not apply to tokens in an email
        ("brevo", True),  # its filters article lists no URL encoding
        ("sendgrid", True),  # none of the helpers SendGrid lists encodes
        ("mailjet", True),  # [[data:…]] is inserted as stored
        ("listmonk", False),  # plain text: no URL context for html/template
    ],
)
def test_value_inside_a_url_without_documented_encoding_is_refused(esp: str, html: bool) -> None:
    with pytest.raises(NoEquivalentError, match="inside a URL"):
        get_esp(esp).merge(Hole("city", None, html=html, url="component"))


def test_mailchimp_fallback_inside_a_url_is_encoded_like_the_value() -> None:
    # *|URL:X|* encodes the value (merge tag cheat sheet); the fallback, written as text
    # in the ELSE branch, is percent-encoded by b2bmail as its build encodes it.
    written = get_esp("mailchimp").merge(Hole("CITY", "Aix en P.", html=True, url="component"))
    assert render_mailchimp(written, {"CITY": ""}, UNSUB, html=True) == "Aix%20en%20P."


def test_listmonk_plain_text_is_not_html_escaped() -> None:
    # listmonk compiles the alt body with html/template (models/campaigns.go), which
    # escapes what it prints; `Safe` adds a text "as it is" (listmonk.app/docs/templating).
    merge = get_esp("listmonk").merge
    value = {"company": "O'Neil & <Co>"}
    text = merge(Hole("company", None, html=False, url=""))
    assert render_listmonk(text, value, UNSUB, html=False) == "O'Neil & <Co>"
    html = merge(Hole("company", None, html=True, url=""))
    assert render_listmonk(html, value, UNSUB, html=True) == "O&#39;Neil &amp; &lt;Co&gt;"
    fallback = merge(Hole("company", "Vous & nous", html=False, url=""))
    assert render_listmonk(fallback, {"company": ""}, UNSUB, html=False) == "Vous & nous"


def test_sendgrid_whole_url_in_html_is_escaped() -> None:
    # Handlebars: {{x}} HTML-escapes, {{{x}}} does not; a `"` in a link value must not end
    # the href attribute (the build HTML-escapes a URL in HTML, then the browser decodes it).
    written = get_esp("sendgrid").merge(Hole("website", None, html=True, url="url"))
    assert written == "{{website}}"
    out = render_sendgrid(f'<a href="{written}">x</a>', {"website": 'https://x.example/?q="a"&b'}, UNSUB, html=True)  # fmt: skip
    assert out == '<a href="https://x.example/?q&#x3D;&quot;a&quot;&amp;b">x</a>'
