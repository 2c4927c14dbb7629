"""Who may do what with beneficiary files (ARCHITECTURE.md, role table). Scope (which files)
is decided by ``Beneficiary.objects.visible_to``; these functions decide the action."""

from beneficiaries.models import DETENTION_READER_ROLES
from reintegration.models import Role
from reintegration.permissions import has_role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
WRITERS = (Role.COORDINATOR, Role.NATIONAL)


def can_view_beneficiaries(user) -> bool:
    return has_role(user, READERS)


def can_create_beneficiary(user) -> bool:
    return has_role(user, WRITERS)


def can_import_beneficiaries(user) -> bool:
    return has_role(user, WRITERS)


def can_edit_beneficiary(user, beneficiary) -> bool:
    return has_role(user, WRITERS) and not beneficiary.is_archived


def can_view_detention(user) -> bool:
    return has_role(user, DETENTION_READER_ROLES)


def can_edit_detention(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_record_consent(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_text_beneficiary(user, beneficiary) -> bool:
    """Send the person a text message, or change their agreement to receive them: the centre
    that follows them (and headquarters)."""
    return can_edit_beneficiary(user, beneficiary)


def can_attach_document(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_archive_beneficiary(user, beneficiary) -> bool:
    return can_edit_beneficiary(user, beneficiary)


def can_restore_beneficiary(user, beneficiary) -> bool:
    return has_role(user, WRITERS) and beneficiary.is_archived and beneficiary.anonymised_at is None


def can_export_access_request(user, beneficiary) -> bool:
    # Answering a person's right of access (law 09-08 art. 7) is the owning centre's job.
    return has_role(user, WRITERS)


def can_view_assessments(user) -> bool:
    """Needs assessments are read like the file (officials never see one: they get the
    dashboard's counts only)."""
    return has_role(user, READERS)


def can_record_assessment(user, beneficiary) -> bool:
    # Whoever writes to the file records the person's needs on it.
    return can_edit_beneficiary(user, beneficiary)


def can_view_questionnaires(user) -> bool:
    """Headquarters read the questionnaire versions (the questions, answers and scoring)."""
    return has_role(user, (Role.NATIONAL, Role.AUDITOR))
