"""Who may plan, hold and close a ceremony and issue or print its certificates. Which
ceremonies: ``Ceremony.objects.visible_to`` (the territory of the user)."""

from __future__ import annotations

from partners.permissions import ALL_ROLES
from reintegration.models import Role
from reintegration.permissions import has_role

PREPARERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL)
MANAGERS = (Role.REGIONAL, Role.NATIONAL)
ISSUERS = (Role.COORDINATOR, Role.NATIONAL)
PRINTERS = (Role.COORDINATOR, Role.REGIONAL, Role.OFFICIAL, Role.NATIONAL)


def _status(ceremony, *statuses) -> bool:
    return ceremony is not None and ceremony.status in statuses


def can_view_ceremonies(user) -> bool:
    return has_role(user, ALL_ROLES)


def can_create_ceremony(user) -> bool:
    return has_role(user, PREPARERS)


def can_prepare_ceremony(user, ceremony) -> bool:
    """Change the plan and the list of beneficiaries, record the items: until it is held."""
    return has_role(user, PREPARERS) and _status(ceremony, "planned")


# After the ceremony, descriptions and serial numbers may still be corrected (then the
# certificate is reissued); values are settled.
HANDOVER_EDITABLE = ("planned", "held", "closed")


def can_edit_handover(user, ceremony) -> bool:
    return has_role(user, PREPARERS) and _status(ceremony, *HANDOVER_EDITABLE)


def can_hold_ceremony(user, ceremony) -> bool:
    return has_role(user, MANAGERS) and _status(ceremony, "planned")


def can_close_ceremony(user, ceremony) -> bool:
    return has_role(user, MANAGERS) and _status(ceremony, "held")


def can_issue_certificates(user, ceremony) -> bool:
    return has_role(user, ISSUERS) and _status(ceremony, "held")


def can_correct_certificates(user, ceremony) -> bool:
    """Cancel a certificate and issue its replacement, even once the ceremony is closed."""
    return has_role(user, ISSUERS) and _status(ceremony, "held", "closed")


def can_print_certificates(user) -> bool:
    return has_role(user, PRINTERS)


def can_read_cancelled(user) -> bool:
    return has_role(user, (Role.NATIONAL,))


def can_reprint_certificate(user, certificate) -> bool:
    # A cancelled certificate must not be printed again; headquarters keeps the record.
    return can_print_certificates(user) and (certificate.is_current or can_read_cancelled(user))


# Text the beneficiaries: those who may write to the people's files (ARCHITECTURE.md).
TEXTERS = (Role.COORDINATOR, Role.NATIONAL)


def can_remind_ceremony(user, ceremony) -> bool:
    """Text every beneficiary of a planned ceremony a reminder of it."""
    return has_role(user, TEXTERS) and _status(ceremony, "planned")


def can_print_attendance(user) -> bool:
    return has_role(user, PRINTERS)


# Handover verification (ARCHITECTURE.md: region manages, centre records, province reads).
SAMPLERS = (Role.REGIONAL, Role.NATIONAL)
CHECKERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL)


def can_view_verification(user) -> bool:
    """Read the rounds and their results (which ceremonies: ``Ceremony.objects.visible_to``)."""
    return has_role(user, ALL_ROLES)


def can_draw_sample(user, ceremony) -> bool:
    return has_role(user, SAMPLERS) and _status(ceremony, "held", "closed")


def can_record_check(user) -> bool:
    """Record what the call or visit to a sampled person found."""
    return has_role(user, CHECKERS)


def can_see_check_details(user) -> bool:
    """The person's phone and the comments of their checks: those who read the files.
    Provincial officials read the ceremony's names and the results, not the files."""
    return has_role(user, (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR))
