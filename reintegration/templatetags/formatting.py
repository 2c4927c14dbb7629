"""Template filters for Moroccan-style numbers, dirhams and dates.

Each filter formats in the active language. The isolate characters are not
HTML-special, so plain strings are returned and autoescaping stays on (keep_codes, which adds
markup, escapes the text first).
"""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


# A code made of letters or digits joined by hyphens (TNG-2026-0009, CPDH-TNG-2023-02, 09-08) that
# formatting.ltr has isolated left to right inside Arabic text.
_ISOLATED_CODE = re.compile("\u2066[A-Z0-9]+(?:-[A-Z0-9]+)+\u2069")


@register.filter(needs_autoescape=True)
def keep_codes(value, autoescape=True) -> str:
    """The text, escaped, with each isolated code kept on one line. A browser may break a line
    after a hyphen, and in Arabic a file number split in two reads as two numbers, "TNG-" at the
    end of one line and "2026-0009" at the start of the next."""
    text = conditional_escape(value) if autoescape else str(value)
    return mark_safe(  # noqa: S308 (the text is escaped first; the code holds no markup)
        _ISOLATED_CODE.sub(lambda m: f'<span class="text-nowrap">{m.group(0)}</span>', text)
    )
