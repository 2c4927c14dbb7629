"""What the pages show of a task: its title in the reader's language, the page where it is
done, whether it is late, and which of its buttons this reader gets (the same ``can_*`` the
POST checks)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from casework import milestones, permissions, selectors
from casework.models import Task
from reintegration.models import User


@dataclasses.dataclass(frozen=True)
class Row:
    task: Task
    title: str
    link: str
    overdue: bool
    due_today: bool
    can_done: bool
    can_change: bool


def rows(user: User, tasks: Iterable[Task], today: datetime.date | None = None) -> list[Row]:
    today = today or timezone.localdate()
    return [
        Row(
            task=task,
            title=milestones.title(task),
            link=milestones.link(task),
            overdue=task.due_on < today,
            due_today=task.due_on == today,
            can_done=permissions.can_mark_done(user, task),
            can_change=permissions.can_change_task(user, task),
        )
        for task in tasks
    ]


def file_page(user: User, beneficiary: Beneficiary) -> dict[str, Any]:
    """The tasks section of the file page (``beneficiaries.hooks.FILE_PAGE_CONTEXT``)."""
    if not permissions.can_view_tasks(user):
        return {}
    return {
        "task_rows": (
            rows(user, selectors.file_tasks(user, beneficiary))
            if hooks.section_may_show(beneficiary, "has_open_tasks")
            else []
        ),
        "can_add_task": permissions.can_add_task(user, beneficiary),
    }


def file_page_flags(user: User) -> dict[str, QuerySet[Task]]:
    """Whether the file has an open task, read with the file (``FILE_PAGE_FLAGS``)."""
    if not permissions.can_view_tasks(user):
        return {}
    return {"has_open_tasks": Task.objects.open()}


def project_page(user: User, project: Any) -> dict[str, Any]:
    """The tasks section of a life project's page."""
    if not permissions.can_view_tasks(user):
        return {}
    return {
        "task_rows": rows(user, selectors.project_tasks(user, project.pk)),
        "can_add_task": permissions.can_add_task(user, project.beneficiary),
    }
