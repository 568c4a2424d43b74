"""Dark-mode rules: B2B316 dark styles without color-scheme, B2B317 logo on a light backdrop,
B2B318 dark text on nothing in an email that declares a dark scheme."""

from __future__ import annotations

import pytest
from tests.lint.helpers import html_codes, lint_html, page

DARK_CSS = "<style>@media (prefers-color-scheme: dark) { .card { background: #111111 !important; } }</style>"
META = '<meta name="color-scheme" content="light dark">'
LOGO = '<img src="https://example.com/logo.png" alt="Acme" width="120" height="40">'


# B2B316 dark-styles-without-color-scheme


@pytest.mark.parametrize(
    "head",
    [
        META + DARK_CSS,
        '<meta name="supported-color-schemes" content="light dark">' + DARK_CSS,
        "<style>:root { color-scheme: light dark; }</style>" + DARK_CSS,
        "<style>:root{color-scheme:light dark}@media (prefers-color-scheme:dark){.c{color:#fff}}</style>",
    ],
    ids=["meta", "supported-meta", "root-css", "same-block-minified"],
)
def test_declared_scheme_with_dark_styles_is_fine(head: str) -> None:
    assert "B2B316" not in html_codes(page("<p>Hi</p>", head))


def test_declared_on_the_html_element_inline_is_fine() -> None:
    html = page("<p>Hi</p>", DARK_CSS).replace(
        '<html lang="en"', '<html style="color-scheme: light dark" lang="en"'
    )
    assert "B2B316" not in html_codes(html)


def test_names_are_read_in_any_case() -> None:
    upper_meta = '<meta name="Color-Scheme" content="light dark">' + DARK_CSS
    assert "B2B316" not in html_codes(page("<p>Hi</p>", upper_meta))
    upper_media = DARK_CSS.replace("prefers-color-scheme: dark", "PREFERS-COLOR-SCHEME: Dark")
    assert "B2B316" in html_codes(page("<p>Hi</p>", upper_media))


def test_dark_styles_without_any_declaration_are_flagged_at_the_media_block() -> None:
    problems = [p for p in lint_html(page("<p>Hi</p>", DARK_CSS)) if p.code == "B2B316"]
    assert len(problems) == 1
    assert problems[0].severity == "warning"
    assert 'content="light dark"' in problems[0].message
    # The line of the declaration inside the media block (the <style> is on line 1 here).
    assert problems[0].line == 1


def test_light_only_declaration_with_dark_styles_is_flagged() -> None:
    head = '<meta name="color-scheme" content="light only">' + DARK_CSS
    problems = [p for p in lint_html(page("<p>Hi</p>", head)) if p.code == "B2B316"]
    assert len(problems) == 1
    assert "light only" in problems[0].message


@pytest.mark.parametrize(
    "head",
    [
        "",
        "<style>@media (max-width: 600px) { .c { width: 100% !important; } }</style>",
        # Outlook.com reads no color-scheme (caniemail html-meta-color-scheme: outlook-com n).
        "<style>[data-ogsc] .c { color: #ffffff !important; }</style>",
        "<style>@media (prefers-color-scheme: light) { .c { color: #000 } }</style>",
    ],
    ids=["no-css", "responsive-only", "outlook-com-only", "light-query"],
)
def test_no_dark_media_query_is_not_flagged(head: str) -> None:
    assert "B2B316" not in html_codes(page("<p>Hi</p>", head))


# B2B317 logo-may-vanish-in-dark-mode


@pytest.mark.parametrize(
    "img",
    [
        LOGO,
        '<img src="https://e.com/a.gif" alt="Acme logo" width="1" height="1">',
        '<img src="https://e.com/brand.svg?v=2" alt="Acme" class="site-logo" width="1" height="1">',
        '<img src="https://e.com/a.webp" alt="Acme" id="LOGO" width="1" height="1">',
    ],
    ids=["src", "alt", "class-and-query", "id-webp"],
)
def test_logo_that_may_be_transparent_on_nothing_is_noted(img: str) -> None:
    problems = [p for p in lint_html(page(img)) if p.code == "B2B317"]
    assert len(problems) == 1
    assert problems[0].severity == "info"
    assert "cannot read the file" in problems[0].message


@pytest.mark.parametrize(
    ("wrapper", "noted"),
    [
        ('<td bgcolor="#ffffff">{}</td>', True),
        ('<td style="background-color: #f0f0f0">{}</td>', True),
        # A clearly light backdrop is 9:1 or more against black: #aaaaaa is 9.04:1, #a9a9a9
        # 8.94:1 (the WCAG relative luminance formula worked by hand).
        ('<td bgcolor="#aaaaaa">{}</td>', True),
        ('<td bgcolor="#a9a9a9">{}</td>', False),
        ('<td bgcolor="#2d3445">{}</td>', False),
        ('<td style="background: url(https://e.com/bg.jpg)">{}</td>', False),
        ('<td class="band">{}</td>', False),
    ],
    ids=[
        "white-bgcolor",
        "light-style",
        "aaaaaa-light",
        "a9a9a9-mid",
        "dark-band",
        "image",
        "style-rule",
    ],
)
def test_logo_backdrop(wrapper: str, noted: bool) -> None:
    body = '<table role="presentation"><tr>' + wrapper.format(LOGO) + "</tr></table>"
    head = "<style>.band { background-color: #2d3445; }</style>"
    assert ("B2B317" in html_codes(page(body, head))) is noted


def test_logo_swapped_by_dark_styles_is_not_noted() -> None:
    head = (
        META
        + "<style>@media (prefers-color-scheme: dark) { .light-img { display: none !important; } }</style>"
    )
    img = LOGO.replace("<img ", '<img class="light-img" ')
    assert "B2B317" not in html_codes(page(img, head))


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://e.com/logo.jpg" alt="Acme" width="1" height="1">',
        '<img src="https://e.com/logo.jpeg?x.png" alt="Acme" width="1" height="1">',
        '<img src="https://e.com/photo.png" alt="Excavator" width="1" height="1">',
    ],
    ids=["jpeg", "jpeg-with-query", "not-a-logo"],
)
def test_opaque_formats_and_other_images_are_not_noted(img: str) -> None:
    assert "B2B317" not in html_codes(page(img))


def test_no_image_is_not_noted() -> None:
    assert "B2B317" not in html_codes(page("<p>Hello</p>"))


# B2B318 dark-text-without-background


def test_dark_text_on_nothing_with_dark_scheme_is_noted() -> None:
    problems = [
        p
        for p in lint_html(page('<p style="color: #333333">Prices</p>', META))
        if p.code == "B2B318"
    ]
    assert len(problems) == 1
    assert problems[0].severity == "info"


@pytest.mark.parametrize(
    ("color", "noted"),
    [
        # 4.5:1 against black is the limit (WCAG 2.1 §1.4.3): #757575 is 4.56:1, #747474
        # 4.49:1 (the WCAG relative luminance formula worked by hand).
        ("#757575", False),
        ("#747474", True),
        ("#000000", True),
        ("#ffffff", False),
    ],
    ids=["757575-passes", "747474-fails", "black", "white"],
)
def test_dark_text_threshold(color: str, noted: bool) -> None:
    html = page(f'<p style="color: {color}">Prices</p>', META)
    assert ("B2B318" in html_codes(html)) is noted


@pytest.mark.parametrize(
    "body",
    [
        '<table role="presentation" bgcolor="#ffffff"><tr><td style="color: #333">Prices</td></tr></table>',
        '<div style="background-color: #fff"><p style="color: #333">Prices</p></div>',
        '<div class="card"><p style="color: #333">Prices</p></div>',
        '<p class="txt" style="color: #333">Prices</p>',
        "<p>Prices</p>",
    ],
    ids=["bgcolor-cell", "inline-background", "style-rule-background", "dark-restyle", "no-colour"],
)
def test_text_with_background_or_restyled_or_default_is_fine(body: str) -> None:
    head = (
        META
        + "<style>.card { background-color: #ffffff; }"
        + "@media (prefers-color-scheme: dark) { .txt { color: #eeeeee !important; } }</style>"
    )
    assert "B2B318" not in html_codes(page(body, head))


def test_body_background_covers_all_text() -> None:
    html = page('<p style="color: #333">Prices</p>', META).replace(
        "<body>", '<body bgcolor="#ffffff">'
    )
    assert "B2B318" not in html_codes(html)


def test_dark_text_without_a_dark_scheme_is_not_noted() -> None:
    # Without color-scheme Apple Mail keeps the light canvas; Outlook.com and Gmail recolour
    # the text together with the background.
    assert "B2B318" not in html_codes(page('<p style="color: #333333">Prices</p>'))
    light = '<meta name="color-scheme" content="light">'
    assert "B2B318" not in html_codes(page('<p style="color: #333333">Prices</p>', light))
