from datetime import date
from decimal import Decimal

import jinja2
import pytest

from b2bmail.errors import TemplateError
from b2bmail.render.filters import (
    make_filters,
    price_breaks,
    round_cents,
    vat_rate,
    vat_table,
    with_vat,
)
from b2bmail.render.merge import MergeRegistry, NeedsVariant, RecipientProxy


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


# Standard rates from the European Commission's "VAT rates applied in the Member States of
# the European Union" (situation at 1 January 2025): FR 20, IE 23, BE 21; ZA is not in the EU.
@pytest.mark.parametrize(
    ("country", "rate"),
    [("FR", Decimal(20)), ("IE", Decimal(23)), ("be", Decimal(21)), ("ZA", None), ("CH", None)],
)
def test_vat_rate_of_eu_member_states_only(country: str, rate: Decimal | None) -> None:
    assert make_filters("fr_FR")["vat_rate"](country) == rate


def test_vat_table_has_27_member_states_and_cites_its_source() -> None:
    table = vat_table()
    assert len(table.rates) == 27
    assert "European Commission" in table.source
    assert "VAT rates applied in the Member States" in table.source
    assert table.source_date == date(2026, 1, 1)
    assert table.as_of == date(2026, 1, 1)


# The standard rates of the European Commission's "VAT rates applied in the Member States of
# the European Union", situation at 1 January 2026, typed from that table (Greece as GR).
EC_STANDARD_RATES_2026 = {
    "AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25",
    "EE": "24", "ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27",
    "IE": "23", "IT": "22", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "PL": "23", "PT": "23", "RO": "21", "SE": "25", "SI": "22", "SK": "23",
}  # fmt: skip


def test_vat_table_is_the_commissions_2026_table() -> None:
    assert dict(vat_table().rates) == {k: Decimal(v) for k, v in EC_STANDARD_RATES_2026.items()}


@pytest.mark.parametrize(
    ("country", "rate"),
    [
        ("EE", "24"),  # 22 -> 24 from 1 July 2025
        ("RO", "21"),  # 19 -> 21 from 1 August 2025
        ("FI", "25.5"),  # 24 -> 25.5 from 1 September 2024
        ("SK", "23"),  # 20 -> 23 from 1 January 2025
    ],
    ids=["EE-2025-07", "RO-2025-08", "FI-2024-09", "SK-2025-01"],
)
def test_vat_rates_changed_since_2024(country: str, rate: str) -> None:
    assert vat_rate(country) == Decimal(rate)


def test_vat_rate_defaults_to_the_campaigns_without_a_country() -> None:
    vat = make_filters("fr_FR")["vat_rate"]
    assert vat("", 20) == Decimal(20)
    assert vat(None, "5,5") == Decimal("5.5")
    assert vat("ZA", 20) is None  # a country outside the EU: no rate, not the default


def test_vat_rate_refuses_a_name() -> None:
    with pytest.raises(TemplateError, match="ISO 3166-1 alpha-2"):
        make_filters("fr_FR")["vat_rate"]("Irlande")


def test_ttc_and_price_breaks_accept_a_country_rate() -> None:
    f = make_filters("fr_FR")
    assert f["ttc"](Decimal("100"), f["vat_rate"]("IE")) == Decimal("123.00")
    assert f["ttc"](Decimal("100"), f["vat_rate"]("ZA")) is None  # HT only
    rows = price_breaks([{"min_qty": 1, "unit_price": 10}], vat_rate("ZA"))
    assert (rows[0].ht, rows[0].ttc) == (Decimal("10.00"), None)
    rows = price_breaks([{"min_qty": 1, "unit_price": 10}], vat_rate("BE"))
    assert rows[0].ttc == Decimal("12.10")


def test_vat_rate_template_shows_ttc_only_where_a_rate_applies() -> None:
    env = jinja2.Environment()
    env.filters.update(make_filters("fr_FR"))
    template = env.from_string(
        "{% set rate = country | vat_rate %}{{ 100 | ht | money }} HT"
        "{% if country == 'FR' %} / {{ 100 | ttc(rate) | money }} TTC"
        "{% elif rate is not none %} (autoliquidation){% endif %}"
    )
    assert template.render(country="FR") == "100,00\u00a0€ HT / 120,00\u00a0€ TTC"
    assert template.render(country="IE") == "100,00\u00a0€ HT (autoliquidation)"
    assert template.render(country="ZA") == "100,00\u00a0€ HT"


def test_vat_rate_of_a_recipient_needs_a_variant_then_is_its_countrys() -> None:
    with pytest.raises(NeedsVariant, match="country"):
        make_filters("fr_FR")["vat_rate"](RecipientProxy(MergeRegistry()).country)
    # Ireland's standard rate is 23 % (European Commission, VAT rates 2025).
    proxy = RecipientProxy(MergeRegistry(bound={"country": "IE"}))
    assert make_filters("fr_FR")["vat_rate"](proxy.country) == 23


def test_salutation_on_plain_data_uses_the_campaign_language() -> None:
    salute = make_filters("nl_BE")["salutation"]
    assert salute({"civility": "ms", "last_name": "De Vries"}) == "Geachte mevrouw De Vries,"
    assert salute({"civility": "mr", "last_name": "Smith", "language": "en"}, comma=False) == (
        "Dear Mr Smith"
    )
