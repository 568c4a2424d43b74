from __future__ import annotations

import re

import pytest
from tests.lint.helpers import html_codes, lint_html, message_codes, page

from b2bmail.i18n import using
from b2bmail.lint.sources import estimate_encoded_size


def big_page(kb: int) -> str:
    paragraph = "<p>Heavy equipment for your sites, serviced by our team in your region.</p>\n"
    return page(paragraph * (kb * 1024 // len(paragraph) + 1))


@pytest.mark.parametrize(
    ("kb", "expected"),
    [(40, set()), (95, {"B2B001"}), (110, {"B2B002"})],
    ids=["small", "near-clip", "clipped"],
)
def test_clip_point(kb: int, expected: set[str]) -> None:
    assert html_codes(big_page(kb)) & {"B2B001", "B2B002"} == expected


def test_size_is_measured_encoded() -> None:
    # é takes 2 bytes in UTF-8 and 6 once quoted-printable encoded ("=C3=A9").
    html = "é" * 1000
    assert estimate_encoded_size(html) >= 6000


def test_eml_measures_the_encoded_html_part() -> None:
    body = "<p>" + "=" * 40000 + "</p>"  # each "=" becomes "=3D": 3 bytes in the message
    raw = (
        "From: a@example.com\nSubject: Hi\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        + body.replace("=", "=3D")
    )
    assert "B2B002" in message_codes(raw)


def test_style_block_over_16_kb() -> None:
    rule = ".c { color: #333333; }\n"
    assert "B2B003" in html_codes(page("<p>Hi</p>", f"<style>{rule * 800}</style>"))
    assert "B2B003" not in html_codes(page("<p>Hi</p>", f"<style>{rule * 100}</style>"))


def test_threshold_from_config() -> None:
    problems = lint_html(big_page(40), **{"html-warning-kb": 30})
    assert "B2B001" in {p.code for p in problems}


def test_clip_message_in_french_says_the_size_in_french() -> None:
    # Was "l’e-mail fait 120.4 KB (HTML, quoted-printable encoded), …": English in the middle.
    with using("fr"):
        (problem,) = [p for p in lint_html(big_page(110)) if p.code == "B2B002"]
    assert re.match(
        r"l’e-mail fait 1[01]\d,\d Ko \(HTML, encodé en quoted-printable\), au-delà du seuil de"
        r" troncature de Gmail \(102 Ko\)",
        problem.message,
    ), problem.message
