"""The milestones of a life project that need the centre to act, for the task list
(``casework.milestones``): a follow-up visit due within the week or overdue, a project returned
to the centre, an approved project not yet in a handover ceremony. Each finder is one query
whatever the number of files."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import milestones
from casework.milestones import Milestone
from casework.models import Task
from projects import permissions
from projects.models import FollowUpVisit, LifeProject, Status
from projects.services import REMINDER_DAYS_AHEAD

# A project returned to the centre should go back to the region within this many days.
RETURNED_DAYS = 7
# An approved project should be added to a handover ceremony within this many days.
CEREMONY_DAYS = 30

VISIT_DUE = "visit_due"
PROJECT_RETURNED = "project_returned"
AWAITING_CEREMONY = "awaiting_ceremony"


def visits_due(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    """Visits not recorded yet, overdue or due within the reminders' week."""
    soon = today + datetime.timedelta(days=REMINDER_DAYS_AHEAD)
    visits = milestones.of_open_files(
        FollowUpVisit.objects.filter(
            done_on__isnull=True, due_on__lte=soon, project__status__in=permissions.FOLLOWED
        ),
        "project__beneficiary",
        ids,
    )
    rows = visits.values_list(
        "pk", "project_id", "project__beneficiary_id", "due_on", "milestone_months"
    )
    for pk, project_id, beneficiary_id, due_on, months in rows:
        yield Milestone(
            kind=VISIT_DUE,
            subject=f"visit:{pk}",
            beneficiary_id=beneficiary_id,
            project_id=project_id,
            due_on=due_on,
            params={"visit": pk, "months": months},
        )


def _decided(
    status: str, ids: Collection[int] | None, *, days: int, kind: str
) -> Iterator[Milestone]:
    """Projects in ``status`` (and, for those waiting for a ceremony, in none yet), due
    ``days`` after the decision that put them there."""
    projects = milestones.of_open_files(
        LifeProject.objects.filter(status=status), "beneficiary", ids
    )
    if kind == AWAITING_CEREMONY:
        projects = projects.filter(handover__isnull=True)
    rows = projects.annotate(
        decided_at=Max("decisions__created_at", filter=Q(decisions__to_status=status))
    ).values_list("pk", "beneficiary_id", "decided_at", "updated_at")
    for pk, beneficiary_id, decided_at, updated_at in rows:
        since = timezone.localdate(decided_at or updated_at)
        yield Milestone(
            kind=kind,
            subject=f"project:{pk}",
            beneficiary_id=beneficiary_id,
            project_id=pk,
            due_on=since + datetime.timedelta(days=days),
        )


def projects_returned(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    return _decided(Status.RETURNED, ids, days=RETURNED_DAYS, kind=PROJECT_RETURNED)


def projects_awaiting_ceremony(
    ids: Collection[int] | None, today: datetime.date
) -> Iterator[Milestone]:
    # Funding is headquarters' step, not the centre's: an approved or funded project waits
    # for the centre to put it in a ceremony either way.
    for status in permissions.CHARGED:
        yield from _decided(status, ids, days=CEREMONY_DAYS, kind=AWAITING_CEREMONY)


def _visit_link(task: Task) -> str:
    return reverse("visit_record", args=[task.project_id, task.params["visit"]])


def _project_link(task: Task) -> str:
    return reverse("project_detail", args=[task.project_id])


def register() -> None:
    milestones.register(
        VISIT_DUE,
        label=_("Follow-up visit to make"),
        title=_("Make the %(months)s-month follow-up visit"),
        find=visits_due,
        link=_visit_link,
    )
    milestones.register(
        PROJECT_RETURNED,
        label=_("Life project returned to the centre"),
        title=_("Revise the life project returned to the centre and submit it again"),
        find=projects_returned,
        link=_project_link,
    )
    milestones.register(
        AWAITING_CEREMONY,
        label=_("Approved life project waiting for a ceremony"),
        title=_("Add the approved life project to a handover ceremony"),
        find=projects_awaiting_ceremony,
        link=_project_link,
    )
