"""Dirham amounts in words, for "arrêté à la somme de …" on certificates.

num2words spells the numbers; it knows no dirham (its Arabic currency is the Saudi riyal), so
the currency words and their agreement are added here:
- Arabic: 1 and 2 and round hundreds/thousands take درهم, 3–10 دراهم, 11–99 درهمًا (tamyīz
  rules); the same for centimes (سنتيم). The conjunction و is joined to the next word.
- French: "dirhams", "un dirham", "de dirhams" after an exact million or milliard.
A person should still read the words on a certificate before it is signed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words


def _arabic_noun(n: int, singular: str, plural: str, accusative: str) -> str:
    tail = n % 100
    if 3 <= tail <= 10:
        return plural
    if 11 <= tail <= 99:
        return accusative
    return singular


def _arabic_number(n: int) -> str:
    return num2words(n, lang="ar").replace(" و ", " و")


# One and two are said with the noun alone (درهم واحد, درهمان); zero as صفر.
ARABIC_SMALL = {
    "درهم": {0: "صفر درهم", 1: "درهم واحد", 2: "درهمان"},
    "سنتيم": {1: "سنتيم واحد", 2: "سنتيمان"},
}


def _arabic_count(n: int, singular: str, plural: str, accusative: str) -> str:
    small = ARABIC_SMALL[singular].get(n)
    if small:
        return small
    return f"{_arabic_number(n)} {_arabic_noun(n, singular, plural, accusative)}"


def amount_in_arabic(amount: Decimal) -> str:
    dirhams, centimes = _split(amount)
    words = _arabic_count(dirhams, "درهم", "دراهم", "درهمًا")
    if centimes:
        words += " و" + _arabic_count(centimes, "سنتيم", "سنتيمات", "سنتيمًا")
    return words


def amount_in_french(amount: Decimal) -> str:
    dirhams, centimes = _split(amount)
    number = num2words(dirhams, lang="fr")
    if dirhams in (0, 1):
        words = f"{number} dirham"
    elif dirhams and dirhams % 1_000_000 == 0:
        words = f"{number} de dirhams"
    else:
        words = f"{number} dirhams"
    if centimes:
        spelled = "un centime" if centimes == 1 else f"{num2words(centimes, lang='fr')} centimes"
        words += f" et {spelled}"
    return words


def _split(amount: Decimal) -> tuple[int, int]:
    cents = int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if cents < 0:
        raise ValueError("Amounts in words are for positive sums.")
    return divmod(cents, 100)
