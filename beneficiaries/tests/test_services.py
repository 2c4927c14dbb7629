import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from beneficiaries import services
from beneficiaries.models import Beneficiary, Document
from beneficiaries.tests.factories import PDF_BYTES, PNG_BYTES, BeneficiaryFactory, detention_for
from reintegration.concurrency import ConcurrentEdit
from reintegration.models import AuditEntry
from reintegration.refusals import Refused
from reintegration.tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # The messages below are pinned in the source language; the catalogues are tested elsewhere.
    with translation.override("en"):
        yield


def test_file_numbers_count_per_centre_and_year(users, centre):
    year = timezone.localdate().year
    first = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    second = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    other = BeneficiaryFactory(centre=CentreFactory(code="OUJ"), by=users["national"])
    assert [first.file_number, second.file_number] == [f"TNG-{year}-0001", f"TNG-{year}-0002"]
    assert other.file_number == f"OUJ-{year}-0001"


def test_a_number_is_never_reused_even_after_anonymisation(users, person, centre):
    services.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="moved")
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    assert services.anonymise_archived(years=10) == 1
    newcomer = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert newcomer.file_number.endswith("-0002")


def test_creating_a_file_is_audited_without_the_persons_name(users, person):
    entry = AuditEntry.objects.get(action="beneficiary.created")
    assert (entry.actor, entry.target_id) == (users["coordinator"], str(person.pk))
    assert entry.target_label == person.file_number


def test_an_edit_records_old_and_new_values_but_never_identifying_ones(users, person):
    services.beneficiary_update(
        beneficiary=person,
        by=users["coordinator"],
        data={"commune": "السواني", "education": "primary", "cin": "AB1234"},
        version=1,
    )
    entry = AuditEntry.objects.get(action="beneficiary.updated")
    assert entry.changes == {
        "commune": "changed",
        "cin": "changed",
        "education": ["", "primary"],
    }
    person.refresh_from_db()
    assert (person.version, person.commune) == (2, "السواني")


def test_a_second_save_from_a_stale_form_is_refused(users, person):
    services.beneficiary_update(
        beneficiary=person, by=users["coordinator"], data={"commune": "السواني"}, version=1
    )
    with pytest.raises(ConcurrentEdit):
        services.beneficiary_update(
            beneficiary=person, by=users["national"], data={"commune": "المدينة"}, version=1
        )
    person.refresh_from_db()
    assert person.commune == "السواني"


def test_search_text_folds_names_and_holds_the_local_phone_form(person):
    assert "فاطمه" in person.search_text
    assert "fatima zahra" in person.search_text
    assert "0612345678" in person.search_text


def test_archiving_needs_a_reason_and_restoring_undoes_it(users, person):
    with pytest.raises(Refused, match="Say why the file is archived"):
        services.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason=" ")
    services.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="moved")
    person.refresh_from_db()
    assert person.is_archived and person.archive_reason == "moved"
    services.beneficiary_restore(beneficiary=person, by=users["coordinator"])
    person.refresh_from_db()
    assert not person.is_archived


def test_detention_changes_are_logged_without_their_values(users, person):
    record = detention_for(person)
    services.detention_record_save(
        beneficiary=person,
        by=users["coordinator"],
        data={"sentence_months": 60, "release_date": record.release_date},
    )
    entry = AuditEntry.objects.get(action="detention.updated")
    assert entry.changes == {"sentence_months": "changed"}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scan.pdf", PDF_BYTES, "application/pdf"),
        ("photo.PNG", PNG_BYTES, "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ],
)
def test_documents_are_recognised_by_their_content(users, person, name, content, expected):
    upload = SimpleUploadedFile(name, content)
    document = services.document_attach(
        beneficiary=person, by=users["coordinator"], upload=upload, kind="other"
    )
    assert document.content_type == expected
    assert document.original_name == name
    # Stored under a random name, never the uploaded one.
    assert name.split(".")[0] not in document.file.name
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_a_program_renamed_to_pdf_is_refused(users, person):
    upload = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00\x03" + b"\x00" * 40)
    with pytest.raises(ValidationError) as error:
        services.document_attach(
            beneficiary=person, by=users["coordinator"], upload=upload, kind="other"
        )
    assert error.value.messages == ["Only PDF, JPEG and PNG files are accepted."]
    assert not Document.objects.exists()


def test_a_file_over_the_size_limit_is_refused(users, person, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as error:
        services.document_attach(
            beneficiary=person, by=users["coordinator"], upload=upload, kind="other"
        )
    assert error.value.messages == ["The file is too large: 1 MB at most."]


def test_a_person_with_an_open_project_cannot_be_archived(users, person):
    from projects.tests.factories import make_project

    make_project(person, users["coordinator"])
    with pytest.raises(Refused, match="open life project"):
        services.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="parti")
    person.refresh_from_db()
    assert not person.is_archived
