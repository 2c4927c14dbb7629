"""The approval inbox costs the same number of queries for one waiting project as for several
pages of them (docs/benchmarks.md measures its time at national scale)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from projects.models import LifeProject, Status

pytestmark = pytest.mark.django_db


def waiting(centre, by, count: int, status: str) -> None:
    """``count`` projects waiting in ``status``, written directly: only the inbox is tested."""
    now = timezone.now()
    LifeProject.objects.bulk_create(
        LifeProject(
            beneficiary=BeneficiaryFactory(centre=centre, by=by),
            status=status,
            title=f"Projet {index}",
            requested_total=Decimal("45000.00"),
            submitted_at=now - datetime.timedelta(days=index),
            created_by=by,
        )
        for index in range(count)
    )


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("role", "status"),
    [("regional", Status.SUBMITTED), ("national", Status.AWAITING_NATIONAL)],
)
def test_the_inbox_costs_the_same_queries_for_one_project_or_several_pages(
    client, users, centre, role, status
):
    waiting(centre, users["coordinator"], 1, status)
    client.force_login(users[role])
    client.get("/projects/inbox/")  # the first request of a session records its activity time
    one = queries(client, "/projects/inbox/")
    waiting(centre, users["coordinator"], 60, status)  # more than a page of 50
    first_page = queries(client, "/projects/inbox/")
    second_page = queries(client, "/projects/inbox/?page=2")
    assert one == first_page == second_page
