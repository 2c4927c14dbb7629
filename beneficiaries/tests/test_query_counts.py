"""The beneficiary list costs the same number of queries for a few files as for several pages
of them, for a region and for the whole country (docs/benchmarks.md measures its time at
national scale)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries.tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["regional", "national"])
def test_the_list_costs_the_same_queries_for_a_few_files_or_several_pages(
    client, users, centre, role
):
    for _index in range(2):
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users[role])
    client.get("/beneficiaries/")  # the first request of a session records its activity time
    few = queries(client, "/beneficiaries/")
    for _index in range(55):  # more than two pages of 25
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert queries(client, "/beneficiaries/") == few
    assert queries(client, "/beneficiaries/?page=3") == few
    assert queries(client, "/beneficiaries/?page=2&status=registered&sex=F") == few
