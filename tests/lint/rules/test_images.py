from __future__ import annotations

import pytest
from tests.lint.helpers import html_codes, lint_html, page

from b2bmail.i18n import using

GOOD = '<img src="https://example.com/a.png" alt="Acme" width="120" height="40">'
TEXT = "<p>" + "Spring prices on forty machines for your sites. " * 4 + "</p>"


@pytest.mark.parametrize(
    ("img", "code"),
    [
        ('<img src="https://example.com/a.png" width="120" height="40">', "B2B401"),
        ('<img src="https://example.com/a.png" alt="Acme" width="120">', "B2B402"),
        ('<img src="https://example.com/a.png" alt="Acme" height="" width="120">', "B2B402"),
        ('<img src="http://example.com/a.png" alt="Acme" width="120" height="40">', "B2B403"),
        ('<img src="images/a.png" alt="Acme" width="120" height="40">', "B2B404"),
        ('<img src="" alt="Acme" width="120" height="40">', "B2B404"),
        ('<img src="data:image/png;base64,AAAA" alt="Acme" width="120" height="40">', "B2B405"),
    ],
    ids=["no-alt", "no-height", "empty-height", "http", "relative", "empty-src", "base64"],
)
def test_bad_image(img: str, code: str) -> None:
    assert code in html_codes(page(img + TEXT))
    assert code not in html_codes(page(GOOD + TEXT))


def test_decorative_image_with_empty_alt_is_fine() -> None:
    assert "B2B401" not in html_codes(
        page('<img src="https://e.com/a.png" alt="" width="1" height="1">' + TEXT)
    )


def test_cid_and_merge_tag_sources_are_not_relative() -> None:
    body = '<img src="cid:logo" alt="Acme" width="1" height="1"><img src="{{ logo_url }}" alt="Acme" width="1" height="1">'
    assert "B2B404" not in html_codes(page(body + TEXT))


def test_images_only_and_little_text() -> None:
    assert "B2B406" in html_codes(page(GOOD))
    assert "B2B406" in html_codes(page(GOOD * 5 + "<p>Few words here.</p>"))
    assert "B2B406" not in html_codes(page(GOOD + TEXT))


def test_tracking_pixel_does_not_count_as_an_image() -> None:
    pixel = '<img src="https://e.com/o.gif" alt="" width="1" height="1">'
    assert "B2B406" not in html_codes(page(pixel + "<p>Hello there, a short text.</p>"))


# Issue 18: a finding's message is in the reader's language; the code, the name and the
# value it quotes are not translated. Expected texts written here, not read from fr.po/nl.po.
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            'image https://example.com/a.png has no alt text — describe it, or alt="" if decorative',
        ),
        (
            "fr",
            "l’image https://example.com/a.png n’a pas de texte alternatif — décrivez-la, "
            'ou alt="" si elle est décorative',
        ),
        (
            "nl",
            "afbeelding https://example.com/a.png heeft geen alt-tekst — beschrijf haar, "
            'of alt="" als ze decoratief is',
        ),
    ],
)
def test_missing_alt_message_in_each_language(language: str, expected: str) -> None:
    html = page('<img src="https://example.com/a.png" width="120" height="40">' + TEXT)
    with using(language):
        found = [p for p in lint_html(html) if p.code == "B2B401"]
    assert [(p.name, p.severity, p.message) for p in found] == [
        ("img-missing-alt", "error", expected)
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "image has no width or height attribute — set both in pixels"),
        ("fr", "l’image n’a ni attribut width ni attribut height — définissez les deux en pixels"),
        ("nl", "afbeelding heeft geen width- of height-attribuut — geef beide in pixels op"),
    ],
)
def test_missing_dimensions_message_in_each_language(language: str, expected: str) -> None:
    html = page('<img src="https://example.com/a.png" alt="Acme">' + TEXT)
    with using(language):
        messages = [p.message for p in lint_html(html) if p.code == "B2B402"]
    assert messages == [expected]
