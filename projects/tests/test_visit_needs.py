"""Right after a follow-up visit is recorded, the centre is offered to record the needs
assessment made at it, kept with the visit."""

import pytest
from django.utils import timezone

from beneficiaries.tests.test_needs import record
from projects.tests.factories import equipped, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(person, users, convention):
    project = equipped(make_project(person, users["coordinator"]), users, timezone.localdate())
    return project.visits.order_by("milestone_months").first()


def visit_data(visit):
    return {
        "done_on": timezone.localdate().strftime("%d/%m/%Y"),
        "kind": "workplace",
        "business_active": "true",
        "monthly_income": "3200",
        "equipment_in_use": "true",
    }


def test_recording_a_visit_offers_its_needs_assessment(client, users, visit):
    client.force_login(users["coordinator"])
    url = f"/projects/{visit.project_id}/visits/{visit.pk}/"
    assert 'id="visit-needs-record"' not in client.get(url).content.decode()
    response = client.post(url, visit_data(visit), follow=True)
    html = response.content.decode()
    link = f"/beneficiaries/{visit.project.beneficiary_id}/needs/new/?visit={visit.pk}"
    assert f'href="{link}" id="visit-needs-link"' in html
    assert 'id="visit-needs-record"' in client.get(url).content.decode()


def test_once_recorded_the_visit_page_leads_to_the_assessment(client, users, visit, person):
    client.force_login(users["coordinator"])
    url = f"/projects/{visit.project_id}/visits/{visit.pk}/"
    client.post(url, visit_data(visit))
    visit.refresh_from_db()
    made = record(
        person, users["coordinator"], occasion="visit", visit_id=visit.pk, on=visit.done_on
    )
    html = client.get(url).content.decode()
    assert f"/beneficiaries/{person.pk}/needs/{made.pk}/" in html
    # Saving the visit again offers nothing more to record.
    response = client.post(url, visit_data(visit), follow=True)
    assert 'id="visit-needs-link"' not in response.content.decode()
