"""A centre's caseload: who follows which file (the file's referent), with what each referent
has on their hands, and the one way to change referents.

The rule: a referent is an active coordinator of the file's centre. A file opened by one of the
centre's coordinators starts with them (``beneficiaries.services.beneficiary_create``); a file
that arrives by transfer gets the coordinator who accepted it.

The figures about life projects and follow-up visits belong to ``projects``, above this app:
it registers them in ``FIGURES`` from its ``AppConfig.ready``, each as an aggregate over a
centre's files, so that the page reads every figure of every referent in one query."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Aggregate, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from casework.models import Task
from casework.transfer_permissions import can_reassign_referents
from reintegration import audit
from reintegration.concurrency import lock_rows
from reintegration.models import Centre, Role, User
from reintegration.refusals import Refused

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


@dataclass(frozen=True)
class Figure:
    """One column of the caseload page: ``aggregate(today)`` counts, over Beneficiary rows,
    what a file holds (e.g. ``Count("projects", filter=..., distinct=True)``)."""

    code: str
    label: str | Promise
    aggregate: Callable[[datetime.date], Aggregate]


# Filled by the apps above (projects: open life projects, overdue follow-up visits).
FIGURES: list[Figure] = []


def referent_refusal(referent: User, centre_id: int) -> str:
    """Why ``referent`` cannot follow files of this centre ("" when they can)."""
    if not (referent.is_active and referent.role == Role.COORDINATOR):
        return _("A referent must be an active coordinator of the file's centre.")
    if referent.centre_id != centre_id:
        return _("%(name)s is not a coordinator of this file's centre.") % {
            "name": referent.get_full_name() or referent.get_username()
        }
    return ""


def referent_candidates(centre: Centre) -> QuerySet[User]:
    """The people who may follow the centre's files, by name."""
    return User.objects.filter(role=Role.COORDINATOR, centre=centre, is_active=True).order_by(
        "first_name", "last_name", "pk"
    )


def open_tasks_follow(*, file_ids: Sequence[int], to: User | None, only_of: Any = ()) -> int:
    """Hand the open tasks of these files to ``to`` (None: nobody), in the caller's transaction.
    With ``only_of`` (a file's previous referents), only the tasks that were theirs or nobody's
    move: a task a colleague took on stays with them. Returns how many moved."""
    tasks = Task.objects.open().filter(beneficiary__in=file_ids)
    if only_of:
        tasks = tasks.filter(Q(assignee__isnull=True) | Q(assignee__in=list(only_of)))
    return tasks.update(assignee=to, version=F("version") + 1)


@transaction.atomic
def referents_assign(*, beneficiaries: Iterable[Beneficiary], to: User, by: User) -> int:
    """Make ``to`` the referent of these files (one centre's), each change in its file's
    history; the open tasks of the previous referent go with the file. Returns how many
    files changed (those already followed by ``to`` are left as they are)."""
    ids = sorted({file.pk for file in beneficiaries})
    if not ids:
        raise Refused(_("Tick the files to hand over."))
    lock_rows(Beneficiary, *ids)
    files = list(
        Beneficiary.objects.visible_to(by)
        .filter(pk__in=ids)
        .select_related("referent")
        .order_by("pk")
    )
    if len(files) != len(ids):
        raise Refused(_("Some of these files are no longer in your lists: reload the page."))
    centres = {file.centre_id for file in files}
    if len(centres) != 1:
        raise Refused(_("Reassign the files of one centre at a time."))
    centre_id = centres.pop()
    if not can_reassign_referents(by, Centre(pk=centre_id)):
        raise Refused(_("You may not change the referents of this centre."))
    if refusal := referent_refusal(to, centre_id):
        raise Refused(refusal)
    changing = [file for file in files if file.referent_id != to.pk]
    for file in changing:
        audit.record(
            "beneficiary.referent_changed",
            actor=by,
            target=file,
            changes={"referent": [_name(file.referent), _name(to)]},
        )
    changed_ids = [file.pk for file in changing]
    open_tasks_follow(
        file_ids=changed_ids,
        to=to,
        only_of={file.referent_id for file in changing if file.referent_id},
    )
    Beneficiary.objects.filter(pk__in=changed_ids).update(referent=to, updated_at=timezone.now())
    return len(changing)


def _coordinates(user: User, centre: Centre) -> bool:
    return user.is_active and user.role == Role.COORDINATOR and user.centre_id == centre.pk


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- The page's figures ------------------------------------------------------------------


@dataclass
class ReferentRow:
    """One line of the summary: a referent (None: the files nobody follows yet)."""

    referent: User | None
    files: int
    figures: dict[str, int] = field(default_factory=dict)
    # Still an active coordinator of the centre? A referent who left or moved shows so.
    current: bool = True


def centre_files(centre: Centre, user: User | AnonymousUser) -> QuerySet[Beneficiary]:
    """The centre's active files, within what ``user`` may see."""
    return Beneficiary.objects.visible_to(user).active().filter(centre=centre)


def figure_annotations(today: datetime.date) -> dict[str, Aggregate]:
    return {figure.code: figure.aggregate(today) for figure in FIGURES}


def referent_rows(
    centre: Centre, user: User | AnonymousUser, today: datetime.date | None = None
) -> list[ReferentRow]:
    """The centre's files per referent with the registered figures: two queries whatever the
    number of files (one for the counts, one for the referents' names)."""
    today = today or timezone.localdate()
    counts = (
        centre_files(centre, user)
        .order_by()
        .values("referent")
        .annotate(files=Count("pk", distinct=True), **figure_annotations(today))
    )
    by_referent = {row["referent"]: row for row in counts}
    people = User.objects.in_bulk([pk for pk in by_referent if pk is not None])
    rows = []
    for pk, row in by_referent.items():
        person = people.get(pk) if pk is not None else None
        rows.append(
            ReferentRow(
                referent=person,
                files=row["files"],
                figures={figure.code: row[figure.code] for figure in FIGURES},
                current=person is None or _coordinates(person, centre),
            )
        )
    # The people by name, then the files nobody follows.
    rows.sort(key=lambda r: (r.referent is None, _name(r.referent).casefold()))
    return rows
