"""The ceremony pages as their users go through them: plan, choose, record, hold, print."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies.models import Ceremony, Certificate, Handover
from partners.models import Convention
from projects.models import LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests.confirming import confirm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def project(centre, users, convention):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB12345")
    return approved(make_project(person, users["coordinator"]), users)


def plan(client, convention, **overrides):
    data = {
        "held_on": timezone.localdate().isoformat(),
        "place": "Siège de la préfecture",
        "presided_by": "M. le Wali",
        "authority": "wali",
        "conventions": [convention.pk],
        "attendees": "Chef de la DAS",
        **overrides,
    }
    return client.post(reverse("ceremony_create"), data)


def formset_data(handover, **changes):
    items = list(handover.items.all())
    data = {
        "items-TOTAL_FORMS": str(len(items) + 2),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "version": str(handover.version),
        "cheque_amount": "",
        "cheque_number": "",
    }
    for index, item in enumerate(items):
        data.update(
            {
                f"items-{index}-id": str(item.pk),
                f"items-{index}-handover": str(handover.pk),
                f"items-{index}-designation": item.designation,
                f"items-{index}-brand": "",
                f"items-{index}-serial_numbers": "",
                f"items-{index}-quantity": str(item.quantity),
                f"items-{index}-unit_value": str(item.unit_value),
            }
        )
    data.update(changes)
    return data


def test_a_coordinator_prepares_and_regional_staff_hold_the_ceremony(
    client, users, project, convention
):
    client.force_login(users["coordinator"])
    response = plan(client, convention)
    ceremony = Ceremony.objects.get()
    assert response["Location"] == reverse("ceremony_projects", args=[ceremony.pk])
    assert ceremony.centre == users["coordinator"].centre
    page = client.get(response["Location"]).content.decode()
    assert project.beneficiary.file_number in page

    client.post(response["Location"], {"projects": [project.pk]})
    handover = Handover.objects.get()
    data = formset_data(
        handover,
        **{
            "items-0-brand": "Juki",
            "items-0-serial_numbers": "ddl 8700\r\nddl 8701",  # two machines
            "cheque_amount": "",
        },
    )
    response = client.post(reverse("handover_edit", args=[ceremony.pk, handover.pk]), data)
    assert response.status_code == 302, response.content.decode()
    serials = handover.items.first().serials.values_list("serial", flat=True)
    assert list(serials) == ["DDL8700", "DDL8701"]

    # The coordinator prints the attendance sheet but does not hold the ceremony.
    sheet = client.get(reverse("ceremony_attendance", args=[ceremony.pk]))
    text = PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    assert project.beneficiary.file_number in text and "****345" in text
    detail = client.get(reverse("ceremony_detail", args=[ceremony.pk])).content.decode()
    assert 'id="hold"' not in detail

    client.force_login(users["regional"])
    detail = client.get(reverse("ceremony_detail", args=[ceremony.pk])).content.decode()
    assert 'id="hold"' in detail
    confirm(client, reverse("ceremony_action", args=[ceremony.pk, "hold"]))
    assert Ceremony.objects.get().status == "held"
    assert LifeProject.objects.get().status == Status.EQUIPPED
    assert Convention.objects.get().disbursed == project.requested_total

    client.force_login(users["coordinator"])
    client.post(reverse("certificates_issue", args=[ceremony.pk]))
    certificate = Certificate.objects.get()
    client.force_login(users["official"])
    batch = client.get(reverse("ceremony_batch", args=[ceremony.pk]))
    assert certificate.number in PdfReader(io.BytesIO(batch.content)).pages[1].extract_text()


def test_a_form_with_errors_keeps_what_was_typed(client, users, project, convention):
    client.force_login(users["coordinator"])
    response = plan(client, convention, authority="other", presided_by="Pacha de la ville")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the title of the presiding authority." in html
    assert "Pacha de la ville" in html
    assert Ceremony.objects.count() == 0


def test_a_refused_handover_keeps_the_rows_typed(client, users, project, convention):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    handover = Handover.objects.get()
    data = formset_data(
        handover,
        **{
            "items-1-designation": "Moto triporteur",
            "items-1-quantity": "1",
            "items-1-unit_value": "99999.00",
        },
    )
    response = client.post(reverse("handover_edit", args=[ceremony.pk, handover.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "disbursed cannot exceed committed" in html
    assert "Moto triporteur" in html and "99999.00" in html
    assert handover.items.count() == 1


def test_the_ceremony_menu_and_the_project_page_link_to_each_other(
    client, users, project, convention
):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    home = client.get(reverse("ceremony_list")).content.decode()
    assert reverse("ceremony_detail", args=[ceremony.pk]) in home
    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert reverse("ceremony_detail", args=[ceremony.pk]) in page
