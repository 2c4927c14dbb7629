import datetime

import pytest
from django.utils import translation

from beneficiaries.forms import BeneficiaryForm, DetentionRecordForm
from beneficiaries.models import ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory, EstablishmentFactory
from reintegration.models import Province

pytestmark = pytest.mark.django_db


def valid_data(**overrides):
    return {
        "first_name_ar": "يوسف",
        "last_name_ar": "العمراني",
        "first_name_latin": "Youssef",
        "last_name_latin": "El Amrani",
        "sex": "M",
        "date_of_birth": "1988-02-29",
        "cin": "",
        "phone": "",
        "residence_province": Province.objects.get(code="06.141.01.50").pk,
        "commune": "",
        "track": ProgrammeTrack.objects.get(code="moussalaha").pk,
        **overrides,
    }


def errors_in(language, form):
    with translation.override(language):
        return {field: list(messages) for field, messages in form.errors.items()}


def test_a_cin_is_normalised_to_capitals_without_spaces():
    form = BeneficiaryForm(data=valid_data(cin=" be 123-456 "))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cin"] == "BE123456"


def test_an_empty_cin_is_stored_as_null_so_uniqueness_ignores_it():
    form = BeneficiaryForm(data=valid_data(cin="  "))
    assert form.is_valid()
    assert form.cleaned_data["cin"] is None


def test_a_malformed_cin_is_refused_in_french():
    form = BeneficiaryForm(data=valid_data(cin="1234ABCD"))
    assert errors_in("fr", form)["cin"] == [
        "Une CIN se compose d'une ou deux lettres suivies de six chiffres au plus, par "
        "exemple BE123456."
    ]


def test_an_edit_to_a_cin_already_in_another_file_is_refused_without_revealing_it(users, centre):
    # A new file's CIN is checked with its other likely duplicates (test_duplicates.py).
    BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB12345")
    other = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="CD1")
    form = BeneficiaryForm(data=valid_data(cin="ab 12345"), instance=other)
    message = errors_in("en", form)["cin"][0]
    assert message.startswith("This CIN is already registered in another file.")
    assert "TNG-" not in message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0612345678", "+212612345678"),
        ("06 12 34 56 78", "+212612345678"),
        ("+212 5 22 12 34 56", "+212522123456"),
        ("", ""),
    ],
)
def test_phones_are_stored_in_international_form(typed, stored):
    form = BeneficiaryForm(data=valid_data(phone=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == stored


def test_a_wrong_phone_gets_an_arabic_message():
    form = BeneficiaryForm(data=valid_data(phone="0112"))
    assert errors_in("ar", form)["phone"] == [
        "يرجى إدخال رقم هاتف مغربي، مثلا 0612345678 أو +212612345678."
    ]


@pytest.mark.parametrize("born", ["2020-01-01", "1900-01-01"])
def test_an_implausible_age_is_refused(born):
    form = BeneficiaryForm(data=valid_data(date_of_birth=born))
    assert "date_of_birth" in form.errors


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    form = BeneficiaryForm(data=valid_data(date_of_birth=tomorrow.isoformat()))
    assert errors_in("en", form)["date_of_birth"] == ["This date is in the future."]


def detention_form(person, **overrides):
    data = {
        "establishment": EstablishmentFactory().pk,
        "entry_date": "2019-01-10",
        "release_date": "2023-01-10",
        "sentence_months": 48,
        **overrides,
    }
    return DetentionRecordForm(data=data, beneficiary=person)


def test_release_must_follow_entry(person):
    form = detention_form(person, release_date="2018-01-10")
    assert errors_in("fr", form)["release_date"] == [
        "La date de libération doit être postérieure à la date d'incarcération."
    ]


def test_entry_before_the_age_of_twelve_is_refused(person):
    form = detention_form(person, entry_date="1995-01-01")
    assert errors_in("en", form)["entry_date"] == [
        "The person would have been under 12 at entry: check the dates."
    ]


def test_a_valid_detention_record_passes(person):
    assert detention_form(person).is_valid()
