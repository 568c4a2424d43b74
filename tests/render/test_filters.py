from datetime import date
from decimal import Decimal

import pytest

from b2bmail.render.filters import make_filters, price_breaks, round_cents, with_vat


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("fr_FR", 1234.5, "1\u202f234,50\xa0€"),
        ("nl_NL", "1234.50", "€\xa01.234,50"),
        ("en_GB", Decimal("1234.5"), "€1,234.50"),
    ],
    ids=["fr_FR", "nl_NL", "en_GB"],
)
def test_money(locale: str, value: object, expected: str) -> None:
    assert make_filters(locale)["money"](value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.125", "0.13"),
        ("0.135", "0.14"),
        ("2.675", "2.68"),
        (2.675, "2.68"),
        ("-0.125", "-0.13"),
        ("10", "10.00"),
    ],
    ids=["half-up-1", "half-up-2", "float-trap-str", "float-trap-float", "negative", "integer"],
)
def test_round_half_up_to_the_cent(value: object, expected: str) -> None:
    assert round_cents(value) == Decimal(expected)


def test_ht_ttc() -> None:
    f = make_filters("fr_FR")
    assert with_vat("99.99", 20) == Decimal("119.99")  # 119.988 -> 119.99
    assert with_vat("10.10", "5.5") == Decimal("10.66")  # 10.6555 -> 10.66
    assert f["money"](f["ttc"](1000, 20)) == "1\u202f200,00\xa0€"
    assert f["ht"]("12.345") == Decimal("12.35")


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("fr_FR", 5.5, "5,5\xa0%"),
        ("fr_FR", 20, "20\xa0%"),
        ("nl_NL", "5.5", "5,5%"),
        ("en_GB", 12.25, "12.25%"),
    ],
    ids=["fr-5.5", "fr-20", "nl-5.5", "en-12.25"],
)
def test_percent_keeps_decimals(locale: str, value: object, expected: str) -> None:
    assert make_filters(locale)["percent"](value) == expected


def test_dates() -> None:
    assert make_filters("fr_FR")["date"](date(2026, 7, 1)) == "1 juillet 2026"
    assert make_filters("nl_NL")["date"]("2026-07-01") == "1 juli 2026"


def test_price_breaks_rows() -> None:
    rows = price_breaks(
        [{"min_qty": 10, "unit_price": 90}, {"min_qty": 1, "unit_price": "100"}], 20
    )
    assert [(r.min_qty, r.max_qty, r.ht, r.ttc, r.discount) for r in rows] == [
        (1, 9, Decimal("100.00"), Decimal("120.00"), Decimal(0)),
        (10, None, Decimal("90.00"), Decimal("108.00"), Decimal(10)),
    ]
