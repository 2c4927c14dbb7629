"""Template filters for Moroccan-style numbers, dirhams and dates.

Each filter formats in the active language. The isolate characters are not
HTML-special, so plain strings are returned and autoescaping stays on.
"""

from __future__ import annotations

import datetime as dt

from django import template

from reintegration.formatting import (
    Amount,
    format_date,
    format_datetime,
    format_mad,
    format_number,
    format_phone,
    format_quantity,
    ltr,
)

register = template.Library()


def _is_blank(value: object) -> bool:
    # A missing context variable reaches filters as "" (string_if_invalid);
    # rendering nothing is kinder than crashing the page on Decimal("").
    return value is None or value == ""


@register.filter
def mad(value: Amount | None) -> str:
    return "" if _is_blank(value) else format_mad(value)


@register.filter
def number(value: Amount | None, places: int | str = 2) -> str:
    # Template literals such as number:"0" arrive as strings.
    return "" if _is_blank(value) else format_number(value, int(places))


@register.filter
def quantity(value: Amount | None) -> str:
    return "" if _is_blank(value) else format_quantity(value)


@register.filter
def longdate(value: dt.date | None) -> str:
    return "" if _is_blank(value) else format_date(value, style="long")


@register.filter
def shortdate(value: dt.date | None) -> str:
    return "" if _is_blank(value) else format_date(value, style="short")


@register.filter
def datetime_l(value: dt.datetime | None) -> str:
    return "" if _is_blank(value) else format_datetime(value)


@register.filter
def phone(value: str | None) -> str:
    return "" if _is_blank(value) else format_phone(value)


@register.filter
def isolate(value) -> str:
    """Keeps a code such as 09-08 or 2026-01 in its order inside right-to-left text."""
    return ltr(value) if value not in (None, "") else ""
