"""Amounts in words, checked against how they are written by hand (see partners/words.py)."""

from decimal import Decimal

import pytest

from ceremonies.words import amount_in_arabic, amount_in_french


@pytest.mark.parametrize(
    ("amount", "arabic", "french"),
    [
        ("1", "درهم واحد", "un dirham"),
        ("2", "درهمان", "deux dirhams"),
        ("3", "ثلاثة دراهم", "trois dirhams"),
        ("11", "أحد عشر درهمًا", "onze dirhams"),
        ("200", "مئتا درهم", "deux cents dirhams"),
        ("35500.00", "خمسة وثلاثون ألفاً وخمسمائة درهم", "trente-cinq mille cinq cents dirhams"),
        (
            "34750.50",
            "أربعة وثلاثون ألفاً وسبعمائة وخمسون درهمًا وخمسون سنتيمًا",
            "trente-quatre mille sept cent cinquante dirhams et cinquante centimes",
        ),
        ("1000000", "مليون درهم", "un million de dirhams"),
        (
            "1233737.62",
            "مليون ومئتان وثلاثة وثلاثون ألفاً وسبعمائة وسبعة وثلاثون درهمًا واثنان وستون سنتيمًا",
            "un million deux cent trente-trois mille sept cent trente-sept dirhams et "
            "soixante-deux centimes",
        ),
        ("0.01", "صفر درهم وسنتيم واحد", "zéro dirham et un centime"),
        ("2.02", "درهمان وسنتيمان", "deux dirhams et deux centimes"),
        ("15.10", "خمسة عشر درهمًا وعشرة سنتيمات", "quinze dirhams et dix centimes"),
    ],
)
def test_amounts_in_words(amount, arabic, french):
    assert amount_in_arabic(Decimal(amount)) == arabic
    assert amount_in_french(Decimal(amount)) == french


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        amount_in_arabic(Decimal("-1"))
