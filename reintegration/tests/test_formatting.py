from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation

from reintegration.formatting import (
    LRI,
    PDI,
    format_date,
    format_datetime,
    format_mad,
    format_number,
    ltr,
)

JULY_15 = date(2025, 7, 15)


def render(source: str, **context: object) -> str:
    return Template("{% load formatting %}" + source).render(Context(context))


def test_ltr_wraps_text_in_a_left_to_right_isolate():
    assert ltr("15/07/2025") == "\u206615/07/2025\u2069"
    assert (LRI, PDI) == ("\u2066", "\u2069")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1233737.62"), 2, "1.233.737,62"),
        (Decimal("0.5"), 2, "0,50"),
        (476000, 0, "476.000"),
        (Decimal("-1234.5"), 2, "-1.234,50"),
        (0, 2, "0,00"),
        (Decimal("1234567890.12"), 2, "1.234.567.890,12"),
        ("1233737.62", 2, "1.233.737,62"),
        (999, 2, "999,00"),
        (1000, 0, "1.000"),
    ],
)
def test_it_formats_numbers_in_moroccan_press_style(value, places, expected):
    assert format_number(value, places) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), "0,01"),
        (Decimal("0.125"), "0,13"),
        (Decimal("-0.125"), "-0,13"),
    ],
)
def test_it_rounds_half_up_not_to_even(value, expected):
    assert format_number(value) == expected


def test_it_does_not_print_a_minus_sign_on_values_that_round_to_zero():
    assert format_number(Decimal("-0.001")) == "0,00"


@pytest.mark.parametrize("value", [1.5, 0.1, True])
def test_it_refuses_floats_and_booleans(value):
    with pytest.raises(TypeError):
        format_number(value)
    with pytest.raises(TypeError):
        format_mad(value, "fr")


def test_it_rejects_text_that_is_not_a_number():
    with pytest.raises(ValueError):
        format_number("12,5")


def test_it_formats_dirhams_in_arabic_with_ltr_isolation():
    assert format_mad(Decimal("1233737.62"), "ar") == "\u20661.233.737,62\u2069 درهم"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_formats_dirhams_in_french_and_english_with_dh(language):
    assert format_mad(Decimal("1233737.62"), language) == "1.233.737,62 DH"


def test_it_formats_zero_and_negative_dirhams():
    assert format_mad(0, "fr") == "0,00 DH"
    assert format_mad(Decimal("-1234.5"), "ar") == "\u2066-1.234,50\u2069 درهم"


def test_it_renders_missing_values_as_empty_text():
    assert format_mad(None) == ""
    assert format_date(None) == ""
    assert format_datetime(None) == ""


def test_it_takes_the_default_language_from_the_active_translation():
    amount = Decimal("1233737.62")
    with translation.override("ar"):
        assert format_mad(amount) == "\u20661.233.737,62\u2069 درهم"
        assert format_date(JULY_15) == "\u206615\u2069 يوليوز \u20662025\u2069"
    with translation.override("fr"):
        assert format_mad(amount) == "1.233.737,62 DH"
        assert format_date(JULY_15) == "15 juillet 2025"


def test_it_treats_regional_and_unknown_languages_sensibly():
    assert format_mad(1, "ar-ma") == "\u20661,00\u2069 درهم"
    assert format_date(JULY_15, "es") == "15 juillet 2025"
    with translation.override(None):
        assert format_date(JULY_15) == "15 juillet 2025"


@pytest.mark.parametrize(
    ("month", "name"),
    [
        (1, "يناير"),
        (2, "فبراير"),
        (3, "مارس"),
        (4, "أبريل"),
        (5, "ماي"),
        (6, "يونيو"),
        (7, "يوليوز"),
        (8, "غشت"),
        (9, "شتنبر"),
        (10, "أكتوبر"),
        (11, "نونبر"),
        (12, "دجنبر"),
    ],
)
def test_it_uses_maghrebi_month_names_in_arabic(month, name):
    expected = f"\u206615\u2069 {name} \u20662025\u2069"
    assert format_date(date(2025, month, 15), "ar") == expected


def test_it_writes_long_dates_in_french_and_english():
    assert format_date(JULY_15, "fr") == "15 juillet 2025"
    assert format_date(date(2025, 8, 2), "fr") == "2 août 2025"
    assert format_date(date(2025, 12, 25), "fr") == "25 décembre 2025"
    assert format_date(JULY_15, "en") == "15 July 2025"


def test_it_writes_the_first_of_the_month_as_1er_in_french_only():
    assert format_date(date(2025, 5, 1), "fr") == "1er mai 2025"
    assert format_date(date(2025, 5, 1), "en") == "1 May 2025"
    assert format_date(date(2025, 5, 1), "ar") == "\u20661\u2069 ماي \u20662025\u2069"


def test_it_writes_short_dates_the_same_way_in_every_language():
    assert format_date(JULY_15, "fr", style="short") == "15/07/2025"
    assert format_date(JULY_15, "en", style="short") == "15/07/2025"
    assert format_date(JULY_15, "ar", style="short") == "\u206615/07/2025\u2069"


def test_it_rejects_an_unknown_date_style():
    with pytest.raises(ValueError):
        format_date(JULY_15, "fr", style="medium")


def test_it_converts_aware_datetimes_to_casablanca_before_formatting():
    late_evening_utc = datetime(2025, 7, 15, 23, 30, tzinfo=UTC)
    with (
        override_settings(TIME_ZONE="Africa/Casablanca"),
        timezone.override("Africa/Casablanca"),
    ):
        assert format_date(late_evening_utc, "fr") == "16 juillet 2025"
        assert format_date(late_evening_utc, "fr", style="short") == "16/07/2025"
        assert format_datetime(late_evening_utc, "fr") == "16 juillet 2025 00:30"
        assert format_datetime(late_evening_utc, "en") == "16 July 2025 00:30"
        assert format_datetime(late_evening_utc, "ar") == (
            "\u206616\u2069 يوليوز \u20662025\u2069 \u206600:30\u2069"
        )


def test_it_formats_naive_datetimes_as_already_local():
    assert format_datetime(datetime(2025, 5, 1, 9, 5), "fr") == "1er mai 2025 09:05"


def test_the_mad_filter_uses_the_active_language():
    amount = Decimal("1233737.62")
    with translation.override("ar"):
        assert render("{{ x|mad }}", x=amount) == "\u20661.233.737,62\u2069 درهم"
    with translation.override("fr"):
        assert render("{{ x|mad }}", x=amount) == "1.233.737,62 DH"


def test_the_number_filter_accepts_places():
    assert render("{{ x|number }}", x=Decimal("0.5")) == "0,50"
    assert render("{{ x|number:0 }}", x=476000) == "476.000"
    assert render('{{ x|number:"0" }}', x=476000) == "476.000"


def test_the_date_filters_use_the_active_language():
    moment = datetime(2025, 7, 15, 13, 30, tzinfo=UTC)
    source = "{{ d|longdate }}|{{ d|shortdate }}|{{ m|datetime_l }}"
    with timezone.override("Africa/Casablanca"), translation.override("fr"):
        assert (
            render(source, d=JULY_15, m=moment)
            == "15 juillet 2025|15/07/2025|15 juillet 2025 14:30"
        )
    with timezone.override("Africa/Casablanca"), translation.override("ar"):
        assert render(source, d=JULY_15, m=moment) == (
            "\u206615\u2069 يوليوز \u20662025\u2069|\u206615/07/2025\u2069|"
            "\u206615\u2069 يوليوز \u20662025\u2069 \u206614:30\u2069"
        )


def test_the_filters_render_nothing_for_missing_values():
    assert render("{{ missing|mad }}{{ none|longdate }}{{ none|number }}", none=None) == ""


def test_keep_codes_keeps_an_isolated_code_on_one_line_and_escapes_the_rest():
    text = f"<b>ملف {ltr('TNG-2026-0009')}، القانون {ltr('09-08')}، {ltr('Omar')}"
    assert render("{{ text|keep_codes }}", text=text) == (
        f'&lt;b&gt;ملف <span class="text-nowrap">{LRI}TNG-2026-0009{PDI}</span>، القانون '
        f'<span class="text-nowrap">{LRI}09-08{PDI}</span>، {LRI}Omar{PDI}'
    )
    # Outside Arabic nothing is isolated: the sentence stays as it was.
    assert (
        render("{{ text|keep_codes }}", text="the file TNG-2026-0009") == "the file TNG-2026-0009"
    )
