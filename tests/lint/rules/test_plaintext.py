from __future__ import annotations

from tests.lint.helpers import email_codes, message_codes, page

HTML = page(
    '<p>Our spring catalogue has forty machines at new prices.</p><a href="https://example.com/demo">Book a demo</a>'
)


def test_eml_without_text_part() -> None:
    raw = f"From: a@example.com\nSubject: Hi\nContent-Type: text/html; charset=utf-8\n\n{HTML}"
    assert "B2B201" in message_codes(raw)


def test_built_email_with_text_part() -> None:
    text = "Our spring catalogue has forty machines at new prices.\nBook a demo: https://example.com/demo"
    found = email_codes(html=HTML, text=text, subject="Hi")
    assert not found & {"B2B201", "B2B202", "B2B203"}


def test_empty_and_short_text_part() -> None:
    assert "B2B202" in email_codes(html=HTML, text="", subject="Hi")
    assert "B2B202" in email_codes(html=HTML, text="See the web version.", subject="Hi")


def test_link_missing_from_text() -> None:
    text = "Our spring catalogue has forty machines at new prices. Book a demo on our site."
    assert "B2B203" in email_codes(html=HTML, text=text, subject="Hi")
