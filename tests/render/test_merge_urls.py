"""Merge values inside URLs are percent-encoded for their place in the URL (RFC 3986), decided
once where the merge templates are split; checked on real per-recipient builds through the
CLI, each message parsed back with the email module."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from b2bmail.cli import main
from b2bmail.render.merge import (
    URL_SAFE,
    MergeField,
    MergeRegistry,
    UrlPlace,
    mark_url,
    mark_url_fields,
    percent_encode,
)

CAMPAIGN = """\
name: URL test
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "Pour {{ recipient.company }}"
preheader: "Nouvelles"
template: email.mjml
segments: segments.yaml
unsubscribe:
  url: "https://durand.example/u/{{ recipient.unsubscribe_token }}?e={{ recipient.email }}"
  mailto: "unsub@durand.example?subject=stop%20{{ recipient.email }}"
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
utm: {source: nl, medium: email}
"""
TEMPLATE = """\
<mjml>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>
        <p>Bonjour {{ recipient.company }}</p>
        <p><a href="https://shop.example/p?e={{ recipient.email }}&c={{ recipient.company }}#top">Boutique</a></p>
        <p><a href="https://shop.example/societe/{{ recipient.company }}/fiche">Fiche</a></p>
        <p><a href="mailto:{{ recipient.email }}?subject={{ recipient.company }}">Écrire</a></p>
        <p><a href="{{ recipient.website | fallback('https://durand.example/a b') }}">Site</a></p>
        <p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p>
      </mj-text>
      <mj-button href="https://shop.example/go?c={{ recipient.company }}">Go</mj-button>
      <mj-image src="https://img.example/{{ recipient.company }}.png" alt="logo" width="100px" />
    </mj-column></mj-section>
  </mj-body>
</mjml>
"""
SEGMENTS = """\
segments:
  - id: all
    name: All
    priority: 0
"""
EMAIL = "anne+news@acme.example"
COMPANY = "Dupont & Fils #1 ?x=y"
# RFC 3986 §2.1 by hand: every octet but the unreserved A-Z a-z 0-9 - . _ ~ as %XX.
EMAIL_PART = "anne%2Bnews%40acme.example"
COMPANY_PART = "Dupont%20%26%20Fils%20%231%20%3Fx%3Dy"
SECRET = "k"


def hand_token(address: str) -> str:
    """The manual's algorithm (docs/manual/recipients.md): HMAC-SHA256 of the lower-cased
    address, 16 bytes, base64url."""
    mac = hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("href", "src") and v]


def html_urls(html: str) -> list[str]:
    """href and src values as a browser reads them (entities decoded)."""
    parser = _Urls()
    parser.feed(html)
    return parser.urls


@pytest.fixture
def message(tmp_path: Path) -> EmailMessage:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    # The website as the template's fallback spells it (a column empty in every row is an
    # error): a whole URL with a space.
    (tmp_path / "list.csv").write_text(
        f"email;société;website\n{EMAIL};{COMPANY};https://durand.example/a b\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner(env={"B2BMAIL_UNSUBSCRIBE_SECRET": SECRET}).invoke(
        main,
        [
            "build",
            str(tmp_path / "campaign.yaml"),
            "--recipients",
            str(tmp_path / "list.csv"),
            "--per-recipient",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    (eml,) = out.rglob("*.eml")
    msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert isinstance(msg, EmailMessage)
    return msg


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_values_in_a_query_keep_plus_and_cannot_cut_or_shift_it(message: EmailMessage) -> None:
    _, html = _parts(message)
    (shop,) = [u for u in html_urls(html) if u.startswith("https://shop.example/p?")]
    parts = urlsplit(shop)
    assert parts.query.startswith(f"e={EMAIL_PART}&c={COMPANY_PART}&")
    query = parse_qs(parts.query)
    assert query["e"] == [EMAIL]  # not "anne news@…": `+` would decode as a space
    assert query["c"] == [COMPANY]  # `&`, `#`, `?` stay inside the value
    assert (query["utm_source"], query["utm_medium"], parts.fragment) == (["nl"], ["email"], "top")


def test_values_in_paths_buttons_images_and_mailto(message: EmailMessage) -> None:
    _, html = _parts(message)
    urls = html_urls(html)
    assert (
        f"https://shop.example/societe/{COMPANY_PART}/fiche?utm_source=nl&utm_medium=email" in urls
    )
    assert f"mailto:anne%2Bnews@acme.example?subject={COMPANY_PART}" in urls  # RFC 6068: `@` kept
    assert "https://durand.example/a%20b" in urls  # a whole URL keeps its structure
    assert f"https://img.example/{COMPANY_PART}.png" in urls
    buttons = [u for u in urls if u.startswith("https://shop.example/go?")]
    assert buttons and all(parse_qs(urlsplit(u).query)["c"] == [COMPANY] for u in buttons)
    # HTML text stays HTML-escaped.
    assert ">Bonjour Dupont &amp; Fils #1 ?x=y</p>" in html


def test_list_unsubscribe_and_the_footer_link_carry_the_encoded_values(
    message: EmailMessage,
) -> None:
    url = f"https://durand.example/u/{hand_token(EMAIL)}?e={EMAIL_PART}"
    mailto = f"mailto:unsub@durand.example?subject=stop%20{EMAIL_PART}"
    header = " ".join(str(message["List-Unsubscribe"]).split())
    assert header == f"<{url}>, <{mailto}>"
    assert parse_qs(urlsplit(url).query)["e"] == [EMAIL]
    text, html = _parts(message)
    assert url in html_urls(html)
    assert url in text


def test_plain_text_keeps_values_as_typed_and_links_encoded(message: EmailMessage) -> None:
    text, _ = _parts(message)
    flat = " ".join(text.split())
    assert f"Bonjour {COMPANY}" in flat
    assert f"Boutique (https://shop.example/p?e={EMAIL_PART}&c={COMPANY_PART}&" in flat
    assert message["Subject"] == f"Pour {COMPANY}"


@pytest.mark.parametrize(
    ("url", "place"),
    [
        ("{s}", "url"),
        ("  {s}", "url"),
        ("https://x.example/{s}", "component"),
        ("https://x.example/?a=1&amp;b={s}", "component"),
        ("mailto:{s}", "address"),
        ("MAILTO:{s},b@x.example", "address"),
        ("mailto:a@x.example?cc={s}", "component"),
        ("tel:{s}", "component"),
    ],
)
def test_the_place_in_the_url_is_read_from_what_comes_before(url: str, place: str) -> None:
    registry = MergeRegistry()
    sentinel = registry.sentinel(MergeField("v"))
    parts = registry.split(mark_url(url.format(s=sentinel))).parts
    assert [p.url for p in parts if isinstance(p, MergeField)] == [place]


def test_only_url_attributes_are_marked() -> None:
    registry = MergeRegistry()
    s = registry.sentinel(MergeField("v", "a b&c"))
    html = (
        f'<p title="{s}">{s} href="{s}"</p><a class="x" href="https://x.example/{s}">l</a>'
        f'<!--[if mso]><v:roundrect href="https://x.example/?q={s}"><![endif]-->'
    )
    merged = registry.split(mark_url_fields(html), html=True).render({})
    assert merged == (
        '<p title="a b&amp;c">a b&amp;c href="a b&amp;c"</p>'
        '<a class="x" href="https://x.example/a%20b%26c">l</a>'
        '<!--[if mso]><v:roundrect href="https://x.example/?q=a%20b%26c"><![endif]-->'
    )
    assert re.search("zQ9m", merged) is None


def test_a_whole_link_value_with_another_scheme_skips_only_its_row(tmp_path: Path) -> None:
    # A list value that is the whole href must not become a javascript: or data: link
    # (it would run code or show a forged page in webmail that allows it); http(s), mailto
    # and tel are links, a value without a scheme stays relative.
    from b2bmail.personalize.build import build_per_recipient

    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(
        "email;société;website\n"
        "a@acme.example;A;javascript:alert(1)\n"
        "b@acme.example;B;https://b.example/x\n"
        "c@acme.example;C; JavaScript:alert(1)\n"
        "d@acme.example;D;data:text/html,<h1>x</h1>\n"
        "e@acme.example;E;tel:+33100000000\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = build_per_recipient(
        tmp_path / "campaign.yaml",
        tmp_path / "list.csv",
        out_dir=out,
        environ={"B2BMAIL_UNSUBSCRIBE_SECRET": SECRET},
    )
    assert sorted(p.name.split("-", 1)[1] for p in out.rglob("*.eml")) == [
        "b@acme.example.eml",
        "e@acme.example.eml",
    ]
    assert [(i.row, i.kind) for i in report.issues] == [
        (2, "unsafe-url"),
        (4, "unsafe-url"),
        (5, "unsafe-url"),
    ]
    assert "'website' is a javascript: link" in report.issues[0].detail
    assert report.skipped == report.issues  # a build failure: exit 1 in the CLI


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("https://x.example/", True),
        ("HTTP://x.example/", True),
        ("mailto:a@x.example", True),
        ("tel:+331", True),
        ("x.example/page", True),
        ("javascript:alert(1)", False),
        ("vbscript:x", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_link_schemes_are_written_for_a_whole_url(value: str, safe: bool) -> None:
    from b2bmail.render.merge import UnsafeUrlValueError

    hole = MergeField("recipient.website", url="url", html=True)
    if safe:
        assert hole.encode(value)
    else:
        with pytest.raises(UnsafeUrlValueError):
            hole.encode(value)


# Expected spellings written out by hand from RFC 3986: §2.3 unreserved characters stay,
# every other octet is "%" and two upper-case hex digits (§2.1), UTF-8 first for non-ASCII.
@pytest.mark.parametrize(
    ("value", "place", "expected"),
    [
        ("AbCdEf-_09~.", "component", "AbCdEf-_09~."),
        ("anne.o'neil+news@acme.fr", "component", "anne.o%27neil%2Bnews%40acme.fr"),
        ("anne+news@acme.fr", "address", "anne%2Bnews@acme.fr"),
        ("100% a&b=c #x/y?", "component", "100%25%20a%26b%3Dc%20%23x%2Fy%3F"),
        ("%41%", "component", "%2541%25"),
        ('https://x.example/a b?c=%41&d="', "url", "https://x.example/a%20b?c=%41&d=%22"),
        ("Zoë <z>", "component", "Zo%C3%AB%20%3Cz%3E"),
        ("\x00\x1f\x7f", "component", "%00%1F%7F"),
        ("p.lemaire.0@mines-du-nord.example", "component", "p.lemaire.0%40mines-du-nord.example"),
        ("a@b@c", "address", "a@b@c"),
        ("a@b@c", "url", "a@b@c"),
        ("", "component", ""),
    ],
    ids=[
        "unreserved",
        "email",
        "mailto-address",
        "structure",
        "percent",
        "whole-url",
        "utf-8",
        "controls",
        "usual-address",
        "usual-mailto",
        "usual-url",
        "empty",
    ],
)
def test_percent_encoding_by_place(value: str, place: UrlPlace, expected: str) -> None:
    assert percent_encode(value, place) == expected


@pytest.mark.parametrize("place", ["url", "component", "address"])
def test_percent_encoding_of_each_ascii_character_is_urllibs(place: UrlPlace) -> None:
    # The one-pass encoder against urllib.parse.quote (the reference implementation), for
    # every ASCII character alone, doubled and next to an escape it must not re-escape.
    from urllib.parse import quote

    safe = {"url": URL_SAFE, "component": "", "address": "@"}[place]
    for code in range(128):
        for value in (chr(code), chr(code) * 2 + "%41", f"a{chr(code)}b"):
            assert percent_encode(value, place) == quote(value, safe=safe), repr(value)
