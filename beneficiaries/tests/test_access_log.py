"""Every read of a person's data in this app leaves one entry in the access log, written by the
view that serves it: documents, signed consents, the detention record's form, the
right-of-access PDF and the list's exports (one entry per export, with its number of files)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaries import services
from beneficiaries.models import ConsentText
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory, detention_for
from reintegration.models import AccessEntry, AuditEntry

pytestmark = pytest.mark.django_db


def entries() -> list[tuple]:
    return sorted(
        AccessEntry.objects.values_list(
            "kind", "user__username", "file_number", "reference", "rows"
        )
    )


def read(response) -> bytes:
    assert response.status_code == 200
    # Read to the end, as a server would; closing would close the test's connection.
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_opening_a_document_records_its_number_and_kind_never_its_name(client, users, person):
    document = services.document_attach(
        beneficiary=person,
        by=users["coordinator"],
        upload=SimpleUploadedFile("Fatima Zahra levee.pdf", PDF_BYTES),
        kind="release",
    )
    client.force_login(users["regional"])
    read(
        client.get(f"/beneficiaries/{person.pk}/documents/{document.pk}/", REMOTE_ADDR="192.0.2.1")
    )
    regional = users["regional"].username
    assert entries() == [
        ("document", regional, person.file_number, f"#{document.pk} release", None)
    ]
    assert AccessEntry.objects.get().ip_address == "192.0.2.1"
    # A read is no action: the audit log holds none.
    assert not AuditEntry.objects.filter(action="document.viewed").exists()


def test_opening_a_signed_consent_is_recorded(client, users, person):
    consent = services.consent_record(
        beneficiary=person,
        by=users["coordinator"],
        data={
            "given_on": person.created_at.date(),
            "language": "ar",
            "text": ConsentText.objects.get(),
            "scan": SimpleUploadedFile("signed.pdf", PDF_BYTES),
        },
    )
    client.force_login(users["national"])
    read(client.get(f"/beneficiaries/{person.pk}/consent/{consent.pk}/scan/"))
    reference = f"#{consent.pk} {consent.given_on.isoformat()}"
    assert entries() == [
        ("consent_scan", users["national"].username, person.file_number, reference, None)
    ]


def test_a_document_outside_the_scope_records_nothing(client, users, person, elsewhere):
    document = services.document_attach(
        beneficiary=person,
        by=users["coordinator"],
        upload=SimpleUploadedFile("a.pdf", PDF_BYTES),
        kind="other",
    )
    client.force_login(elsewhere["coordinator"])
    assert client.get(f"/beneficiaries/{person.pk}/documents/{document.pk}/").status_code == 404
    assert entries() == []


def test_the_detention_form_displays_the_record_and_records_it_but_saving_does_not(
    client, users, person
):
    record = detention_for(person)
    client.force_login(users["coordinator"])
    assert client.get(f"/beneficiaries/{person.pk}/detention/").status_code == 200
    coordinator = users["coordinator"].username
    assert entries() == [("detention", coordinator, person.file_number, "", None)]
    response = client.post(
        f"/beneficiaries/{person.pk}/detention/",
        {
            "establishment": record.establishment_id,
            "entry_date": "2018-03-01",
            "release_date": "2024-03-01",
            "sentence_months": "70",
        },
    )
    assert response.status_code == 302
    assert len(entries()) == 1


def test_the_right_of_access_pdf_records_itself_and_the_detention_record_it_shows(
    client, users, person, no_pdf_layout
):
    detention_for(person)
    client.force_login(users["coordinator"])
    assert client.get(f"/beneficiaries/{person.pk}/access-request.pdf").status_code == 200
    coordinator = users["coordinator"].username
    name = f"{person.file_number}-access.pdf"
    assert entries() == [
        ("access_request", coordinator, person.file_number, name, None),
        ("detention", coordinator, person.file_number, name, None),
    ]


def test_an_export_is_one_entry_with_its_number_of_files(client, users, centre):
    for _index in range(3):
        person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    detention_for(person)
    client.force_login(users["coordinator"])
    content = read(client.get("/beneficiaries/export.csv"))
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 4
    coordinator = users["coordinator"].username
    ((kind, who, number, reference, rows), detention) = entries()[::-1]
    assert (kind, who, number, rows) == ("export", coordinator, "", 3)
    assert reference.startswith("beneficiaries-") and reference.endswith(".csv")
    # The detention columns held one record: a view of it.
    assert detention == ("detention", coordinator, "", reference, 1)


def test_an_auditors_export_holds_no_detention_record_and_records_none(client, users, person):
    detention_for(person)
    client.force_login(users["auditor"])
    read(client.get("/beneficiaries/export.xlsx?sex=F"))
    assert [(kind, rows) for kind, _who, _number, _reference, rows in entries()] == [("export", 1)]


def test_an_export_of_no_file_is_still_recorded(client, users, person):
    client.force_login(users["national"])
    read(client.get("/beneficiaries/export.xlsx?q=nobody-by-this-name"))
    assert [(kind, rows) for kind, _who, _number, _reference, rows in entries()] == [("export", 0)]
