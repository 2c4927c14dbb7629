"""Who may do what with a life project, in which state. Each ``can_*`` function decides both
whether a button shows and whether the POST is accepted (the services call them again under the
row lock). Scope (which projects) is ``LifeProject.objects.visible_to``."""

from decimal import Decimal

from django.conf import settings

from projects.models import OPEN_STATUSES, Status
from reintegration.models import Role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
WRITERS = (Role.COORDINATOR, Role.NATIONAL)
DECIDERS = (Role.REGIONAL, Role.NATIONAL)
EDITABLE = (Status.DRAFT, Status.RETURNED)
FOLLOWED = (Status.EQUIPPED, Status.FOLLOW_UP)


def _has(user, roles) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.role in roles
    )


def within_regional_ceiling(project) -> bool:
    return project.requested_total <= Decimal(settings.REGIONAL_APPROVAL_CEILING)


def can_view_projects(user) -> bool:
    return _has(user, READERS)


def can_use_inbox(user) -> bool:
    return _has(user, DECIDERS)


def can_create_project(user, beneficiary) -> bool:
    # One open project per person (also a database constraint).
    return (
        _has(user, WRITERS)
        and not beneficiary.is_archived
        and not beneficiary.projects.filter(status__in=OPEN_STATUSES).exists()
    )


def can_edit_project(user, project) -> bool:
    return _has(user, WRITERS) and project.status in EDITABLE


def can_submit(user, project) -> bool:
    return can_edit_project(user, project)


def can_approve(user, project) -> bool:
    if project.status == Status.SUBMITTED:
        # Regional staff decide first; headquarters may stand in for them only within the
        # regional ceiling, since above it both levels must approve.
        if _has(user, (Role.REGIONAL,)):
            return True
        return _has(user, (Role.NATIONAL,)) and within_regional_ceiling(project)
    if project.status == Status.AWAITING_NATIONAL:
        return _has(user, (Role.NATIONAL,))
    return False


def can_return(user, project) -> bool:
    if project.status == Status.SUBMITTED:
        return _has(user, DECIDERS)
    if project.status == Status.AWAITING_NATIONAL:
        return _has(user, (Role.NATIONAL,))
    return False


can_reject = can_return


def can_fund(user, project) -> bool:
    return _has(user, (Role.NATIONAL,)) and project.status == Status.APPROVED


def can_equip(user, project) -> bool:
    return _has(user, WRITERS) and project.status == Status.FUNDED


def can_record_visit(user, project) -> bool:
    return _has(user, WRITERS) and project.status in FOLLOWED


def can_close(user, project) -> bool:
    return _has(user, WRITERS) and project.status in FOLLOWED


CAN = {
    "submit": can_submit,
    "approve": can_approve,
    "return": can_return,
    "reject": can_reject,
    "fund": can_fund,
    "equip": can_equip,
    "close": can_close,
}


def allowed_actions(user, project) -> list[str]:
    return [action for action, check in CAN.items() if check(user, project)]
