"""Locale-aware Jinja filters (Babel): money, HT/TTC prices, percentages, dates.

Money is computed in Decimal and rounded half-up to the cent (the commercial rule French
invoices use), never in binary floats. Babel's own spacing is kept (fr_FR puts a narrow
no-break space U+202F between thousands and a no-break space before the symbol).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal, format_percent

from b2bmail.errors import TemplateError
from b2bmail.i18n import _
from b2bmail.render.merge import MergeRef, RecipientProxy, computed_ref
from b2bmail.salutation import salutation

CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TemplateError(_("{value} is not a number").format(value=repr(value)))
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the cents.
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise TemplateError(
            _("{value} is not a number").format(value=repr(value)),
            hint=_("write prices as plain numbers, e.g. 1234.50"),
        ) from None


def round_cents(value: object) -> Decimal:
    """Round half-up to the cent: 0.125 -> 0.13, 0.135 -> 0.14."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def with_vat(price_ht: object, vat_rate: object) -> Decimal | None:
    """Price including tax (TTC) from a price excluding tax (HT) and a rate in percent; None
    when no rate applies (`vat_rate` of a country outside the EU), so a template shows HT."""
    if vat_rate is None:
        return None
    return round_cents(to_decimal(price_ht) * (Decimal(1) + to_decimal(vat_rate) / Decimal(100)))


@dataclass(frozen=True)
class VatTable:
    """Standard VAT rates of the EU member states (data/vat_rates.yaml) and where they are
    from."""

    rates: Mapping[str, Decimal]  # ISO 3166-1 alpha-2 -> percent
    source: str
    source_date: date
    as_of: date


@functools.cache
def vat_table() -> VatTable:
    """The packaged table, read once."""
    text = resources.files("b2bmail.data").joinpath("vat_rates.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return VatTable(
        rates={code: Decimal(str(rate)) for code, rate in data["standard_rates"].items()},
        source=" ".join(str(data["source"]).split()),
        source_date=data["source_date"],
        as_of=data["as_of"],
    )


def vat_rate(country: object, default: object = None) -> Decimal | None:
    """The standard VAT rate (percent) of an EU member state by its ISO 3166-1 alpha-2 code
    (`IE` -> 23), None for any other country; `default` (the campaign's own rate) when there
    is no country."""
    if isinstance(country, MergeRef):
        # A per-recipient rate changes TTC prices: the segment is compiled once per country
        # (a variant, see merge.NeedsVariant), so the rate is a plain value there.
        country = country.concrete()
    if country is None or not str(country).strip():
        return None if default is None else to_decimal(default)
    code = str(country).strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise TemplateError(
            _("{country} is not an ISO 3166-1 alpha-2 country code").format(country=repr(country)),
            hint=_("write the two-letter code, e.g. 'IE' | vat_rate"),
        )
    return vat_table().rates.get(code)


@dataclass(frozen=True)
class PriceBreak:
    """One row of a volume price table: from `min_qty` units, this unit price."""

    min_qty: int
    max_qty: int | None
    ht: Decimal
    ttc: Decimal | None  # None where no VAT rate applies (HT only)
    discount: Decimal  # percent saved against the first row, e.g. Decimal("7.5")


def price_breaks(breaks: Iterable[Mapping[str, Any]], vat_rate: object) -> list[PriceBreak]:
    """Volume breaks ({min_qty, unit_price}) sorted by quantity, with HT, TTC and discount."""
    rows = sorted(breaks, key=lambda b: int(b["min_qty"]))
    if not rows:
        return []
    base = round_cents(rows[0]["unit_price"])
    result = []
    for i, row in enumerate(rows):
        ht = round_cents(row["unit_price"])
        nxt = int(rows[i + 1]["min_qty"]) - 1 if i + 1 < len(rows) else None
        discount = (
            ((base - ht) / base * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if base
            else Decimal(0)
        )
        result.append(
            PriceBreak(int(row["min_qty"]), nxt, ht, with_vat(ht, vat_rate), discount.normalize())
        )
    return result


def make_filters(locale: str, currency: str = "EUR") -> dict[str, Callable[..., Any]]:
    """The filters bound to one campaign's locale (closures, no global state)."""

    def money(value: object, currency_code: str | None = None) -> str:
        return format_currency(round_cents(value), currency_code or currency, locale=locale)

    def ttc(value: object, vat_rate: object) -> Decimal | None:
        return with_vat(value, vat_rate)

    def ht(value: object) -> Decimal:
        return round_cents(value)

    def percent(value: object) -> str:
        # The value is in percent (5.5 means 5,5 %); decimals the author wrote are kept.
        return format_percent(to_decimal(value) / 100, locale=locale, decimal_quantization=False)

    def number(value: object) -> str:
        return format_decimal(to_decimal(value), locale=locale, decimal_quantization=False)

    def format_date(value: object, fmt: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise TemplateError(
                    _("{value} is not an ISO date").format(value=repr(value)),
                    hint=_("write {example}").format(example="2026-07-01"),
                ) from None
        if not isinstance(value, date):
            raise TemplateError(
                _("{value} is not a date").format(value=repr(value)),
                hint=_("write {example}").format(example="2026-07-01"),
            )
        return babel_format_date(value, fmt, locale=locale)

    def breaks(value: Iterable[Mapping[str, Any]], vat_rate: object) -> list[PriceBreak]:
        return price_breaks(value, vat_rate)

    def formal_salutation(value: object, comma: bool = True) -> object:
        # On `recipient`, a merge field made per recipient (salutation.salutation_values);
        # on plain data (a mapping with civility, last_name, language), the text now.
        if isinstance(value, RecipientProxy):
            return computed_ref(value, "salutation" if comma else "salutation_bare")
        if not isinstance(value, Mapping):
            raise TemplateError(
                _("salutation needs the recipient, not {type}").format(type=type(value).__name__),
                hint=_("write {example}").format(example="{{ recipient | salutation }}"),
            )
        parts = (str(value.get(k) or "") for k in ("civility", "last_name", "language"))
        return salutation(*parts, campaign_locale=locale, comma=bool(comma))

    return {
        "money": money,
        "ht": ht,
        "ttc": ttc,
        "percent": percent,
        "number": number,
        "date": format_date,
        "price_breaks": breaks,
        "salutation": formal_salutation,
        "vat_rate": vat_rate,
    }
