"""Every write to a beneficiary file goes through here: numbering, optimistic locking, archive,
restricted data and documents, each recorded in the audit log in the same transaction."""

from __future__ import annotations

import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import duplicates, hooks
from beneficiaries.models import (
    Beneficiary,
    Consent,
    DetentionRecord,
    Document,
    FileNumberCounter,
)
from beneficiaries.names import name_key, name_search_words
from reintegration import audit, protected_records
from reintegration.concurrency import ConcurrentEdit
from reintegration.models import Centre, OutboxMessage, Role
from reintegration.refusals import Refused
from reintegration.text import clean_text, fold

if TYPE_CHECKING:
    from django.core.files import File
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models.fields.files import FieldFile

    from reintegration.models import User

# Values that identify the person: never copied into the audit log.
IDENTIFYING_FIELDS = {
    "first_name_ar",
    "last_name_ar",
    "first_name_latin",
    "last_name_latin",
    "date_of_birth",
    "cin",
    "phone",
    "commune",
    "notes",
}

# Fields a person's file is edited through; everything else is managed by the services.
EDITABLE_FIELDS = (
    "first_name_ar",
    "last_name_ar",
    "first_name_latin",
    "last_name_latin",
    "sex",
    "date_of_birth",
    "cin",
    "phone",
    "residence_province",
    "commune",
    "education",
    "family_situation",
    "dependants",
    "track",
    "notes",
)


def _search_text(beneficiary: Beneficiary) -> str:
    parts = [
        beneficiary.first_name_ar,
        beneficiary.last_name_ar,
        beneficiary.first_name_latin,
        beneficiary.last_name_latin,
        beneficiary.file_number,
        beneficiary.cin or "",
        beneficiary.phone,
    ]
    if beneficiary.phone.startswith("+212"):
        parts.append("0" + beneficiary.phone[4:])  # as people type it: 06…
    names = name_search_words(
        beneficiary.first_name_latin,
        beneficiary.last_name_latin,
        beneficiary.first_name_ar,
        beneficiary.last_name_ar,
    )
    return f"{fold(' '.join(parts))} {names}".strip()


def _set_name_keys(beneficiary: Beneficiary) -> None:
    beneficiary.name_key = name_key(beneficiary.first_name_latin, beneficiary.last_name_latin)
    beneficiary.name_key_ar = name_key(beneficiary.first_name_ar, beneficiary.last_name_ar)


def _display(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def next_file_number(centre: Centre, year: int) -> str:
    """TNG-2025-0042: per centre and year, from a locked counter row, never reused."""
    counter, _created = FileNumberCounter.objects.select_for_update().get_or_create(
        centre=centre, year=year
    )
    FileNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{centre.code}-{year}-{counter.last:04d}"


class PossibleDuplicates(Refused):
    """The person may already have a file: nothing was saved, ``found`` says which. Its own
    kind of refusal because the form shows the files found, not only a sentence."""

    def __init__(self, found: duplicates.Duplicates) -> None:
        super().__init__(_("This person may already have a file"))
        self.found = found


def lock_centre(centre: Centre) -> None:
    """Serialise, per centre, looking for a person's files and opening one. Two Saves of the
    same form at the same moment (a double click) would otherwise both find nothing and both
    open a file, or the second would hit the CIN's unique constraint. The centre's row, not the
    file-number counter: the year's counter does not exist before its first file, and a missing
    row cannot be locked. SQLite has no row locks, but its IMMEDIATE transactions
    (settings.DATABASES) already make writers queue at BEGIN: there the check must simply run
    inside the transaction that inserts."""
    list(Centre.objects.select_for_update().filter(pk=centre.pk).values_list("pk", flat=True))


@transaction.atomic
def beneficiary_open(
    *, by: User, centre: Centre, data: dict[str, Any], different_person: str = ""
) -> Beneficiary:
    """Open a file unless the person may already have one (``PossibleDuplicates``).
    ``different_person`` is the token of the likely duplicates the user was shown and declared
    to be other people; it opens the file only if the same files still match and none of them
    holds the CIN."""
    lock_centre(centre)
    found = duplicates.find_one(data, user=by)
    if found and (different_person != found.token or found.blocking):
        raise PossibleDuplicates(found)
    try:
        # Nested, beneficiary_create is a savepoint: after a refused insert the transaction
        # is still usable.
        return beneficiary_create(by=by, centre=centre, data=data, different_from=found.numbers)
    except IntegrityError:
        # Another centre opened a file with this CIN after the check (the centre lock does
        # not cover them); it is committed now, so the check finds it.
        found = duplicates.find_one(data, user=by)
        if not found.blocking:
            raise
        raise PossibleDuplicates(found) from None


@transaction.atomic
def beneficiary_create(
    *,
    by: User,
    centre: Centre,
    data: dict[str, Any],
    different_from: list[str] | None = None,
) -> Beneficiary:
    """Open a file. ``different_from`` lists the file numbers of the likely duplicates the
    user was shown and declared to be other people: that choice is recorded with the file."""
    beneficiary = Beneficiary(centre=centre, created_by=by)
    if by.role == Role.COORDINATOR and by.centre_id == centre.pk:
        # Whoever opens the file follows the person until someone else is named (casework).
        beneficiary.referent = by
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(beneficiary, field, data[field])
    beneficiary.file_number = next_file_number(centre, timezone.localdate().year)
    beneficiary.search_text = _search_text(beneficiary)
    _set_name_keys(beneficiary)
    beneficiary.save()
    audit.record("beneficiary.created", actor=by, target=beneficiary)
    if different_from:
        audit.record(
            "beneficiary.created_despite_duplicates",
            actor=by,
            target=beneficiary,
            changes={"candidates": sorted(different_from)},
        )
    hooks.files_changed([beneficiary.pk])
    return beneficiary


@transaction.atomic
def beneficiary_update(
    *, beneficiary: Beneficiary, by: User, data: dict[str, Any], version: int
) -> Beneficiary:
    """Save the edited fields only if nobody saved since ``version`` was read.

    The version check and the write are one conditional UPDATE, so two people saving at the same
    moment cannot both succeed: the second gets ConcurrentEdit instead of silently
    overwriting the first.
    """
    current = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if current.version != version:
        raise ConcurrentEdit(current)
    changes = {}
    for field in EDITABLE_FIELDS:
        if field in data and getattr(current, field) != data[field]:
            # The audit log is append-only and outlives anonymisation: identifying values are
            # recorded as "changed", the others with their old and new value.
            changes[field] = (
                "changed"
                if field in IDENTIFYING_FIELDS
                else [_display(getattr(current, field)), _display(data[field])]
            )
            setattr(current, field, data[field])
    if not changes:
        return current
    current.search_text = _search_text(current)
    _set_name_keys(current)
    current.updated_at = timezone.now()
    attnames = [cast(Field, Beneficiary._meta.get_field(name)).attname for name in changes]
    values = {name: getattr(current, name) for name in attnames}
    values.update(
        search_text=current.search_text,
        name_key=current.name_key,
        name_key_ar=current.name_key_ar,
        updated_at=current.updated_at,
    )
    if "phone" in changes and current.sms_consent_at is not None:
        # The agreement to text messages was given for the number on the file then: a new
        # number may be someone else's, who must not be texted, so it is asked for again.
        current.sms_consent_at = current.sms_consent_by = None
        values.update(sms_consent_at=None, sms_consent_by=None)
        changes["sms_consent"] = "withdrawn"
    updated = Beneficiary.objects.filter(pk=current.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise ConcurrentEdit(current)
    current.version = version + 1
    audit.record("beneficiary.updated", actor=by, target=current, changes=changes)
    return current


def archive_refusal(beneficiary: Beneficiary) -> str:
    """Why the file cannot be archived now ("" when it can): the confirmation page says it
    before the user confirms, and ``beneficiary_archive`` refuses for the same reason."""
    for check in hooks.ARCHIVE_CHECKS:
        if refusal := check(beneficiary):
            return refusal
    return ""


@transaction.atomic
def beneficiary_archive(*, beneficiary: Beneficiary, by: User, reason: str) -> None:
    if not reason.strip():
        raise Refused(_("Say why the file is archived."))
    locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if locked.archived_at is not None:
        raise Refused(_("This file is already archived."))
    refusal = archive_refusal(locked)
    if refusal:
        raise Refused(refusal)
    locked.archived_at = timezone.now()
    locked.archive_reason = reason.strip()[:300]
    locked.save(update_fields=["archived_at", "archive_reason"])
    audit.record(
        "beneficiary.archived",
        actor=by,
        target=locked,
        changes={"reason": locked.archive_reason},
    )
    hooks.files_changed([locked.pk])


@transaction.atomic
def beneficiary_restore(*, beneficiary: Beneficiary, by: User) -> None:
    locked = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if locked.archived_at is None or locked.anonymised_at is not None:
        raise Refused(_("Only an archived, not anonymised file can be restored."))
    locked.archived_at = None
    locked.archive_reason = ""
    locked.save(update_fields=["archived_at", "archive_reason"])
    audit.record("beneficiary.restored", actor=by, target=locked)
    hooks.files_changed([locked.pk])


@transaction.atomic
def detention_record_save(
    *, beneficiary: Beneficiary, by: User, data: dict[str, Any]
) -> DetentionRecord:
    record = DetentionRecord.objects.select_for_update().filter(beneficiary=beneficiary).first()
    created = record is None
    record = record or DetentionRecord(beneficiary=beneficiary)
    changes = {}
    for field, value in data.items():
        old = getattr(record, field, None) if not created else None
        if created or old != value:
            # The values themselves are restricted: the log says which fields changed, not to what.
            changes[field] = "changed"
        setattr(record, field, value)
    record.save()
    audit.record(
        "detention.created" if created else "detention.updated",
        actor=by,
        target=beneficiary,
        changes=changes,
    )
    return record


@transaction.atomic
def consent_record(*, beneficiary: Beneficiary, by: User, data: dict[str, Any]) -> Consent:
    consent = Consent.objects.create(beneficiary=beneficiary, collected_by=by, **data)
    audit.record(
        "consent.recorded",
        actor=by,
        target=beneficiary,
        changes={"text": consent.text.version, "language": consent.language},
    )
    hooks.files_changed([beneficiary.pk])
    return consent


# Accepted uploads, recognised by their first bytes, never by the name a browser sends.
SIGNATURES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}
# Markup that a browser runs if it ever takes the file for a page: one that guesses types from
# the content (as old ones did from the first kilobyte, whatever the header said), a copy saved
# and opened from the desktop, a PDF viewer that follows javascript: links. A scan or a photo
# never starts with any of it; a file that does is a page dressed up with a PDF or image
# signature, even after a valid one.
ACTIVE_CONTENT = (b"<html", b"<script", b"<svg", b"<!doctype", b"javascript:")
SNIFFED_BYTES = 1024


def file_kind(file: File) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG, from its first bytes; None otherwise."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def active_content(head: bytes) -> bytes | None:
    """The first marker of ACTIVE_CONTENT found, in any case, in the first SNIFFED_BYTES of
    ``head``; None if there is none."""
    lowered = head[:SNIFFED_BYTES].lower()
    return next((marker for marker in ACTIVE_CONTENT if marker in lowered), None)


def sniff_upload(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, extension) of an accepted upload, or raise ValidationError.

    A ValidationError, not a Refused: the upload forms call this to validate their file field,
    and the message belongs beside that field."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: %(size)s MB at most.")
            % {"size": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    kind = file_kind(upload)
    if kind is None:
        raise ValidationError(_("Only PDF, JPEG and PNG files are accepted."))
    head = upload.read(SNIFFED_BYTES)
    upload.seek(0)
    if active_content(head):
        raise ValidationError(
            _(
                "This file contains web page or script code and is refused: a scanned PDF or "
                "a photo never contains any."
            )
        )
    return kind


@transaction.atomic
def document_attach(
    *, beneficiary: Beneficiary, by: User, upload: UploadedFile, kind: str
) -> Document:
    content_type, extension = sniff_upload(upload)
    # A file name is typed too: "scan\u202efdp.exe" would display as "scanexe.pdf".
    original = clean_text((upload.name or "document").rsplit("/", 1)[-1])[:200]
    document = Document(
        beneficiary=beneficiary,
        kind=kind,
        original_name=original,
        content_type=content_type,
        # A received upload always knows its size; the stubs allow None for any File.
        size=upload.size,  # type: ignore[misc]
        uploaded_by=by,
    )
    document.file.save(f"upload{extension}", upload, save=False)
    document.save()
    audit.record(
        "document.attached",
        actor=by,
        target=beneficiary,
        # The document's number, not its name: uploaded names often hold the person's name.
        changes={"document": document.pk, "kind": kind},
    )
    return document


ANONYMOUS = "—"


def _delete_stored(files: list[FieldFile]) -> None:
    for file in files:
        file.delete(save=False)


def anonymise_archived(*, years: int, dry_run: bool = False) -> int:
    """Strip identity from files archived more than ``years`` ago, one file per transaction.

    What stays is what statistics need: sex, year of birth, province, track, status, centre and
    the projects' outcomes. Documents and consent scans are deleted from storage; the detention
    record is removed. Each file gets an audit entry.

    Free text about the person in records that are otherwise never changed goes too (see
    ``_redact``), through the one path the database leaves open for it.
    """
    cutoff = timezone.now() - datetime.timedelta(days=365 * years)
    due = Beneficiary.objects.filter(archived_at__lt=cutoff, anonymised_at__isnull=True)
    if dry_run:
        return due.count()
    done = 0
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            person = Beneficiary.objects.select_for_update().get(pk=pk)
            files = [d.file for d in person.documents.all()]
            files += [c.scan for c in person.consents.all() if c.scan]
            person.documents.all().delete()
            person.consents.update(scan="")
            DetentionRecord.objects.filter(beneficiary=person).delete()
            for name in ("first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin"):
                setattr(person, name, ANONYMOUS)
            person.date_of_birth = person.date_of_birth.replace(month=1, day=1)
            person.cin = None
            person.phone = ""
            person.commune = ""
            person.notes = ""
            person.archive_reason = ""
            # The number each text message went to (their texts name no one).
            OutboxMessage.objects.filter(pk__in=person.text_messages.values("message_id")).update(
                to=ANONYMOUS
            )
            person.search_text = fold(person.file_number)
            person.name_key = person.name_key_ar = ""
            person.anonymised_at = timezone.now()
            person.save()
            audit.record("beneficiary.anonymised", target=person)
            _redact(person)
            transaction.on_commit(partial(_delete_stored, files))
        done += 1
    return done


def _redact(person: Beneficiary) -> None:
    """Law 09-08 (art. 3): data is kept no longer than its purpose needs. The audit log and the
    project decisions are never rewritten, but they hold free text typed about the person: the
    reason the file was archived (cleared from the file just above) and the comments of the
    decisions on their projects. At the end of the retention period those values become
    ``audit.REDACTED``; who did what and when stays. The database allows this only inside
    ``protected_records.anonymising()``, which nothing else opens, and an entry says which
    records were changed."""
    with protected_records.anonymising():
        redacted = {
            "audit_entries": audit.redact(
                target_type=Beneficiary._meta.label_lower,
                target_ids=[person.pk],
                keys=("reason",),
            ),
        }
        for anonymise in hooks.ANONYMISERS:
            for kind, ids in anonymise(person).items():
                if ids:
                    redacted[kind] = sorted({*redacted.get(kind, []), *ids})
    if any(redacted.values()):
        audit.record("beneficiary.redacted", target=person, changes=redacted)
