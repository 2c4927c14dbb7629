"""Reading tasks, always within the reader's scope, in the order work is done: overdue first,
then by due date (an ascending due date puts the overdue ones on top), in a constant number of
queries whatever the number of tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from beneficiaries.models import Beneficiary
from casework.models import Task, TaskQuerySet
from reintegration.models import Role, User

# What the list and the panels show of each task, in one query.
RELATED = ("beneficiary", "assignee", "project")

MINE, UNASSIGNED, ALL = "mine", "unassigned", "all"
FILTERS = (MINE, UNASSIGNED, ALL)


def _ordered(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related(*RELATED).order_by("due_on", "pk")


def tasks_in_scope(user: User) -> TaskQuerySet:
    """Every task the user may read, open or closed."""
    return Task.objects.visible_to(user)


def open_tasks_for(user: User, show: str = MINE) -> QuerySet[Task]:
    """The open tasks of ``user`` (``show="mine"``), the unassigned ones of their scope
    (``"unassigned"``), or every open one in their scope (``"all"``), overdue first."""
    tasks = tasks_in_scope(user).open()
    if show == MINE:
        tasks = tasks.filter(assignee=user)
    elif show == UNASSIGNED:
        tasks = tasks.filter(assignee__isnull=True)
    return _ordered(tasks)


def open_task_count(user: User) -> int:
    """How many open tasks ``user`` has, in one query (the menu, the home page)."""
    return tasks_in_scope(user).open().filter(assignee=user).count()


def file_tasks(user: User, beneficiary: Beneficiary) -> QuerySet[Task]:
    """The open tasks of a file, for its page."""
    return _ordered(tasks_in_scope(user).open().filter(beneficiary=beneficiary))


def project_tasks(user: User, project_id: int) -> QuerySet[Task]:
    """The open tasks about a life project, for its page."""
    return _ordered(tasks_in_scope(user).open().filter(project_id=project_id))


def assignable_people(beneficiary: Beneficiary) -> QuerySet[User]:
    """Who may be given a task on ``beneficiary``: the active coordinators of its centre and
    the active regional staff of its region."""
    region = beneficiary.centre.province.region_id
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.COORDINATOR, centre=beneficiary.centre_id)
            | Q(role=Role.REGIONAL, region=region)
        )
        .order_by("role", "last_name", "first_name", "pk")
    )
