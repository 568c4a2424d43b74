"""Locale-aware Jinja filters (Babel): money, HT/TTC prices, percentages, dates.

Money is computed in Decimal and rounded half-up to the cent (the commercial rule French
invoices use), never in binary floats. Babel's own spacing is kept (fr_FR puts a narrow
no-break space U+202F between thousands and a no-break space before the symbol).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal, format_percent

from b2bmail.errors import TemplateError
from b2bmail.render.merge import RecipientProxy, computed_ref
from b2bmail.salutation import salutation

CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TemplateError(f"{value!r} is not a number")
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the cents.
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise TemplateError(
            f"{value!r} is not a number", hint="write prices as plain numbers, e.g. 1234.50"
        ) from None


def round_cents(value: object) -> Decimal:
    """Round half-up to the cent: 0.125 -> 0.13, 0.135 -> 0.14."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def with_vat(price_ht: object, vat_rate: object) -> Decimal:
    """Price including tax (TTC) from a price excluding tax (HT) and a rate in percent."""
    return round_cents(to_decimal(price_ht) * (Decimal(1) + to_decimal(vat_rate) / Decimal(100)))


@dataclass(frozen=True)
class PriceBreak:
    """One row of a volume price table: from `min_qty` units, this unit price."""

    min_qty: int
    max_qty: int | None
    ht: Decimal
    ttc: Decimal
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

    def ttc(value: object, vat_rate: object) -> Decimal:
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
                    f"{value!r} is not an ISO date", hint="write 2026-07-01"
                ) from None
        if not isinstance(value, date):
            raise TemplateError(f"{value!r} is not a date", hint="write 2026-07-01")
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
                f"salutation needs the recipient, not {type(value).__name__}",
                hint="write {{ recipient | salutation }}",
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
    }
