"""Who may read and work the tasks (ARCHITECTURE.md, role table). Which tasks:
``Task.objects.visible_to`` (the files of the user's centre or region, all for headquarters
and auditors, none for officials, who see no personal data)."""

from __future__ import annotations

from casework.models import Task
from reintegration.models import Role
from reintegration.permissions import has_role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
# Auditors read; officials have no file to work on.
WRITERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL)


def can_view_tasks(user) -> bool:
    return has_role(user, READERS)


def can_add_task(user, beneficiary) -> bool:
    return has_role(user, WRITERS) and not beneficiary.is_archived


def can_change_task(user, task: Task) -> bool:
    """Postpone or reassign an open task."""
    return has_role(user, WRITERS) and task.status == Task.Status.OPEN


def can_mark_done(user, task: Task) -> bool:
    """A task written by staff is marked done by hand. A system task closes by itself once its
    milestone is settled (the visit recorded, the consent given...): marking it done would
    only hide work that is still to do, so its page offers the way to do it instead."""
    return can_change_task(user, task) and task.kind == Task.MANUAL
