"""Dates are typed and shown day/month/year in every language, whatever the browser's locale."""

import datetime

import pytest
from django import forms
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reintegration.forms import DateInput

LANGUAGES = st.sampled_from(["ar", "fr", "en"])
DATES = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31))


def parsed(text: str, language: str) -> datetime.date:
    with translation.override(language):
        return forms.DateField().clean(text)


@given(DATES, LANGUAGES)
def test_what_the_field_shows_reads_back_as_the_same_day(day, language):
    with translation.override(language):
        shown = DateInput().format_value(day)
    assert shown == f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    assert parsed(shown, language) == day


@given(DATES, LANGUAGES, st.sampled_from(["/", "-", "."]), st.booleans())
def test_days_and_months_typed_with_or_without_zeros_and_any_separator(
    day, language, separator, padded
):
    if padded:
        text = f"{day.day:02d}{separator}{day.month:02d}{separator}{day.year:04d}"
    else:
        text = f"{day.day}{separator}{day.month}{separator}{day.year:04d}"
    assert parsed(text, language) == day


@given(DATES, LANGUAGES)
def test_the_iso_form_of_old_links_still_reads(day, language):
    assert parsed(day.isoformat(), language) == day


@given(
    st.integers(min_value=13, max_value=31),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1900, max_value=2100),
    LANGUAGES,
)
def test_a_day_above_twelve_is_never_read_as_a_month(day, month, year, language):
    # 25/03/2026 is the 25th of March; 03/25/2026, the American order, is refused.
    try:
        expected = datetime.date(year, month, day)
    except ValueError:
        expected = None
    text = f"{day:02d}/{month:02d}/{year}"
    if expected is None:
        with pytest.raises(forms.ValidationError):
            parsed(text, language)
    else:
        assert parsed(text, language) == expected
    with pytest.raises(forms.ValidationError):
        parsed(f"{month:02d}/{day:02d}/{year}", language)


@pytest.mark.parametrize(
    "text", ["31/02/2026", "05/03/26", "2026/03/05", "5 mars 2026", "0/1/2026"]
)
def test_impossible_or_ambiguous_dates_are_refused(text):
    for language in ("ar", "fr", "en"):
        with pytest.raises(forms.ValidationError):
            parsed(text, language)


@pytest.mark.parametrize(("language", "placeholder"), [("ar", "dd/mm/yyyy"), ("fr", "jj/mm/aaaa")])
def test_the_input_is_text_with_a_day_month_year_placeholder(language, placeholder):
    with translation.override(language):
        html = DateInput().render("held_on", datetime.date(2026, 3, 5))
    assert 'type="text"' in html and 'type="date"' not in html
    assert 'value="05/03/2026"' in html
    assert f'placeholder="{placeholder}"' in html
    assert 'dir="ltr"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_a_file_takes_the_date_of_birth_as_typed_and_shows_it_back(client, users, person, language):
    from beneficiaries.tests.test_views import form_data
    from reintegration.models import User

    User.objects.filter(pk=users["coordinator"].pk).update(language=language)
    client.force_login(users["coordinator"])
    url = f"/beneficiaries/{person.pk}/edit/"
    response = client.post(url, form_data(person, date_of_birth="3/4/1987"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(1987, 4, 3)
    html = client.get(url).content.decode()
    assert 'name="date_of_birth" value="03/04/1987"' in html


@pytest.mark.django_db
def test_the_dashboard_filters_read_day_month_year(client, users):
    client.force_login(users["national"])
    response = client.get("/", {"date_from": "01/02/2026", "date_to": "28/02/2026"})
    form = response.context["form"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_from"] == datetime.date(2026, 2, 1)
    assert 'value="01/02/2026"' in response.content.decode()
