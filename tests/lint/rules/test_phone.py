from __future__ import annotations

from pathlib import Path

import pytest
from tests.lint.helpers import html_codes, lint_html, page

from b2bmail.campaign import render_campaign

HEAVY = Path(__file__).resolve().parents[3] / "examples" / "heavy-equipment" / "campaign.yaml"


def two_columns(padding_right: int) -> str:
    # "0" is 556/1000 em in the Helvetica/Arial AFM: 139 px at 250 px. Each column is
    # 139 + 10 + padding_right px wide.
    cell = f'<td style="font-size:250px;padding:0 {padding_right}px 0 10px">0</td>'
    return page(f"<table><tr>{cell}{cell}</tr></table>")


@pytest.mark.parametrize(
    ("padding_right", "flagged"), [(11, False), (12, True)], ids=["320px-limit", "322px"]
)
def test_table_min_width_at_the_phone_width(padding_right: int, flagged: bool) -> None:
    assert ("B2B108" in html_codes(two_columns(padding_right))) is flagged


def test_phone_width_is_a_threshold() -> None:
    assert "B2B108" not in html_codes(two_columns(12), **{"phone-width-px": 322})


def test_no_break_spaces_hold_a_word_together() -> None:
    # At 50 px "0" is 27.8 px and a space 13.9 px (AFM 556 and 278). Five cells "00 00":
    # joined by U+00A0 each is one 125.1 px word (625.5 px > 320); with a plain space the
    # longest word is "00", 55.6 px (278 px <= 320).
    held = '<td style="font-size:50px">00\xa000</td>' * 5
    wraps = '<td style="font-size:50px">00 00</td>' * 5
    assert "B2B108" in html_codes(page(f"<table><tr>{held}</tr></table>"))
    assert "B2B108" not in html_codes(page(f"<table><tr>{wraps}</tr></table>"))


def test_one_column_table_and_hidden_tables_are_left_alone() -> None:
    word = '<td style="font-size:60px">Quantitéquantité</td>'
    assert "B2B108" not in html_codes(page(f"<table><tr>{word}</tr></table>"))
    hidden = f'<table style="display:none"><tr>{word}{word}</tr></table>'
    assert "B2B108" not in html_codes(page(hidden))


def test_the_message_gives_the_estimate() -> None:
    problem = next(p for p in lint_html(two_columns(12)) if p.code == "B2B108")
    assert "about 322 px" in problem.message and "320 px phone" in problem.message


def test_starter_price_table_fits_a_phone() -> None:
    for seg in render_campaign(HEAVY).segments:
        assert "B2B108" not in html_codes(seg.html)
