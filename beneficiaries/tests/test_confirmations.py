"""Archiving a file first says what it means for the person; only the confirmed request
archives."""

import html

import pytest
from django.urls import reverse

from beneficiaries import services
from beneficiaries.models import Beneficiary
from projects.tests.factories import make_project
from reintegration.models import AuditEntry, User
from reintegration.tests.confirming import confirm, fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_archiving_first_says_what_happens_to_the_file_and_changes_nothing(
    client, users, person, settings
):
    settings.BENEFICIARY_RETENTION_YEARS = 7
    client.force_login(users["coordinator"])
    url = reverse("beneficiary_archive", args=[person.pk])
    for response in (client.get(url), client.post(url, {"reason": "déménagé à Fès"})):
        page = text(response)
        assert response.status_code == 200
        assert (
            f"Archiving the file {person.file_number} of Fatima Zahra takes it off the default "
            "list: it is kept, stays searchable with “Include archived files” and can be "
            "restored. "
            "Until then it cannot be edited and no project can be opened for the person." in page
        )
        assert (
            "After 7 years in the archive the person's identity is removed; sex, year of birth, "
            "province and outcomes are kept for statistics." in page
        )
        assert "btn-danger" in page and "Yes, archive the file" in page
        assert f'href="{reverse("beneficiary_detail", args=[person.pk])}"' in page
        assert Beneficiary.objects.get().archived_at is None
    assert 'value="déménagé à Fès"' in page
    assert not AuditEntry.objects.filter(action="beneficiary.archived").exists()

    refused = client.post(
        url, {"reason": "", "fingerprint": fingerprint(response), "confirmed": "1"}
    )
    assert refused.status_code == 400
    assert "Say why the file is archived." in text(refused)
    assert Beneficiary.objects.get().archived_at is None

    done = confirm(client, url, {"reason": "déménagé à Fès"})
    assert done.status_code == 302
    archived = Beneficiary.objects.get()
    assert archived.is_archived and archived.archive_reason == "déménagé à Fès"


def test_when_an_open_project_prevents_archiving_the_page_says_so_and_only_goes_back(
    client, users, person
):
    make_project(person, users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("beneficiary_archive", args=[person.pk])
    warning = "This person has an open life project: close or abandon it before archiving."
    for response in (client.get(url), confirm(client, url, {"reason": "parti"})):
        page = text(response)
        assert warning in page
        assert "Yes, archive the file" not in page and 'name="confirmed"' not in page
        assert 'name="reason"' not in page
        assert f'href="{reverse("beneficiary_detail", args=[person.pk])}" id="go-back"' in page
    assert response.status_code == 409
    assert not Beneficiary.objects.get().is_archived


def test_archiving_confirmed_after_the_person_was_renamed_asks_again(client, users, person):
    client.force_login(users["coordinator"])
    url = reverse("beneficiary_archive", args=[person.pk])
    opened = client.get(url)
    services.beneficiary_update(
        beneficiary=person,
        by=users["national"],
        data={"first_name_latin": "Fatiha"},
        version=person.version,
    )
    stale = client.post(
        url, {"reason": "parti", "fingerprint": fingerprint(opened), "confirmed": "1"}
    )
    page = text(stale)
    assert stale.status_code == 409
    assert "The figures changed since you opened this page: check them and confirm again." in page
    assert f"Archiving the file {person.file_number} of Fatiha Zahra" in page
    assert 'value="parti"' in page
    assert not Beneficiary.objects.get().is_archived

    done = client.post(
        url, {"reason": "parti", "fingerprint": fingerprint(stale), "confirmed": "1"}
    )
    assert done.status_code == 302
    assert Beneficiary.objects.get().is_archived
