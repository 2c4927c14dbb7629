"""Archiving a file first says what it means for the person; only the confirmed request
archives."""

import html

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary
from projects.tests.factories import make_project
from reintegration.models import AuditEntry, User

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

    refused = client.post(url, {"reason": "", "confirmed": "1"})
    assert refused.status_code == 400
    assert "Say why the file is archived." in text(refused)
    assert Beneficiary.objects.get().archived_at is None

    done = client.post(url, {"reason": "déménagé à Fès", "confirmed": "1"})
    assert done.status_code == 302
    archived = Beneficiary.objects.get()
    assert archived.is_archived and archived.archive_reason == "déménagé à Fès"


def test_the_confirmation_warns_when_an_open_project_prevents_archiving(client, users, person):
    make_project(person, users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("beneficiary_archive", args=[person.pk])
    warning = "This person has an open life project: close or abandon it before archiving."
    assert warning in text(client.get(url))
    response = client.post(url, {"reason": "parti", "confirmed": "1"}, follow=True)
    assert warning in text(response)
    assert not Beneficiary.objects.get().is_archived
