"""Phones read in pairs ("06 61 23 45 67"), people named by their full name in timelines."""

import pytest
from django.utils import translation

from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.audit import record
from reintegration.formatting import LRI, PDI, format_phone
from reintegration.models import AuditEntry
from reintegration.tests.factories import UserFactory


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+212661234567", "06 61 23 45 67"),
        ("+212522123456", "05 22 12 34 56"),
        ("0661234567", "06 61 23 45 67"),
        ("00212661234567", "06 61 23 45 67"),
        ("06.61.23.45.67", "06 61 23 45 67"),
        # Foreign numbers stay as stored: their grouping is not ours to guess.
        ("+33612345678", "+33612345678"),
    ],
)
def test_moroccan_numbers_are_shown_in_pairs_from_the_leading_zero(stored, shown):
    assert format_phone(stored, "fr") == shown


def test_in_arabic_the_number_is_isolated_left_to_right():
    assert format_phone("+212661234567", "ar") == f"{LRI}06 61 23 45 67{PDI}"
    assert format_phone("", "ar") == ""


@pytest.mark.django_db
def test_the_file_shows_the_phone_in_pairs(client):
    coordinator = UserFactory(coordinator=True, language="fr")
    person = BeneficiaryFactory(centre=coordinator.centre, by=coordinator, phone="+212661234567")
    client.force_login(coordinator)
    html = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    assert "06 61 23 45 67" in html
    assert "+212661234567" not in html


@pytest.mark.django_db
def test_the_timeline_names_people_by_their_full_name(client):
    coordinator = UserFactory(
        coordinator=True, username="k.alaoui", first_name="Karima", last_name="Alaoui"
    )
    person = BeneficiaryFactory(centre=coordinator.centre, by=coordinator)
    client.force_login(coordinator)
    html = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    assert "Karima Alaoui" in html
    assert "k.alaoui" not in html


@pytest.mark.django_db
def test_an_account_without_a_name_is_shown_by_its_username():
    nameless = UserFactory(username="ops", first_name="", last_name="")
    entry = record("auth.login", actor=nameless)
    with translation.override("en"):
        assert str(AuditEntry.objects.select_related("actor").get(pk=entry.pk)) == "ops signed in."
    # A failed sign-in has no account: the name typed is kept.
    failed = record("auth.login_failed", actor_label="unknown")
    with translation.override("en"):
        assert "unknown" in str(failed)


@pytest.mark.django_db
def test_the_edit_form_shows_the_phone_in_pairs_and_saves_it_unchanged(client):
    from beneficiaries.tests.test_views import form_data

    coordinator = UserFactory(coordinator=True, language="fr")
    person = BeneficiaryFactory(centre=coordinator.centre, by=coordinator, phone="+212661234567")
    client.force_login(coordinator)
    url = f"/beneficiaries/{person.pk}/edit/"
    assert 'value="06 61 23 45 67"' in client.get(url).content.decode()
    response = client.post(url, form_data(person, phone="06 61 23 45 67"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+212661234567"
