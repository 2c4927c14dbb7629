"""Invariant 5: nothing is lost. No hard delete of people, projects or money from the UI, and
financial links are protected in the database."""

import pytest
from django.db.models import ProtectedError

from beneficiaries.models import Beneficiary
from partners.models import Convention
from projects.tests.factories import approved, make_project
from reintegration.tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reintegration/centre/{centre}/delete/",
        "/admin/reintegration/user/{user}/delete/",
        "/admin/partners/convention/{convention}/delete/",
    ],
)
def test_headquarters_cannot_delete_from_the_back_office(client, users, centre, convention, url):
    client.force_login(users["national"])
    target = url.format(centre=centre.pk, user=users["coordinator"].pk, convention=convention.pk)
    assert client.get(target).status_code == 403
    assert client.post(target, {"post": "yes"}).status_code == 403
    assert Convention.objects.filter(pk=convention.pk).exists()


def test_no_url_deletes_a_person_a_project_or_money():
    from reintegration.tests.test_permission_matrix import MATRIX

    deleting = [name for name in MATRIX if "delete" in name]
    # Only a budget line of a draft (working data, not money) can be removed.
    assert deleting == ["budget_line_delete"]


def test_a_convention_with_allocations_and_a_charged_person_cannot_be_deleted(
    users, person, convention
):

    approved(make_project(person, users["coordinator"]), users)
    with pytest.raises(ProtectedError):
        convention.delete()
    with pytest.raises(ProtectedError):
        Beneficiary.objects.filter(pk=person.pk).delete()
    with pytest.raises(ProtectedError):
        CentreFactory._meta.model.objects.filter(pk=person.centre_id).delete()
