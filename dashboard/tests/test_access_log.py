"""The convention report's workbook lists the files financed that the reader may see: when it
lists any, the download is an export of people and is recorded in the access log."""

import pytest

from projects.tests.factories import approved, make_project
from reintegration.models import AccessEntry

pytestmark = pytest.mark.django_db


def test_the_workbook_listing_files_is_recorded_with_their_number(
    client, users, person, convention
):
    approved(make_project(person, users["coordinator"]), users)
    client.force_login(users["coordinator"])
    assert client.get(f"/conventions/{convention.pk}/report.xlsx").status_code == 200
    assert list(AccessEntry.objects.values_list("kind", "user", "reference", "rows")) == [
        ("export", users["coordinator"].pk, f"{convention.reference}.xlsx", 1)
    ]


def test_totals_alone_record_nothing(client, users, person, convention):
    approved(make_project(person, users["coordinator"]), users)
    # An official reads the totals, never who the money went to; the page holds totals only.
    client.force_login(users["official"])
    assert client.get(f"/conventions/{convention.pk}/report.xlsx").status_code == 200
    client.force_login(users["coordinator"])
    assert client.get(f"/conventions/{convention.pk}/report/").status_code == 200
    assert not AccessEntry.objects.exists()
