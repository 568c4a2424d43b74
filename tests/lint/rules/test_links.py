from __future__ import annotations

import pytest
from tests.lint.helpers import email_codes, html_codes, lint_html, message_codes, page


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ('<a href="">Book</a>', "B2B601"),
        ('<a href="#">Book</a>', "B2B601"),
        ('<a href="javascript:void(0)">Book</a>', "B2B602"),
        ('<a href="http://example.com">Book</a>', "B2B603"),
        ('<a href="https://bit.ly/abc">Book</a>', "B2B604"),
        ('<a href="https://click.tracker.net/x">www.acme.com</a>', "B2B605"),
        ('<a href="{{ url }}">Book</a>', "B2B606"),
    ],
    ids=["empty", "hash", "javascript", "http", "shortener", "domain-mismatch", "template-href"],
)
def test_bad_link(link: str, code: str) -> None:
    assert code in html_codes(page(link))


@pytest.mark.parametrize(
    "link",
    [
        '<a href="https://www.acme.com/">www.acme.com</a>',
        '<a href="https://shop.acme.com/x">acme.com</a>',
        '<a href="mailto:sales@acme.com">sales@acme.com</a>',
        '<a href="https://example.com/demo">Book a demo</a>',
    ],
    ids=["same-domain", "subdomain", "mailto", "plain"],
)
def test_good_link(link: str) -> None:
    assert not html_codes(page(link)) & {"B2B601", "B2B602", "B2B603", "B2B604", "B2B605", "B2B606"}


@pytest.mark.parametrize(
    "syntax", ["{{ first_name }}", "{% if x %}", "*|FNAME|*", "%%First%%", "[[name]]"]
)
def test_template_syntax_everywhere(syntax: str) -> None:
    problems = [p for p in lint_html(page(f"<p>Dear {syntax},</p>")) if p.code == "B2B606"]
    assert problems and problems[0].severity == "warning"  # a bare file may be a template
    assert problems[0].snippet.find(syntax) >= 0
    built = email_codes(html=page("<p>Hi</p>"), text=f"Dear {syntax}", subject=f"News {syntax}")
    assert "B2B606" in built


def test_template_syntax_in_message_is_an_error() -> None:
    raw = "From: a@example.com\nSubject: Hi {{name}}\nContent-Type: text/html\n\n<p>Hi</p>"
    assert "B2B606" in message_codes(raw)
    from b2bmail.lint.api import lint_message

    severities = {p.severity for p in lint_message(raw.encode(), "t.eml") if p.code == "B2B606"}
    assert severities == {"error"}


def test_template_syntax_in_a_plain_comment_is_not_flagged() -> None:
    html = page("<!-- {{ first_name }} goes here --><p>Dear Claire,</p><!--\n{% endif %}\n-->")
    assert "B2B606" not in html_codes(html)


def test_template_syntax_in_a_conditional_comment_is_flagged() -> None:
    # Outlook for Windows renders what an MSO conditional comment holds.
    html = page("<!--[if mso]><p>Dear {{ first_name }},</p><![endif]--><p>Hi</p>")
    problems = [p for p in lint_html(html) if p.code == "B2B606"]
    assert [p.message for p in problems] == [
        "unresolved template syntax '{{ first_name }}' — fill or remove it"
    ]
