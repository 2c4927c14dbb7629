"""Who may do what with a life project, in which state. Each ``can_*`` function decides both
whether a button shows and whether the POST is accepted (the services call them again under the
row lock). Scope (which projects) is ``LifeProject.objects.visible_to``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from projects.models import OPEN_STATUSES, LifeProject, Status
from reintegration.models import Role, User
from reintegration.permissions import has_role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
WRITERS = (Role.COORDINATOR, Role.NATIONAL)
DECIDERS = (Role.REGIONAL, Role.NATIONAL)
EDITABLE = (Status.DRAFT, Status.RETURNED)
# Approved and charged to conventions, equipment not yet handed over.
CHARGED = (Status.APPROVED, Status.FUNDED)
FOLLOWED = (Status.EQUIPPED, Status.FOLLOW_UP)


def within_regional_ceiling(project) -> bool:
    return project.requested_total <= Decimal(settings.REGIONAL_APPROVAL_CEILING)


def can_view_projects(user) -> bool:
    return has_role(user, READERS)


def can_use_inbox(user) -> bool:
    return has_role(user, DECIDERS)


def can_create_project(user, beneficiary) -> bool:
    # One open project per person (also a database constraint).
    return (
        has_role(user, WRITERS)
        and not beneficiary.is_archived
        and not _has_open_project(beneficiary)
    )


def _has_open_project(beneficiary) -> bool:
    # The file page reads it with the file (``has_open_project``, projects/apps.py).
    known = getattr(beneficiary, "has_open_project", None)
    if known is not None:
        return bool(known)
    return beneficiary.projects.filter(status__in=OPEN_STATUSES).exists()


def can_edit_project(user, project) -> bool:
    return has_role(user, WRITERS) and project.status in EDITABLE and _person_active(project)


def _person_active(project) -> bool:
    # An archived file takes no new step (archiving requires no open project; this guards the
    # race between the two).
    return not project.beneficiary.is_archived


def can_submit(user, project) -> bool:
    return can_edit_project(user, project)


def can_approve(user, project) -> bool:
    if not _person_active(project):
        return False
    if project.status == Status.SUBMITTED:
        # Regional staff decide first; headquarters may stand in for them only within the
        # regional ceiling, since above it both levels must approve.
        if has_role(user, (Role.REGIONAL,)):
            return True
        return has_role(user, (Role.NATIONAL,)) and within_regional_ceiling(project)
    if project.status == Status.AWAITING_NATIONAL:
        return has_role(user, (Role.NATIONAL,))
    return False


def can_return(user, project) -> bool:
    if project.status == Status.SUBMITTED:
        return has_role(user, DECIDERS)
    if project.status == Status.AWAITING_NATIONAL:
        return has_role(user, (Role.NATIONAL,))
    return False


def can_reject(user, project) -> bool:
    # After approval only headquarters may go back on it; that releases the money.
    if project.status in CHARGED:
        return has_role(user, (Role.NATIONAL,))
    return can_return(user, project)


def can_abandon(user, project) -> bool:
    """The person gave up before the equipment was handed over: the money goes back."""
    return has_role(user, WRITERS) and project.status in CHARGED


def is_final_approval(project) -> bool:
    """Whether approving now makes the project approved (and so charges its conventions)."""
    return project.status == Status.AWAITING_NATIONAL or within_regional_ceiling(project)


def can_fund(user, project) -> bool:
    return (
        has_role(user, (Role.NATIONAL,))
        and project.status == Status.APPROVED
        and _person_active(project)
    )


def can_record_visit(user, project) -> bool:
    return has_role(user, WRITERS) and project.status in FOLLOWED


def can_close(user, project) -> bool:
    return has_role(user, WRITERS) and project.status in FOLLOWED


# Those who may hold a ceremony (the ceremonies' managers: regional staff and headquarters); a
# test keeps the two the same.
EQUIPPERS = (Role.REGIONAL, Role.NATIONAL)


def can_equip(user: User, project: LifeProject) -> bool:
    """Record the handover of the equipment of a project charged to conventions: only holding
    a ceremony does it (it disburses the money first), so only its holders may. Not an action
    of the project page: the ceremony's page offers it."""
    return has_role(user, EQUIPPERS) and project.status in CHARGED


CAN = {
    "submit": can_submit,
    "approve": can_approve,
    "return": can_return,
    "reject": can_reject,
    "fund": can_fund,
    "close": can_close,
    "abandon": can_abandon,
}


def allowed_actions(user, project) -> list[str]:
    return [action for action, check in CAN.items() if check(user, project)]
