"""Amounts and whole numbers read the way Moroccan staff type them, exactly or not at all.

A browser ``<input type="number">`` silently drops what it does not understand: ``8500,50``
became 850.050,00 DH, ``8.500,50`` (the application's own display format) became 8,50050 and
Arabic-Indic digits vanished. These fields are plain text inputs; the server reads the text with
the grammar below and either gets the exact value or refuses with a message, in the user's
language, that shows how to type it. A refused form shows again what was typed.

Grammar of an amount (``parse_amount``)
=======================================

1. Invisible direction marks (LRM, RLM, ALM, embeddings and isolates, which come along when a
   number is copied from an Arabic page) are removed; surrounding white space is ignored.
2. An optional currency after the number: ``DH``, ``MAD`` (any case), ``درهم`` or ``د.م.``.
3. An optional minus sign (``-`` or ``−``) before the number; whether a negative value is
   allowed is the field's business (``min_value``), not the grammar's.
4. Digits are all Western (0-9), all Arabic-Indic (U+0660-U+0669) or all Persian (U+06F0-U+06F9);
   a number mixing two of these is refused.
5. Between digits, one separator at a time: a space (also the no-break U+00A0, narrow no-break
   U+202F, thin U+2009 and figure U+2007 spaces), ``.``, ``,``, the Arabic decimal separator
   ``٫`` (U+066B) or the Arabic thousands separator ``٬`` (U+066C). The number starts and ends
   with a digit: ``,50`` and ``8500,`` are refused.
6. The decimal mark is found like this:
   - ``٫`` is always the decimal mark;
   - when both ``.`` and ``,`` occur, the last separator is the decimal mark (``8.500,50``,
     ``8,500.50``);
   - a ``.`` or ``,`` that occurs several times is a thousands separator (``1.500.000``);
   - a single ``.`` or ``,`` next to other thousands separators (spaces, ``٬``) is the decimal
     mark (``8 500.50``);
   - a single ``.`` or ``,`` alone is the decimal mark, except when it is followed by exactly
     three digits and preceded by one to three digits not starting with 0 (``8.500``,
     ``8,500``, ``125.000``): that could be thousands or decimals, so it is refused with both
     readings spelled out. ``8500,500`` and ``0,500`` are not ambiguous (a thousands group
     cannot follow four digits or a lone 0): they have three decimals and are refused as such.
7. Every other separator is a thousands separator; all of them are of one kind, the decimal mark
   comes after all of them, the first group has one to three digits and does not start with 0,
   and every later group has exactly three digits (``85.00.50`` and ``8 50 000`` are refused).
8. At most ``places`` decimals (two for dirhams: ``8500,505`` is refused, even ``8500,500``:
   a third digit is a typing mistake more often than a precision).

The result is a ``Decimal`` with exactly ``places`` decimals (``8500`` -> ``Decimal("8500.00")``).

Whole numbers (``parse_whole``) follow the same grammar without the currency and refuse any
decimal, even ``2,0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reintegration.formatting import format_number, ltr, resolve_language

# Longer than any amount anyone types; refusing early keeps absurd input cheap.
MAX_LENGTH = 40
MAX_INTEGER_DIGITS = 15

SPACES = "\u0020\u00a0\u202f\u2009\u2007"
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
CURRENCY = re.compile(r"\s*(?:dh|mad|درهم|د\.م\.?)$", re.IGNORECASE)
MINUS = "-\u2212"
ARABIC_DECIMAL = "\u066b"
ARABIC_THOUSANDS = "\u066c"
SEPARATORS = SPACES + ".," + ARABIC_DECIMAL + ARABIC_THOUSANDS
DIGIT_SYSTEMS = {
    "western": "0123456789",
    "arabic-indic": "".join(chr(0x0660 + i) for i in range(10)),
    "persian": "".join(chr(0x06F0 + i) for i in range(10)),
}
TO_WESTERN = str.maketrans(
    {digit: str(i) for system in DIGIT_SYSTEMS.values() for i, digit in enumerate(system)}
)
DIGITS = "".join(DIGIT_SYSTEMS.values())
TO_ARABIC_INDIC = str.maketrans(DIGIT_SYSTEMS["western"], DIGIT_SYSTEMS["arabic-indic"])
TOKENS = re.compile(f"[{DIGITS}]+|[{re.escape(SEPARATORS)}]")


class _Refused(Exception):
    def __init__(self, code: str, **params: str):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Messages:
    invalid: Promise
    ambiguous: Promise
    decimals: Promise
    mixed: Promise
    groups: Promise
    # Typed in Western digits and, for the mixed-digits message, in Arabic-Indic ones. Passed as
    # parameters: the Arabic catalogue itself keeps Western digits, as the administration does.
    example: str


AMOUNT_MESSAGES = Messages(
    invalid=_("Type the amount as 8500,50 or 8 500,50."),
    ambiguous=_(
        "“%(value)s” could mean %(thousands)s or %(decimals)s. "
        "Type the amount as 8500,50 or 8 500,50."
    ),
    decimals=_("An amount has at most two decimals. Type the amount as 8500,50 or 8 500,50."),
    mixed=_("Type the amount in one kind of digits, as %(western)s or %(eastern)s."),
    groups=_("Thousands are grouped by three digits. Type the amount as 8500,50 or 8 500,50."),
    example="8500,50",
)
QUANTITY_MESSAGES = Messages(
    invalid=_("Type the quantity as 2 or 1,5."),
    ambiguous=_(
        "“%(value)s” could mean %(thousands)s or %(decimals)s. Type the quantity as 2 or 1,5."
    ),
    decimals=_("A quantity has at most two decimals. Type the quantity as 2 or 1,5."),
    mixed=_("Type the quantity in one kind of digits, as %(western)s or %(eastern)s."),
    groups=_("Type the quantity as 2 or 1,5."),
    example="2",
)
WHOLE_MESSAGES = Messages(
    invalid=_("Type a whole number, such as 3."),
    ambiguous=_("Type a whole number without a point or comma, such as 1500."),
    decimals=_("Type a whole number, without decimals, such as 3."),
    mixed=_("Type the number in one kind of digits, such as %(western)s or %(eastern)s."),
    groups=_("Type a whole number, such as 3."),
    example="3",
)


def _refusal(refused: _Refused, messages: Messages) -> ValidationError:
    params = dict(refused.params)
    if refused.code == "mixed":
        eastern = messages.example.replace(",", ARABIC_DECIMAL).translate(TO_ARABIC_INDIC)
        params.update(western=messages.example, eastern=eastern)
    if params and resolve_language() == "ar":
        # The typed number keeps its order inside the Arabic sentence.
        params = {key: ltr(value) for key, value in params.items()}
    return ValidationError(getattr(messages, refused.code), code=refused.code, params=params)


def _split(text: str) -> tuple[str, list[str], list[str]]:
    """Sign, digit runs and the separators between them; refuses anything else."""
    text = BIDI_CONTROLS.sub("", text).strip(SPACES + "\t\n\r")
    if not text or len(text) > MAX_LENGTH:
        raise _Refused("invalid")
    sign = ""
    if text[0] in MINUS:
        sign, text = "-", text[1:].lstrip(SPACES)
    tokens = TOKENS.findall(text)
    if "".join(tokens) != text or not tokens:
        raise _Refused("invalid")
    runs, separators = tokens[0::2], tokens[1::2]
    # Runs and separators must alternate, digits at both ends ("8500," or "8  500" are refused).
    if (
        len(runs) != len(separators) + 1
        or any(run[0] not in DIGITS for run in runs)
        or any(sep[0] in DIGITS for sep in separators)
    ):
        raise _Refused("invalid")
    systems = {
        name for name, digits in DIGIT_SYSTEMS.items() for char in "".join(runs) if char in digits
    }
    if len(systems) > 1:
        raise _Refused("mixed")
    runs = [run.translate(TO_WESTERN) for run in runs]
    separators = [" " if sep in SPACES else sep for sep in separators]
    return sign, runs, separators


def _decimal_index(runs: list[str], separators: list[str], typed: str, places: int) -> int | None:
    """Position in ``separators`` of the decimal mark, or None for a whole number."""
    if ARABIC_DECIMAL in separators:
        if separators.count(ARABIC_DECIMAL) > 1:
            raise _Refused("invalid")
        return separators.index(ARABIC_DECIMAL)
    points, commas = separators.count("."), separators.count(",")
    if points and commas:
        return len(separators) - 1
    if points + commas == 0:
        return None
    mark = "." if points else ","
    if points + commas > 1:
        return None
    index = separators.index(mark)
    if len(separators) > 1:
        return index
    before, after = runs
    if len(after) == 3 and len(before) <= 3 and before[0] != "0":
        # The decimal reading as it would be typed: 8.500 -> 8,50 (8.505 keeps its three).
        cut = after[:places] if places and after[places:] == "0" * (3 - places) else after
        raise _Refused(
            "ambiguous", value=typed, thousands=before + after, decimals=f"{before},{cut}"
        )
    return index


def _parse(text: object, places: int) -> Decimal:
    if not isinstance(text, str):
        raise _Refused("invalid")
    typed = BIDI_CONTROLS.sub("", text).strip()
    if places:
        text = CURRENCY.sub("", typed)
    sign, runs, separators = _split(text)
    decimal_at = _decimal_index(runs, separators, typed.strip(), places)
    if decimal_at is not None and decimal_at != len(separators) - 1:
        # The decimal mark comes after every thousands separator.
        raise _Refused("groups")
    groups = separators if decimal_at is None else separators[:-1]
    integer_runs = runs if decimal_at is None else runs[:-1]
    fraction = "" if decimal_at is None else runs[-1]
    if groups:
        kind = set(groups)
        if len(kind) > 1 or (decimal_at is not None and separators[-1] in kind):
            raise _Refused("groups")
        first, *rest = integer_runs
        if len(first) > 3 or first[0] == "0" or any(len(run) != 3 for run in rest):
            raise _Refused("groups")
    integer = "".join(integer_runs)
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise _Refused("invalid")
    if len(fraction) > places:
        raise _Refused("decimals")
    value = Decimal(f"{integer}.{fraction or '0'}").quantize(Decimal(1).scaleb(-places))
    # "-0" is zero, not a negative amount that would print with a stray minus sign.
    return -value if sign and value else value


def parse_amount(text: str, *, places: int = 2, messages: Messages = AMOUNT_MESSAGES) -> Decimal:
    """``"8 500,50"`` -> ``Decimal("8500.50")``; raises ``ValidationError`` and nothing else."""
    try:
        return _parse(text, places)
    except _Refused as refused:
        raise _refusal(refused, messages) from None


def parse_whole(text: str) -> int:
    """``"٣"`` -> 3; decimals, even ``2,0``, are refused with a ``ValidationError``."""
    try:
        return int(_parse(text, 0))
    except _Refused as refused:
        raise _refusal(refused, WHOLE_MESSAGES) from None


def input_text(value: object, *, places: int = 2, whole_plain: bool = False) -> object:
    """What a number field shows before anything is typed: the display format (``8.500,50``),
    which the parser reads back unchanged. Whole quantities show as ``2`` (and ``1500``, since
    ``1.500`` would be refused as ambiguous when saved again)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return value
    if isinstance(value, int) or (whole_plain and value == value.to_integral_value()):
        return str(int(value))
    return format_number(value, places)


class NumberInput(forms.TextInput):
    """A text box for numbers: never ``type=number``, which drops what it cannot read."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, *, places: int = 2, whole_plain: bool = False
    ) -> None:
        base = {
            "inputmode": "decimal" if places else "numeric",
            "dir": "ltr",
            "autocomplete": "off",
            "spellcheck": "false",
        }
        super().__init__({**base, **(attrs or {})})
        self.places, self.whole_plain = places, whole_plain

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        # A string is what the user typed: shown back exactly, whatever it holds.
        if isinstance(value, str):
            return value
        return str(input_text(value, places=self.places, whole_plain=self.whole_plain))


def _limit_text(limit: Decimal | int, places: int) -> str:
    # Written as it could be typed back: 1.000.000,00 for an amount, 30 for a count.
    text = format_number(limit, places) if places else str(int(limit))
    return ltr(text) if resolve_language() == "ar" else text


def _replaceable(widget: forms.Widget | type[forms.Widget] | None) -> bool:
    """No widget, or a ``type=number`` one (the admin's): ours instead. A hidden input or a
    widget chosen on purpose is kept."""
    if widget is None:
        return True
    kind = widget if isinstance(widget, type) else type(widget)
    return issubclass(kind, forms.NumberInput)


class AmountField(forms.Field):
    """Dirhams (and, through :class:`QuantityField`, quantities) typed the Moroccan way."""

    messages = AMOUNT_MESSAGES
    whole_plain = False
    default_error_messages = {
        "positive": _("Enter an amount greater than zero."),
        "negative": _("An amount cannot be negative."),
        "min_value": _("Enter an amount of at least %(limit)s."),
        "max_value": _("Enter an amount of at most %(limit)s."),
    }

    def __init__(
        self,
        *,
        min_value: Decimal | int | None = None,
        max_value: Decimal | int | None = None,
        decimal_places: int | None = 2,
        max_digits: int | None = None,
        widget: forms.Widget | type[forms.Widget] | None = None,
        **kwargs: Any,
    ) -> None:
        self.decimal_places = 2 if decimal_places is None else decimal_places
        self.min_value = None if min_value is None else Decimal(min_value)
        if max_digits is not None:
            # What the database column holds, so that an oversized amount is refused here
            # with a readable message rather than by the database.
            ceiling = Decimal(10) ** (max_digits - self.decimal_places) - Decimal(1).scaleb(
                -self.decimal_places
            )
            max_value = ceiling if max_value is None else min(Decimal(max_value), ceiling)
        self.max_value = None if max_value is None else Decimal(max_value)
        if _replaceable(widget):
            widget = NumberInput(places=self.decimal_places, whole_plain=self.whole_plain)
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        if isinstance(value, Decimal):
            return value.quantize(Decimal(1).scaleb(-self.decimal_places))
        return parse_amount(value, places=self.decimal_places, messages=self.messages)

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is None:
            return
        smallest = Decimal(1).scaleb(-self.decimal_places)
        if self.min_value is not None and value < self.min_value:
            if self.min_value == smallest:
                raise ValidationError(self.error_messages["positive"], code="min_value")
            if self.min_value == 0:
                raise ValidationError(self.error_messages["negative"], code="min_value")
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit": _limit_text(self.min_value, self.decimal_places)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit": _limit_text(self.max_value, self.decimal_places)},
            )


class QuantityField(AmountField):
    """A quantity: two decimals at most (1,5 kg of thread), shown as ``2`` when whole."""

    messages = QUANTITY_MESSAGES
    whole_plain = True
    default_error_messages = {
        "positive": _("Enter a quantity greater than zero."),
        "negative": _("A quantity cannot be negative."),
        "min_value": _("Enter a quantity of at least %(limit)s."),
        "max_value": _("Enter a quantity of at most %(limit)s."),
    }


class WholeNumberField(forms.Field):
    """Dependants, jobs created, months of a sentence: whole numbers in any digits."""

    default_error_messages = {
        "min_value": _("Enter a number of at least %(limit)s."),
        "max_value": _("Enter a number of at most %(limit)s."),
    }

    def __init__(
        self,
        *,
        min_value: int | None = None,
        max_value: int | None = None,
        widget: forms.Widget | type[forms.Widget] | None = None,
        **kwargs: Any,
    ) -> None:
        self.min_value, self.max_value = min_value, max_value
        if _replaceable(widget):
            widget = NumberInput(places=0)
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_whole(value)

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value is None:
            return
        for limit, code, out in (
            (self.min_value, "min_value", lambda v, lim: v < lim),
            (self.max_value, "max_value", lambda v, lim: v > lim),
        ):
            if limit is not None and out(value, limit):
                raise ValidationError(
                    self.error_messages[code], code=code, params={"limit": _limit_text(limit, 0)}
                )


def _native_numeric(db_field: models.Field) -> type[forms.Field] | None:
    # Fields defined outside Django (MoneyField) choose their own form field; choices keep
    # their select.
    if db_field.choices or not type(db_field).__module__.startswith("django."):
        return None
    if isinstance(db_field, models.DecimalField):
        return AmountField
    if isinstance(db_field, models.IntegerField) and not isinstance(db_field, models.AutoField):
        return WholeNumberField
    return None


def is_number(db_field: models.Field) -> bool:
    return isinstance(db_field, (models.DecimalField, models.IntegerField)) and not (
        db_field.choices or isinstance(db_field, models.AutoField)
    )


def _column_maximum(db_field: models.Field) -> int:
    if isinstance(db_field, models.SmallIntegerField):
        return 2**15 - 1
    if isinstance(db_field, models.BigIntegerField):
        return 2**63 - 1
    return 2**31 - 1


def numbers_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """``formfield_callback`` for model forms: Moroccan-typed numbers instead of Django's
    ``type=number`` fields. ``Meta.field_classes`` still wins (``QuantityField``)."""
    form_class = _native_numeric(db_field)
    if form_class is not None:
        kwargs.setdefault("form_class", form_class)
        if form_class is WholeNumberField:
            # The column's range in the portable sense (SQLite would hold any 64-bit integer),
            # refused with our message rather than by the database or the model's validator.
            kwargs.setdefault("max_value", _column_maximum(db_field))
    return db_field.formfield(**kwargs)
