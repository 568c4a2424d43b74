from __future__ import annotations

import pytest
from tests.lint.helpers import html_codes, lint_html, page


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('<div style="display:flex"><p>a</p></div>', "B2B301"),
        ('<div style="display: inline-grid"><p>a</p></div>', "B2B301"),
        ('<div style="position:absolute"><p>a</p></div>', "B2B302"),
        ('<table role="presentation" style="float:right"><tr><td>a</td></tr></table>', "B2B302"),
        ('<div style="max-width:600px"><p>a</p></div>', "B2B303"),
        ('<td style="background-image:url(https://e.com/b.jpg)">a</td>', "B2B304"),
        ('<p style="color: var(--c)">a</p>', "B2B305"),
        ('<p style="color: rgb(0 0 0)">a</p>', "B2B306"),
        ('<div style="width:600px;margin:0 auto"><p>a</p></div>', "B2B307"),
        ('<p style="margin-left:-10px">a</p>', "B2B307"),
        (
            '<div><img src="https://e.com/a.png" alt="" style="display:block; margin:0 auto"></div>',
            "B2B307",
        ),
        ('<p><img src="https://e.com/a.png" alt="" style="margin-left:-10px"></p>', "B2B307"),
        ('<p style="font-family: Roboto">a</p>', "B2B308"),
        ('<p style="border-radius: 4px">a</p>', "B2B309"),
        ('<p style="opacity: 0.5">a</p>', "B2B310"),
        ("<form><p>a</p></form>", "B2B311"),
        ("<svg></svg><p>a</p>", "B2B311"),
        ('<p><abbr title="Return on investment">ROI</abbr></p>', "B2B315"),
        ("<style>p{color:red}</style><p>a</p>", "B2B313"),
        ('<table role="presentation" width="700"><tr><td>a</td></tr></table>', "B2B314"),
    ],
)
def test_bad(body: str, code: str) -> None:
    assert code in html_codes(page(body))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('<table role="presentation" width="600"><tr><td>a</td><td>b</td></tr></table>', "B2B301"),
        ('<img src="https://e.com/a.png" alt="" width="10" height="10" align="left">', "B2B302"),
        (
            '<img src="https://e.com/a.png" alt="" width="600" height="10" style="max-width:600px">',
            "B2B303",
        ),
        (
            '<div style="max-width:600px"><!--[if mso]><table width="600"><tr><td><![endif]--><p>a</p>'
            "<!--[if mso]></td></tr></table><![endif]--></div>",
            "B2B303",
        ),
        ('<p style="color: rgb(0, 0, 0)">a</p>', "B2B306"),
        (
            '<table role="presentation" width="600" align="center" style="margin:0 auto"><tr><td>a</td></tr></table>',
            "B2B307",
        ),
        (
            '<center><table role="presentation" style="margin:0 auto"><tr><td>a</td></tr></table>'
            "</center>",
            "B2B307",
        ),
        (
            '<table role="presentation"><tr><td style="text-align:center; margin:0 auto">a</td>'
            "</tr></table>",
            "B2B307",
        ),
        (
            '<p><img src="https://e.com/a.png" alt="" width="9" height="9" style="margin:0 auto"></p>',
            "B2B307",
        ),
        ('<p style="font-family: Roboto, Arial, sans-serif">a</p>', "B2B308"),
        ('<table role="presentation" width="600"><tr><td>a</td></tr></table>', "B2B314"),
    ],
)
def test_good(body: str, code: str) -> None:
    assert code not in html_codes(page(body))


def test_content_inside_mso_conditional_is_outlooks_own() -> None:
    vml = (
        '<td style="background-image:url(https://e.com/b.jpg)"><!--[if gte mso 9]>'
        '<v:rect style="position:absolute;width:600px;display:flex"><v:fill src="https://e.com/b.jpg"/>'
        "<![endif]--><p>a</p></td>"
    )
    found = html_codes(page(f'<table role="presentation"><tr>{vml}</tr></table>'))
    assert not found & {"B2B301", "B2B302", "B2B304"}


def test_not_mso_and_mso_hide_content_is_not_outlooks_concern() -> None:
    body = (
        '<!--[if !mso]><!--><div style="display:flex"><p>a</p></div><!--<![endif]-->'
        '<div style="mso-hide:all"><p style="position:absolute">b</p></div>'
    )
    assert not html_codes(page(body)) & {"B2B301", "B2B302"}


def test_media_queries_are_not_outlooks_concern() -> None:
    head = "<style>@media (max-width: 600px) { .col { display: flex !important; float: none; } }</style>"
    assert not html_codes(page("<p>a</p>", head)) & {"B2B301", "B2B302"}
    outside = "<style>.col { display: flex; }</style>"
    problems = [p for p in lint_html(page("<p>a</p>", outside)) if p.code == "B2B301"]
    assert problems and problems[0].line == 1


def test_external_stylesheet_and_font_services() -> None:
    sheet = '<link rel="stylesheet" href="https://example.com/a.css">'
    fonts = '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
    assert any(
        p.code == "B2B312" and p.severity == "error" for p in lint_html(page("<p>a</p>", sheet))
    )
    font_problems = [p for p in lint_html(page("<p>a</p>", fonts)) if p.code == "B2B312"]
    assert [p.severity for p in font_problems] == ["info"]
    imported = "<style>@import url('https://example.com/x.css');</style>"
    assert "B2B312" in html_codes(page("<p>a</p>", imported))


def test_unsupported_element_hidden_from_outlook_is_fine() -> None:
    body = "<!--[if !mso]><!--><p><abbr title='x'>ROI</abbr></p><!--<![endif]-->"
    assert "B2B315" not in html_codes(page(body))


def test_mjml_section_background_has_its_vml_fallback() -> None:
    # MRML writes the <v:rect> before the section's outer <div>, two levels above the
    # <table background=…> that carries the image too.
    from mjml import mjml2html

    mjml = (
        '<mjml><mj-body><mj-section background-url="https://example.com/bg.jpg" '
        'background-color="#222222"><mj-column><mj-text color="#ffffff">Hello</mj-text>'
        "</mj-column></mj-section></mj-body></mjml>"
    )
    html = str(mjml2html(mjml))
    assert 'background="https://example.com/bg.jpg"' in html and "<v:rect" in html
    assert "B2B304" not in html_codes(html)


def test_vml_before_an_earlier_sibling_does_not_cover_a_background() -> None:
    vml = '<!--[if gte mso 9]><v:rect fill="true"><v:fill src="https://e.com/b.jpg"/><![endif]-->'
    body = (
        f'<div>{vml}<p>a</p><table role="presentation" background="https://e.com/c.jpg">'
        "<tr><td>b</td></tr></table></div>"
    )
    assert "B2B304" in html_codes(page(body))
