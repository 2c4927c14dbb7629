"""Who may do what with beneficiary files (ARCHITECTURE.md, role table). Scope (which files)
is decided by ``Beneficiary.objects.visible_to``; these functions decide the action."""

from beneficiaries.models import DETENTION_READER_ROLES
from reintegration.models import Role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
WRITERS = (Role.COORDINATOR, Role.NATIONAL)


def _has(user, roles) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.role in roles
    )


def can_view_beneficiaries(user) -> bool:
    return _has(user, READERS)


def can_create_beneficiary(user) -> bool:
    return _has(user, WRITERS)


def can_import_beneficiaries(user) -> bool:
    return _has(user, WRITERS)


def can_edit_beneficiary(user, beneficiary) -> bool:
    return _has(user, WRITERS) and not beneficiary.is_archived


def can_view_detention(user) -> bool:
    return _has(user, DETENTION_READER_ROLES)


def can_edit_detention(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_record_consent(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_attach_document(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_archive_beneficiary(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_restore_beneficiary(user, beneficiary) -> bool:
    return _has(user, WRITERS) and beneficiary.is_archived and beneficiary.anonymised_at is None


def can_export_access_request(user, beneficiary) -> bool:
    # Answering a person's right of access (law 09-08 art. 7) is the owning centre's job.
    return _has(user, WRITERS)
