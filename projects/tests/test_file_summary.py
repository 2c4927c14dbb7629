"""The one-page file summary: read from the real PDF (pypdf), on one A4 page for a typical
file, Arabic first, and without the detention record for the roles that may not see it."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.tests.factories import detention_for
from projects import services
from projects.tests.factories import equipped, make_project
from reintegration.models import AccessEntry

pytestmark = pytest.mark.django_db

DETENTION_TRAINING = "تلحيم صناعي متقدم"
ESTABLISHMENT = "Prison locale Tanger 2"


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def typical(person, users):
    """A file as most are after a year: a project of six lines, approved, funded, handed over,
    four decisions with comments, two visits done and two to come, and a detention record."""
    detention_for(person, training_in_prison=DETENTION_TRAINING)
    lines = [
        ("ماكينة خياطة صناعية", "2", "6800.00"),
        ("ماكينة حبكة", "1", "4250.50"),
        ("طاولة تفصيل", "1", "1850.25"),
        ("مقص ولوازم", "3", "150"),
        ("أقمشة وخيوط", "1", "3500"),
        ("كرسي", "2", "450"),
    ]
    project = make_project(person, users["coordinator"], lines=lines, location="بني مكادة، طنجة")
    handed = timezone.localdate() - datetime.timedelta(days=400)
    equipped(project, users, handed)
    for visit in project.visits.order_by("milestone_months")[:2]:
        services.visit_record(
            visit=visit,
            by=users["coordinator"],
            data={
                "done_on": visit.due_on,
                "kind": "workplace",
                "business_active": True,
                "equipment_in_use": True,
                "monthly_income": Decimal("3200.50"),
            },
        )
    return project


def get_summary(client, user, person):
    client.force_login(user)
    response = client.get(f"/projects/file/{person.pk}/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_a_typical_file_fits_one_page_with_identity_project_budget_decisions_and_visits(
    client, users, person, typical
):
    pages, text = text_of(get_summary(client, users["coordinator"], person))
    assert pages == 1
    flat = re.sub(r"[\u2066-\u2069]", "", text)
    assert person.file_number in flat
    assert "Fatima Zahra" in flat or "Fatima" in flat
    assert "ماكينة حبكة" in flat or "حبكة" in flat
    # The total of the six lines, exact, in the Moroccan format: 13.600 + 4.250,50 + 1.850,25
    # + 450 + 3.500 + 900.
    assert "24.550,75" in flat
    assert "3.200,50" in flat
    # Decisions name people by their full name.
    assert users["regional"].get_full_name() in flat
    # Both languages: the Arabic and the French labels of the identity section.
    assert "Identité" in flat
    # The coordinator may read the detention record: it is in the summary, and logged.
    assert ESTABLISHMENT in flat
    kinds = list(
        AccessEntry.objects.filter(file_number=person.file_number)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["file_summary", "detention"]


@pytest.mark.parametrize("role", ["auditor"])
def test_the_detention_record_is_absent_for_a_role_that_may_not_see_it(
    client, users, person, typical, role
):
    pages, text = text_of(get_summary(client, users[role], person))
    assert pages == 1
    assert ESTABLISHMENT not in text
    assert "Détention" not in text and "Detention" not in text
    assert "تلحيم" not in text
    entries = AccessEntry.objects.filter(user=users[role], file_number=person.file_number)
    assert list(entries.values_list("kind", flat=True)) == ["file_summary"]


def test_a_file_without_a_project_still_prints(client, users, person):
    pages, text = text_of(get_summary(client, users["regional"], person))
    assert pages == 1
    assert person.file_number in re.sub(r"[\u2066-\u2069]", "", text)


def test_the_file_page_links_to_its_summary(client, users, person):
    client.force_login(users["auditor"])
    html = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    assert f'href="/projects/file/{person.pk}/summary.pdf"' in html
