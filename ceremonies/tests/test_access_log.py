"""Printing a person's certificate, or a paper listing a ceremony's people, leaves an entry in
the access log: the certificate with its file, a list with its number of people."""

import pytest
from django.urls import reverse

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies.tests.factories import held_ceremony
from projects.tests.factories import approved, make_project
from reintegration.models import AccessEntry

# Who printed what, not what it says: PDFs are laid out in test_certificates.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf_layout")]


@pytest.fixture
def ceremony(users, centre, convention):
    projects = [
        approved(
            make_project(
                BeneficiaryFactory(centre=centre, by=users["coordinator"], cin=cin),
                users["coordinator"],
            ),
            users,
        )
        for cin in ("BE100001", "BE100002")
    ]
    held = held_ceremony(projects, users)
    certificates.certificates_issue(ceremony=held, by=users["coordinator"])
    return held


def entries() -> list[tuple]:
    return list(
        AccessEntry.objects.order_by("pk").values_list(
            "kind", "user__username", "file_number", "reference", "rows"
        )
    )


def test_printing_a_certificate_records_whose_it_is(client, users, ceremony):
    certificate = ceremony.handovers.order_by("pk").first().certificates.get()
    client.force_login(users["official"])
    url = reverse("certificate_pdf", args=[ceremony.pk, certificate.pk])
    assert client.get(url, REMOTE_ADDR="198.51.100.4").status_code == 200
    number = certificate.handover.project.beneficiary.file_number
    assert entries() == [
        ("certificate", users["official"].username, number, certificate.number, None)
    ]
    assert AccessEntry.objects.get().ip_address == "198.51.100.4"


def test_the_ceremonys_certificates_are_one_export_with_their_number(client, users, ceremony):
    client.force_login(users["regional"])
    assert client.get(reverse("ceremony_batch", args=[ceremony.pk])).status_code == 200
    name = f"certificates-{ceremony.held_on.isoformat()}-{ceremony.pk}.pdf"
    assert entries() == [("export", users["regional"].username, "", name, 2)]


def test_the_attendance_sheet_is_one_export_with_its_number_of_people(client, users, ceremony):
    client.force_login(users["coordinator"])
    assert client.get(reverse("ceremony_attendance", args=[ceremony.pk])).status_code == 200
    name = f"attendance-{ceremony.held_on.isoformat()}-{ceremony.pk}.pdf"
    assert entries() == [("export", users["coordinator"].username, "", name, 2)]


def test_a_refused_print_records_nothing(client, users, ceremony):
    certificate = ceremony.handovers.first().certificates.get()
    client.force_login(users["auditor"])
    url = reverse("certificate_pdf", args=[ceremony.pk, certificate.pk])
    assert client.get(url).status_code == 403
    assert entries() == []
