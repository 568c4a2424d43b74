from __future__ import annotations

import pytest
from tests.lint.helpers import html_codes, lint_html, page


def test_document_level_checks_on_a_bare_fragment() -> None:
    found = html_codes("<p>Hello</p>")
    assert {"B2B501", "B2B502", "B2B503", "B2B504", "B2B505"} <= found


def test_well_formed_page_passes_document_checks() -> None:
    found = html_codes(page("<p>Hello</p>"))
    assert not found & {"B2B501", "B2B502", "B2B503", "B2B504", "B2B505"}


def test_http_equiv_charset_counts() -> None:
    html = '<html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body><p>a</p></body></html>'
    assert "B2B504" not in html_codes(html)


def test_lang_und_is_no_language() -> None:
    # BCP 47 "und" (undetermined, RFC 5646 §4.1), which MJML writes for <mjml> without lang.
    assert "B2B501" in html_codes(page("<p>Hello</p>").replace('lang="en"', 'lang="und"'))


def test_empty_title() -> None:
    assert "B2B503" in html_codes(
        '<html lang="en"><head><title> </title></head><body>a</body></html>'
    )


@pytest.mark.parametrize(
    ("table", "bad"),
    [
        ("<table><tr><td>a</td></tr></table>", True),
        ('<table role="presentation"><tr><td>a</td></tr></table>', False),
        ("<table><tr><th>Item</th><th>Price</th></tr><tr><td>a</td><td>1</td></tr></table>", False),
    ],
    ids=["layout", "presentation", "data-table"],
)
def test_table_role(table: str, bad: bool) -> None:
    assert ("B2B506" in html_codes(page(table))) is bad


@pytest.mark.parametrize(
    "text", ["click here", "Cliquez ici", "hier klicken", "klik hier", "Read more", "here", "ici"]
)
def test_vague_link_text(text: str) -> None:
    assert "B2B507" in html_codes(page(f'<a href="https://e.com/p">{text}</a>'))


def test_descriptive_link_text() -> None:
    assert "B2B507" not in html_codes(page('<a href="https://e.com/p">See the spring prices</a>'))


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ('<p style="color:#aaaaaa">Light grey</p>', True),
        ('<p style="color:#595959">Dark grey</p>', False),
        ('<td bgcolor="#222222"><p style="color:#333333">Dark on dark</p></td>', True),
        (
            '<td style="background-color:#222222"><p style="color:#ffffff">White on dark</p></td>',
            False,
        ),
        ('<div style="color:#ffffff"><p>inherited white on white</p></div>', True),
        ('<p style="color:#949494;font-size:28px">Large text needs 3:1</p>', False),
        ("<p>No colour set inline: not judged</p>", False),
    ],
    ids=["light", "dark", "bgcolor", "white-on-dark", "inherited", "large-text", "unset"],
)
def test_contrast(body: str, bad: bool) -> None:
    html = page(f'<table role="presentation"><tr><td>{body}</td></tr></table>')
    assert ("B2B508" in html_codes(html)) is bad


def _wcag_contrast(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours, written out from the definitions of
    relative luminance and contrast ratio (WCAG 2.1, "Definitions"), not from the linter."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("color", "low", "high", "flagged"),
    [("#6466ee", 4.49, 4.4999, True), ("#6366ee", 4.5, 4.501, False)],
    ids=["4.49", "4.5"],
)
def test_contrast_at_the_limit_and_just_under(
    color: str, low: float, high: float, flagged: bool
) -> None:
    # Two blues one step of red apart, on the default white: WCAG 2.1 §1.4.3 asks "at least
    # 4.5:1", and 4.49 does not round up to it.
    assert low <= _wcag_contrast(color, "#ffffff") < high
    body = (
        f'<table role="presentation"><tr><td><p style="color:{color}">Prices</p></td></tr></table>'
    )
    found = [(p.severity, p.message) for p in lint_html(page(body)) if p.code == "B2B508"]
    expected = (
        "warning",
        "text contrast is 4.49:1, under 4.5:1 — darken the text or lighten the background",
    )
    assert found == ([expected] if flagged else [])


def test_small_text_inherited() -> None:
    assert "B2B509" in html_codes(page('<div style="font-size:12px"><p>small</p></div>'))
    assert "B2B509" not in html_codes(page('<div style="font-size:16px"><p>fine</p></div>'))
    assert "B2B509" in html_codes(page('<p style="font-size:9pt">points</p>'))


IMAGE_MESSAGE = (
    "text over a background image with no fallback colour: with images off it is 1.00:1 — "
    "add a background-color (or bgcolor) close to the image's"
)


@pytest.mark.parametrize(
    ("cell", "messages"),
    [
        ('<td style="background-image: url(https://e.com/b.jpg)">', [IMAGE_MESSAGE]),
        ("<td style=\"background: url('https://e.com/b.jpg') no-repeat\">", [IMAGE_MESSAGE]),
        ('<td background="https://e.com/b.jpg">', [IMAGE_MESSAGE]),
        ('<td style="background: #222222 url(https://e.com/b.jpg)">', []),
        ('<td bgcolor="#222222" background="https://e.com/b.jpg">', []),
        ('<td bgcolor="#222222" style="background-image: url(https://e.com/b.jpg)">', []),
    ],
    ids=["css-image", "css-shorthand", "attribute", "css-colour", "bgcolor", "bgcolor-css-image"],
)
def test_white_text_over_a_background_image(cell: str, messages: list[str]) -> None:
    body = f'<table role="presentation"><tr>{cell}<p style="color: #ffffff">Spring</p></td></tr></table>'
    found = [p.message for p in lint_html(page(body)) if p.code == "B2B508"]
    assert found == messages
