from __future__ import annotations

import pytest
from tests.lint.helpers import html_codes, lint_html, lint_message_text, message_codes, page

from b2bmail.lint.problem import Problem

ADDRESS = "<p>Acme Machines, 12 rue de la Gare, 69002 Lyon, France</p>"
UNSUB = '<a href="https://example.com/u">Unsubscribe</a>'


def message(headers: str, body: str = page(UNSUB + ADDRESS)) -> str:
    return f"{headers}\nContent-Type: text/html; charset=utf-8\n\n{body}"


def severities(problems: list[Problem]) -> dict[str, str]:
    """Code -> severity of the compliance problems (B2B7xx) found."""
    return {p.code: p.severity for p in problems if p.code.startswith("B2B7")}


GOOD_HEADERS = (
    "From: Acme <news@acme.com>\nReply-To: sales@acme.com\nSubject: Spring catalogue\n"
    "List-Unsubscribe: <https://acme.com/u/1>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click"
)


@pytest.mark.parametrize(
    "word",
    ["Unsubscribe", "Se désinscrire", "Abmelden", "Uitschrijven", "opt out", "*|UNSUB|*"],
)
def test_unsubscribe_words(word: str) -> None:
    assert "B2B701" not in html_codes(page(f'<a href="https://e.com/x">{word}</a>'))


def test_no_unsubscribe_is_an_error_in_a_message_and_a_warning_in_bare_html() -> None:
    assert severities(lint_message_text(message(GOOD_HEADERS, page(ADDRESS)))) == {
        "B2B701": "error"
    }
    assert severities(lint_html(page(ADDRESS))) == {"B2B701": "warning"}


def test_list_unsubscribe_headers() -> None:
    assert not message_codes(message(GOOD_HEADERS)) & {"B2B702", "B2B704", "B2B705", "B2B706"}
    found = severities(lint_message_text(message("From: a@acme.com\nSubject: Hi")))
    assert found["B2B702"] == "error"
    mailto_only = "From: a@acme.com\nSubject: Hi\nList-Unsubscribe: <mailto:u@acme.com>"
    assert severities(lint_message_text(message(mailto_only)))["B2B702"] == "error"
    no_post = "From: a@acme.com\nSubject: Hi\nList-Unsubscribe: <https://acme.com/u>"
    assert severities(lint_message_text(message(no_post)))["B2B702"] == "error"


@pytest.mark.parametrize(
    "value",
    [
        "List-Unsubscribe=One-Clik",
        "List-Unsubscribe=One-Click-Now",
        "List-Unsubscribe",
        "One-Click",
        "List-Unsubscribe=One-Click, List-Unsubscribe=One-Click",
    ],
    ids=["typo", "longer", "key-only", "value-only", "twice"],
)
def test_list_unsubscribe_post_must_be_exactly_the_one_click_pair(value: str) -> None:
    # RFC 8058 §3.1: the header holds the single key/value pair "List-Unsubscribe=One-Click".
    headers = GOOD_HEADERS.replace("List-Unsubscribe=One-Click", value)
    problems = [p for p in lint_message_text(message(headers)) if p.code == "B2B702"]
    assert [(p.severity, p.line, p.message) for p in problems] == [
        ("error", 5, "add List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058 §3.1)")
    ]


def test_list_unsubscribe_written_as_encoded_words() -> None:
    # What Python's email writes for a URL longer than a line: decoded, it looks right, but
    # encoded-words are not allowed there (RFC 2047 §5) and clients find no URL.
    encoded = GOOD_HEADERS.replace(
        "List-Unsubscribe: <https://acme.com/u/1>",
        "List-Unsubscribe: =?utf-8?q?=3Chttps=3A//acme=2Ecom/u/1?=\n =?utf-8?q?=3E?=",
    )
    problems = [p for p in lint_message_text(message(encoded)) if p.code == "B2B702"]
    assert [(p.severity, p.message.split(",")[0]) for p in problems] == [
        ("error", "List-Unsubscribe is written as RFC 2047 encoded-words")
    ]
    assert problems[0].line == 4 and problems[0].part == "headers"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Acme Machines, 12 rue de la Gare, 69002 Lyon, France", True),
        ("Acme Inc., 500 Main Street, Springfield, OR 97477", True),
        ("Acme GmbH, Hauptstraße 5, 10115 Berlin", True),
        ("Acme BV, Keizersgracht 1, 1015 CJ Amsterdam", True),
        ("Acme Ltd, 10 Downing Road, London SW1A 2AA", True),
        ("Acme Inc., 123 Main St. Springfield, MA 01101", True),
        ("Acme Inc., 9 Mill Rd. Austin, TX 73301", True),
        ("Acme Inc., 4 Lake Dr. Reno, NV 89501", True),
        ("Acme Inc., 77 Sunset Blvd. Los Angeles, CA 90028", True),
        ("Acme SA, 3 Av. Foch, 75016 Paris", True),
        ("Acme GmbH, Linden Str. 5, 10115 Berlin", True),
        ("Thanks for reading.", False),
    ],
    ids=[
        "fr",
        "us",
        "de",
        "nl",
        "uk",
        "st-dot",
        "rd-dot",
        "dr-dot",
        "blvd-dot",
        "av-dot",
        "str-dot",
        "none",
    ],
)
def test_postal_address(text: str, found: bool) -> None:
    assert ("B2B703" not in html_codes(page(f"<p>{text}</p>"))) is found


def test_postal_address_on_lines_of_its_own() -> None:
    # Each line of the address ends with <br>: without a space between them the street word
    # is glued to the town ("StreetSpringfield") and no address is found.
    footer = "<p>Acme Inc.<br>500 Main Street<br>Springfield, OR 97477</p>"
    assert "B2B703" not in html_codes(page(footer))


@pytest.mark.parametrize(
    ("headers", "code", "severity"),
    [
        ("Subject: Hi", "B2B704", "error"),
        ("From: Acme\nSubject: Hi", "B2B704", "error"),
        ("From: a@acme.com, b@acme.com\nSubject: Hi", "B2B704", "error"),
        ("From: a@acme.com\nReply-To: sales at acme\nSubject: Hi", "B2B705", "error"),
        ("From: noreply@acme.com\nSubject: Hi", "B2B706", "info"),
    ],
    ids=["from-missing", "from-no-address", "from-two", "reply-to-bad", "noreply"],
)
def test_sender_headers(headers: str, code: str, severity: str) -> None:
    assert severities(lint_message_text(message(headers)))[code] == severity


def test_a_missing_postal_address_is_a_warning() -> None:
    assert severities(lint_html(page(UNSUB))) == {"B2B703": "warning"}


def test_header_problems_point_at_header_lines() -> None:
    from b2bmail.lint.api import lint_message

    raw = message("Subject: Hi\nFrom: a@acme.com\nReply-To: broken")
    problem = next(p for p in lint_message(raw.encode(), "t.eml") if p.code == "B2B705")
    assert (problem.part, problem.line, problem.snippet) == ("headers", 3, "Reply-To: broken")
