import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from beneficiaries import services
from beneficiaries.models import Beneficiary, DetentionRecord, Document
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory, detention_for
from reintegration.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=False)


def archive(person, by, years_ago):
    services.beneficiary_archive(beneficiary=person, by=by, reason="parti")
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * years_ago + 1)
    )


def test_old_archived_files_lose_identity_but_keep_statistics(
    users, centre, settings, capsys, django_capture_on_commit_callbacks
):
    settings.BENEFICIARY_RETENTION_YEARS = 10
    by = users["coordinator"]
    old = BeneficiaryFactory(centre=centre, by=by, cin="AB123")
    recent = BeneficiaryFactory(centre=centre, by=by)
    active = BeneficiaryFactory(centre=centre, by=by)
    detention_for(old)
    document = services.document_attach(
        beneficiary=old, by=by, upload=SimpleUploadedFile("cin.pdf", PDF_BYTES), kind="cin"
    )
    stored = document.file.path
    archive(old, by, years_ago=11)
    archive(recent, by, years_ago=3)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_archived")
    assert "1 file(s) archived more than 10 years ago were anonymised." in capsys.readouterr().out

    old.refresh_from_db()
    assert (old.first_name_latin, old.last_name_ar, old.cin, old.phone) == ("—", "—", None, "")
    assert old.date_of_birth == datetime.date(1990, 1, 1)
    assert (old.sex, old.residence_province.code, old.centre) == ("F", "01.511", centre)
    assert "fatima" not in old.search_text
    assert not DetentionRecord.objects.filter(beneficiary=old).exists()
    assert not Document.objects.filter(beneficiary=old).exists()
    assert not __import__("os").path.exists(stored)
    assert AuditEntry.objects.filter(action="beneficiary.anonymised").count() == 1
    for untouched in (recent, active):
        untouched.refresh_from_db()
        assert untouched.first_name_latin == "Fatima"
    # A second run finds nothing more to do.
    call_command("anonymise_archived")
    assert "0 file(s)" in capsys.readouterr().out


def test_a_dry_run_only_counts(users, centre, capsys):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    archive(person, users["coordinator"], years_ago=20)
    call_command("anonymise_archived", "--dry-run", "--years", "5")
    assert (
        "1 file(s) archived more than 5 years ago would be anonymised." in capsys.readouterr().out
    )
    person.refresh_from_db()
    assert person.anonymised_at is None
