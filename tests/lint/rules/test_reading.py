from __future__ import annotations

import pytest
from tests.lint.helpers import email_codes, html_codes, page

from b2bmail.lint.api import lint_email

BODY = '<p>Spring news.</p><a href="https://example.com/demo">Book a demo</a>'
PREHEADER = '<div style="display:none;max-height:0;overflow:hidden">Spring prices on 40 machines, valid until May.</div>'


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("", {"B2B101"}),
        ("Your March maintenance schedule", set()),
        ("x" * 61, {"B2B102"}),
        ("FREE DEMO FOR YOUR TEAM", {"B2B103"}),
        ("A free demo!!", {"B2B103"}),
        ("ROI of the new B2B portal", set()),
    ],
    ids=["missing", "good", "long", "capitals", "bangs", "acronyms-ok"],
)
def test_subject(subject: str, expected: set[str]) -> None:
    found = email_codes(html=page(PREHEADER + BODY), subject=subject)
    assert found & {"B2B101", "B2B102", "B2B103"} == expected


@pytest.mark.parametrize(
    ("subject", "flagged"),
    [("x" * 60, False), ("x" * 61, True), ("é" * 60, False), (" " + "x" * 60 + " ", False)],
    ids=["60", "61", "60-accented", "60-padded"],
)
def test_subject_length_at_the_limit_and_one_past(subject: str, flagged: bool) -> None:
    # Characters, not bytes: 60 accented letters are 120 UTF-8 bytes and still fit.
    problems = lint_email(html=page(PREHEADER + BODY), subject=subject, path="built")
    found = [(p.severity, p.message) for p in problems if p.code == "B2B102"]
    expected = ("warning", "subject is 61 characters; keep it under 60 so inboxes show all of it")
    assert found == ([expected] if flagged else [])


def test_bare_html_has_no_subject_to_check() -> None:
    assert "B2B101" not in html_codes(page(BODY))


def test_preheader_detected_or_given() -> None:
    assert "B2B104" in html_codes(page(BODY))
    assert "B2B104" not in html_codes(page(PREHEADER + BODY))
    assert "B2B104" not in email_codes(
        html=page(BODY), subject="Hi", preheader="Spring prices on 40 machines, valid until May."
    )


def test_preheader_max_height_hidden_like_cerberus() -> None:
    hidden = '<div style="max-height:0; overflow:hidden; mso-hide:all;" aria-hidden="true">Spring prices on 40 machines, valid until the end of May.</div>'
    assert "B2B104" not in html_codes(page(hidden + BODY))


@pytest.mark.parametrize(
    ("text", "bad"),
    [("Hi", True), ("x" * 200, True), ("Spring prices on 40 machines, valid until May.", False)],
    ids=["short", "long", "good"],
)
def test_preheader_length(text: str, bad: bool) -> None:
    found = email_codes(html=page(BODY), subject="Hi", preheader=text)
    assert ("B2B105" in found) is bad


def test_word_count() -> None:
    long_body = "<p>" + "word " * 400 + "</p>"
    assert "B2B106" in html_codes(page(BODY + long_body))
    assert "B2B106" not in html_codes(page(BODY))


def test_call_to_action_in_first_screen() -> None:
    late = "<p>" + "word " * 120 + '</p><a href="https://example.com/demo">Book a demo</a>'
    assert "B2B107" in html_codes(page(late))
    assert "B2B107" not in html_codes(page(BODY))


def test_view_in_browser_is_not_a_call_to_action() -> None:
    html = page('<a href="https://example.com/web">View in browser</a><p>Hello there.</p>')
    assert "B2B107" in html_codes(html)


def test_tall_images_end_the_first_screen() -> None:
    html = page(
        '<img src="https://example.com/a.jpg" alt="" width="600" height="700">'
        '<p>Hi.</p><a href="https://example.com/demo">Book a demo</a>'
    )
    assert "B2B107" in html_codes(html)


# The first screen's limit (B2B107's default, 80 words) at the limit and one past it, the
# words all after an HTML comment: a comment's own text is hidden, the text after it is not.
@pytest.mark.parametrize(("words", "flagged"), [(80, False), (81, True)], ids=["at", "past"])
def test_text_after_a_comment_counts_toward_the_first_screen(words: int, flagged: bool) -> None:
    html = page(
        '<table role="presentation"><tr><td><!-- hero -->'
        + "word " * words
        + '<a class="button" href="https://example.com/demo">Book a demo</a></td></tr></table>'
    )
    assert ("B2B107" in html_codes(html)) is flagged
