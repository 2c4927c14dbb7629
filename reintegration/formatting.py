"""Number, money and date formatting for Arabic, French and English readers.

Django's own localisation is deliberately not used here: its Arabic month
names are the Mashriqi ones (Egyptian usage) and its number formats vary by
language, whereas the foundation's documents follow Moroccan press style in
every language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone, translation

LRI = "\u2066"
PDI = "\u2069"

SUPPORTED_LANGUAGES = ("ar", "fr", "en")
FALLBACK_LANGUAGE = "fr"

MAGHREBI_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
)
FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTHS = {"ar": MAGHREBI_MONTHS, "fr": FRENCH_MONTHS, "en": ENGLISH_MONTHS}

CURRENCY_SUFFIX = {"ar": "درهم", "fr": "DH", "en": "DH"}

THOUSANDS_SEPARATOR = "."
DECIMAL_MARK = ","

Amount = Decimal | int | str


def ltr(text: object) -> str:
    # An isolate (rather than LRM/LRE marks) keeps digits, slashes and colons
    # in reading order inside Arabic text without leaking direction into the
    # surrounding words.
    return f"{LRI}{text}{PDI}"


def fill(sentence: object, params: Mapping[str, object], *, fallback: object) -> str:
    """A sentence kept as a translatable message, with its ``%(name)s`` placeholders filled in
    the active language from values stored earlier (notifications, system tasks). In Arabic
    text the values (file numbers, dates, counts) keep their left-to-right reading order.
    Values that no longer fit the sentence (it changed since they were stored) give
    ``fallback`` rather than failing the page that lists them."""
    if translation.get_language_bidi():
        params = {key: ltr(value) for key, value in params.items()}
    try:
        return str(sentence) % params
    except (KeyError, TypeError, ValueError):
        return str(fallback)


def resolve_language(language: str | None = None) -> str:
    # Regional variants such as "ar-ma" or "fr-FR" share one format; anything
    # unknown (or translations being deactivated) falls back to French, the
    # foundation's second working language.
    code = (language or translation.get_language() or "")[:2].lower()
    return code if code in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE


def _to_decimal(value: Amount) -> Decimal:
    # bool is an int subclass; a True amount is always a bug, never a dirham.
    if isinstance(value, (float, bool)):
        raise TypeError(
            f"format_number() refuses {type(value).__name__}: binary floats "
            "lose centimes, pass a Decimal, int or str instead"
        )
    if not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"format_number() cannot format {type(value).__name__}")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _group_thousands(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return THOUSANDS_SEPARATOR.join(groups)


def format_number(value: Amount, places: int = 2) -> str:
    if places < 0:
        raise ValueError("places must be zero or positive")
    quantized = _to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # Rounding can yield -0.00, which must not print a stray minus sign.
    sign = "-" if quantized < 0 else ""
    integer_part, _, fraction = f"{abs(quantized):f}".partition(".")
    text = sign + _group_thousands(integer_part)
    return f"{text}{DECIMAL_MARK}{fraction}" if places else text


def format_quantity(value: Amount) -> str:
    """2 pieces read "2", not "2,00"; 1,5 kg of thread keeps its decimals ("1,50")."""
    number = _to_decimal(value)
    return format_number(number, 0 if number == number.to_integral_value() else 2)


def format_mad(amount: Amount | None, language: str | None = None) -> str:
    if amount is None:
        return ""
    code = resolve_language(language)
    number = format_number(amount)
    if code == "ar":
        number = ltr(number)
    return f"{number} {CURRENCY_SUFFIX[code]}"


def _local_date(value: dt.date) -> dt.date:
    # datetime subclasses date, so it must be checked first; an aware value
    # is converted so that a late-evening UTC timestamp lands on the day the
    # user in Morocco actually saw.
    if isinstance(value, dt.datetime):
        return _local_datetime(value).date()
    return value


def _local_datetime(value: dt.datetime) -> dt.datetime:
    # Naive datetimes are taken as already local; localtime() would reject them.
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _long_date(value: dt.date, code: str) -> str:
    month = MONTHS[code][value.month - 1]
    if code == "ar":
        return f"{ltr(value.day)} {month} {ltr(value.year)}"
    # French writes the first of the month as an ordinal ("1er mai").
    day = "1er" if code == "fr" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"


def _short_date(value: dt.date, code: str) -> str:
    text = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return ltr(text) if code == "ar" else text


def format_date(value: dt.date | None, language: str | None = None, style: str = "long") -> str:
    if value is None:
        return ""
    if style not in ("long", "short"):
        raise ValueError(f"unknown date style: {style!r}")
    code = resolve_language(language)
    day = _local_date(value)
    return _long_date(day, code) if style == "long" else _short_date(day, code)


def format_phone(value: str | None, language: str | None = None) -> str:
    """A Moroccan number as people read it aloud, in pairs from the leading 0: "06 61 23 45 67".

    Numbers are stored in E.164 ("+212661234567"); a Moroccan one is shown in its national
    form, a foreign one as stored. In Arabic text the digits are isolated left to right."""
    if not value:
        return ""
    digits = re.sub(r"[\s.\-()]", "", str(value))
    if digits.startswith("+212"):
        digits = "0" + digits[4:]
    elif digits.startswith("00212"):
        digits = "0" + digits[5:]
    if len(digits) == 10 and digits.startswith("0") and digits.isdigit():
        text = " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    else:
        text = str(value).strip()
    return ltr(text) if resolve_language(language) == "ar" else text


def format_datetime(value: dt.datetime | None, language: str | None = None) -> str:
    if value is None:
        return ""
    code = resolve_language(language)
    local = _local_datetime(value)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if code == "ar":
        clock = ltr(clock)
    return f"{_long_date(local.date(), code)} {clock}"
