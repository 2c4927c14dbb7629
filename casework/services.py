"""Every write to a task: staff write, close, postpone and reassign them; the system writes the
tasks of the milestones that need action and settles them once the milestone is gone.

A change by staff locks the task's row, checks the version the page was opened with, writes its
audit entry in the same transaction and tells the new assignee in their inbox. The system's
writes (``tasks_sync``) are set-based and idempotent: running it twice, or for every file each
night, changes nothing the first run did not."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Collection, Iterable
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Beneficiary
from casework import milestones, permissions, selectors
from casework.models import REASON_LENGTH, TITLE_LENGTH, Task
from reintegration import audit, notifications
from reintegration.concurrency import ConcurrentEdit, lock_rows
from reintegration.models import Role, User
from reintegration.refusals import Refused


def register_notifications() -> None:
    notifications.register(
        "task.assigned",
        label=gettext_lazy("Task assigned to you"),
        message=gettext_lazy("A task on the file %(number)s was assigned to you, due on %(due)s."),
    )


# --- Staff's writes ------------------------------------------------------------------------


def _in_scope(by: User, beneficiary_id: int) -> None:
    if not Beneficiary.objects.visible_to(by).filter(pk=beneficiary_id).exists():
        raise Refused(_("This file is outside your area of work."))


def _check_assignee(assignee: User | None, beneficiary: Beneficiary) -> None:
    """Tasks go to the people who work on the file: a coordinator of its centre or regional
    staff of its region, with an active account."""
    if assignee is None:
        return
    if not selectors.assignable_people(beneficiary).filter(pk=assignee.pk).exists():
        raise Refused(
            _(
                "%(name)s cannot be given this task: choose a coordinator of the file's centre "
                "or regional staff of its region."
            )
            % {"name": assignee.get_full_name() or assignee.get_username()}
        )


def _tell(task: Task, assignee: User | None, by: User | None) -> None:
    """The new assignee finds the task in their inbox (``notify`` leaves out whoever acted)."""
    if assignee is None:
        return
    notifications.notify(
        [assignee],
        kind="task.assigned",
        url=reverse("task_list"),
        params={
            "number": task.beneficiary.file_number,
            "due": task.due_on.strftime("%d/%m/%Y"),
        },
        by=by,
    )


@transaction.atomic
def task_create(
    *,
    beneficiary: Beneficiary,
    project: Model | None = None,
    title: str,
    due_on: datetime.date,
    assignee: User | None,
    by: User,
) -> Task:
    """A task written by staff on a file, or on one of its life projects (``project``)."""
    beneficiary = Beneficiary.objects.select_related("centre__province").get(pk=beneficiary.pk)
    _in_scope(by, beneficiary.pk)
    if not permissions.can_add_task(by, beneficiary):
        raise Refused(_("Your role does not allow adding a task to this file."))
    title = " ".join(title.split())
    if not title:
        raise Refused(_("Say what is to be done."))
    if len(title) > TITLE_LENGTH:
        raise Refused(
            _("Say what is to be done in %(count)s characters or fewer.") % {"count": TITLE_LENGTH}
        )
    if due_on < timezone.localdate():
        raise Refused(_("The due date has passed: choose today or a later date."))
    if project is not None and not beneficiary.projects.filter(pk=project.pk).exists():
        raise Refused(_("This life project is not on this file."))
    _check_assignee(assignee, beneficiary)
    task = Task.objects.create(
        beneficiary=beneficiary,
        project_id=project.pk if project is not None else None,
        kind=Task.MANUAL,
        title=title,
        due_on=due_on,
        assignee=assignee,
        created_by=by,
    )
    # The title may name the person: it stays on the task (which the retention job redacts),
    # never in the append-only log.
    audit.record(
        "task.created",
        actor=by,
        target=task,
        changes={
            "due_on": due_on.isoformat(),
            "assignee": assignee.get_username() if assignee else "",
        },
    )
    _tell(task, assignee, by)
    return task


def _lock(task: Task, by: User, version: int | None) -> Task:
    # Two colleagues acting on one task queue here; the second finds the new version.
    lock_rows(Task, task.pk)
    locked = Task.objects.select_related("beneficiary__centre__province", "assignee").get(
        pk=task.pk
    )
    if not Task.objects.visible_to(by).filter(pk=locked.pk).exists():
        raise Refused(_("This task is outside your area of work."))
    if locked.status != Task.Status.OPEN:
        raise Refused(
            _("This task is already closed: it is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if not permissions.can_change_task(by, locked):
        raise Refused(_("Your role does not allow changing this task."))
    if version is not None and locked.version != version:
        raise ConcurrentEdit(locked)
    return locked


def _save(locked: Task, *fields: str) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])


@transaction.atomic
def task_done(*, task: Task, by: User, version: int) -> Task:
    locked = _lock(task, by, version)
    if not permissions.can_mark_done(by, locked):
        raise Refused(
            _("This task closes by itself once the work is recorded: open it and do what it asks.")
        )
    locked.status = Task.Status.DONE
    locked.closed_at = timezone.now()
    locked.closed_by = by
    _save(locked, "status", "closed_at", "closed_by")
    audit.record("task.done", actor=by, target=locked)
    return locked


@transaction.atomic
def task_postpone(
    *, task: Task, due_on: datetime.date, reason: str, by: User, version: int
) -> Task:
    """A new due date after today, and why: each postponement is in the audit log, the last
    reason on the task."""
    reason = " ".join(reason.split())
    if not reason:
        raise Refused(_("Say why the task is postponed."))
    if len(reason) > REASON_LENGTH:
        raise Refused(
            _("Say why the task is postponed in %(count)s characters or fewer.")
            % {"count": REASON_LENGTH}
        )
    if due_on <= timezone.localdate():
        raise Refused(_("Choose a new due date after today."))
    locked = _lock(task, by, version)
    old = locked.due_on
    locked.due_on = due_on
    locked.postponed_reason = reason
    _save(locked, "due_on", "postponed_reason")
    audit.record(
        "task.postponed",
        actor=by,
        target=locked,
        changes={"due_on": [old.isoformat(), due_on.isoformat()], "reason": reason},
    )
    return locked


def _assign(locked: Task, to: User | None, by: User | None) -> None:
    old = locked.assignee
    locked.assignee = to
    _save(locked, "assignee")
    audit.record(
        "task.reassigned",
        actor=by,
        target=locked,
        changes={"assignee": [old.get_username() if old else "", to.get_username() if to else ""]},
    )
    _tell(locked, to, by)


@transaction.atomic
def task_reassign(*, task: Task, to: User | None, by: User, version: int) -> Task:
    """Give the task to someone else who works on the file (``None``: to nobody, for whoever
    takes it)."""
    locked = _lock(task, by, version)
    _check_assignee(to, locked.beneficiary)
    if locked.assignee_id == (to.pk if to else None):
        return locked
    _assign(locked, to, by)
    return locked


# --- The system's writes -------------------------------------------------------------------


class Synced(NamedTuple):
    created: int
    settled: int


@transaction.atomic
def tasks_sync(
    *, beneficiaries: Iterable[int] | None = None, today: datetime.date | None = None
) -> Synced:
    """Bring the system tasks of these files (``None``: all) in line with their milestones:
    an open task for each milestone that needs action (given to the file's referent, else to
    nobody), and every open system task whose milestone is gone settled.

    A few queries per source, whatever the number of files; safe to run concurrently (the
    database keeps one open task per milestone) and as often as wanted."""
    today = today or timezone.localdate()
    ids: Collection[int] | None = None
    if beneficiaries is not None:
        ids = sorted(set(beneficiaries))
        if not ids:
            return Synced(0, 0)
    wanted: dict[tuple[str, str], milestones.Milestone] = {}
    for source in milestones.SOURCES.values():
        for milestone in source.find(ids, today):
            wanted[(milestone.kind, milestone.subject)] = milestone
    current = Task.objects.open().filter(kind__in=list(milestones.SOURCES))
    if ids is not None:
        current = current.filter(beneficiary_id__in=ids)
    existing = {
        (kind, subject): pk for pk, kind, subject in current.values_list("pk", "kind", "subject")
    }
    gone = [pk for key, pk in existing.items() if key not in wanted]
    settled = 0
    if gone:
        settled = Task.objects.filter(pk__in=gone, status=Task.Status.OPEN).update(
            status=Task.Status.SETTLED, closed_at=timezone.now(), version=F("version") + 1
        )
    missing = [milestone for key, milestone in wanted.items() if key not in existing]
    if missing:
        referents = dict(
            Beneficiary.objects.filter(
                pk__in={m.beneficiary_id for m in missing},
                referent__is_active=True,
                referent__role=Role.COORDINATOR,
                referent__centre=F("centre"),
            ).values_list("pk", "referent_id")
        )
        # A concurrent run may have written some of them meanwhile: the unique constraint
        # keeps one, and the others are skipped rather than failing the run.
        Task.objects.bulk_create(
            [
                Task(
                    beneficiary_id=m.beneficiary_id,
                    project_id=m.project_id,
                    kind=m.kind,
                    subject=m.subject,
                    params=m.params,
                    due_on=m.due_on,
                    assignee_id=referents.get(m.beneficiary_id),
                )
                for m in missing
            ],
            ignore_conflicts=True,
        )
    return Synced(len(missing), settled)


# The files whose milestones changed in the transactions of this thread, synced once after
# the commit: a ceremony equipping sixty projects syncs sixty files in one run.
_pending = threading.local()


def sync_after_commit(beneficiary_ids: Iterable[int]) -> None:
    """Sync these files' tasks once the current transaction commits (at once outside one):
    recording a visit settles its task before the next page is shown. A rolled-back change
    leaves its files for the next commit of the thread, which finds nothing to do for them.
    A failure is logged, never shown to the user whose change was saved: the nightly
    ``sync_tasks`` catches up."""
    pending: set[int] = getattr(_pending, "ids", set())
    pending.update(beneficiary_ids)
    _pending.ids = pending
    transaction.on_commit(_sync_pending, robust=True)


def _sync_pending() -> None:
    ids: set[int] = getattr(_pending, "ids", set())
    _pending.ids = set()
    if ids:
        tasks_sync(beneficiaries=ids)


# --- Retention -----------------------------------------------------------------------------


def task_records_anonymise(person: Beneficiary) -> dict[str, list[int]]:
    """For the retention job (``beneficiaries.hooks.ANONYMISERS``): what staff typed on the
    person's tasks (titles, reasons for postponing), and the reasons copied into the audit
    entries of those tasks, become ``audit.REDACTED``."""
    tasks = Task.objects.filter(beneficiary=person)
    titled = tasks.filter(kind=Task.MANUAL).exclude(title=audit.REDACTED)
    reasons = tasks.exclude(postponed_reason__in=["", audit.REDACTED])
    changed = sorted({*titled.values_list("pk", flat=True), *reasons.values_list("pk", flat=True)})
    titled.update(title=audit.REDACTED)
    reasons.update(postponed_reason=audit.REDACTED)
    entries = audit.redact(
        target_type=Task._meta.label_lower,
        target_ids=list(tasks.values_list("pk", flat=True)),
        keys=("reason",),
    )
    return {"tasks": changed, "audit_entries": entries}
