"""The milestones that make the system write a task, registered by the apps that know them.

A coordinator's day is made of milestones that other apps hold: a file still without consent
(beneficiaries), a follow-up visit due or overdue, a life project returned to the centre or
approved and waiting for a ceremony (projects), certificates to issue after a ceremony
(ceremonies). Each app registers a ``Source`` from its ``AppConfig.ready``::

    milestones.register(
        "visit_due",
        label=_("Follow-up visit to make"),
        title=_("Make the %(months)s-month follow-up visit"),
        find=visits_due,
        link=visit_link,
    )

``find(beneficiary_ids, today)`` answers, in a few queries whatever the number of files, the
milestones that need someone to act now, for those files (``None``: all of them).
``casework.services.tasks_sync`` turns them into open tasks and settles the open tasks whose
milestone is gone: that is how recording the visit closes the task about it.

The title of a system task is not stored: it is rendered from its kind and ``params`` in the
language of whoever reads it, as notifications are.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from reintegration.formatting import fill

if TYPE_CHECKING:
    from casework.models import Task


@dataclasses.dataclass(frozen=True)
class Milestone:
    """Something on a file that needs someone to act, as a source finds it."""

    kind: str
    # What it is about, unique within the kind ("visit:42"): one open task per milestone.
    subject: str
    beneficiary_id: int
    project_id: int | None
    due_on: datetime.date
    # Filled into the kind's title; ids the link needs (JSON: numbers and strings only).
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


# beneficiary ids (None: every file), today -> the milestones that need action now.
Finder = Callable[[Collection[int] | None, datetime.date], Iterable[Milestone]]


@dataclasses.dataclass(frozen=True)
class Source:
    kind: str
    # What this kind of task is called: for a panel that counts tasks by kind, and shown
    # instead of a title that cannot be rendered.
    label: str | Promise
    # The task's title, with %(name)s placeholders filled from its params.
    title: str | Promise
    find: Finder
    # Where the task is done: the page of the visit, the project, the ceremony...
    link: Callable[[Task], str]


SOURCES: dict[str, Source] = {}


def register(
    kind: str,
    *,
    label: str | Promise,
    title: str | Promise,
    find: Finder,
    link: Callable[[Task], str],
) -> Source:
    source = Source(kind=kind, label=label, title=title, find=find, link=link)
    SOURCES[kind] = source
    return source


def of_open_files(rows: QuerySet, path: str, ids: Collection[int] | None) -> QuerySet:
    """``rows`` of the files ``ids`` (None: all), archived files left out (their milestones
    wait for them to be restored). ``path`` leads from the rows to the file ("project__
    beneficiary"; "" for files themselves)."""
    prefix = f"{path}__" if path else ""
    rows = rows.filter(**{f"{prefix}archived_at__isnull": True})
    if ids is not None:
        rows = rows.filter(**{f"{prefix}pk__in": ids})
    return rows


def title(task: Task) -> str:
    """The task's title in the active language: what staff typed, or the sentence of its
    milestone. A kind no longer registered still shows its code rather than failing a list."""
    if task.kind == task.MANUAL:
        return task.title
    source = SOURCES.get(task.kind)
    if source is None:
        return task.title or task.kind
    return fill(source.title, task.params or {}, fallback=source.label)


def link(task: Task) -> str:
    """The page where the task is done: its milestone's page, else the project's or the
    file's."""
    source = SOURCES.get(task.kind)
    if source is not None:
        return source.link(task)
    if task.project_id:
        return reverse("project_detail", args=[task.project_id])
    return reverse("beneficiary_detail", args=[task.beneficiary_id])
