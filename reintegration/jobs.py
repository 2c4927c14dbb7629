"""Long work as jobs: started from a page, done by a worker, followed with a progress bar.

A job kind is a function decorated with ``@job_kind``; it receives the ``Job`` row and reports
its progress with ``progress(job, done, total)``. ``job_start`` records the job and queues it in
the same transaction (Django's Tasks API, database backend: ``manage.py db_worker`` runs it),
or returns the job already running for the same work, so a second click never starts a second
one. The worker runs the job in the language of the person who asked for it, so that what it
reports, a refusal included, is in their language. See docs/operations.md.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from reintegration.models import Job, User
from reintegration.refusals import Refused

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """What a finished job leaves: a file to download, or the page to go back to."""

    content: bytes | None = None
    filename: str = ""
    next_url: str = ""


JobFunction = Callable[[Job], Result | None]
# How a service reports how far it has come (done, total), without knowing about jobs.
Progress = Callable[[int, int], None]
# Who may follow a job besides the person who started it (e.g. everyone who sees the ceremony).
Visibility = Callable[[User, Job], bool]

KINDS: dict[str, Visibility | None] = {}


def kind_name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def job_kind(visible_to: Visibility | None = None) -> Callable[[JobFunction], JobFunction]:
    """Declare a function as a kind of job. Only declared functions are ever run by name."""

    def register(function: JobFunction) -> JobFunction:
        KINDS[kind_name(function)] = visible_to
        return function

    return register


LIVE = (Job.Status.QUEUED, Job.Status.RUNNING)


def job_start(
    function: JobFunction, *, key: str, by: User, params: dict[str, Any] | None = None
) -> Job:
    """Queue ``function`` for ``key``, or return the job already waiting or running for it."""
    name = kind_name(function)
    if name not in KINDS:
        raise ValueError(f"{name} is not a job kind (decorate it with @job_kind).")
    live = Job.objects.filter(kind=name, key=key, status__in=LIVE)
    with transaction.atomic():
        existing = live.first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(kind=name, key=key, requested_by=by, params=params or {})
        except IntegrityError:
            # Another click won the race between the check and the insert.
            return live.get()
        run_job.enqueue(job.pk)
    return job


def live_job(function: JobFunction, key: str) -> Job | None:
    """The job waiting or running for ``key``, for the page that shows its progress."""
    return Job.objects.filter(kind=kind_name(function), key=key, status__in=LIVE).first()


def latest_job(function: JobFunction, key: str, by: User) -> Job | None:
    """The last job ``by`` started for ``key``, whatever its state (a result to download)."""
    return Job.objects.filter(kind=kind_name(function), key=key, requested_by=by).first()


def can_follow(user: User, job: Job) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if job.requested_by_id == user.pk:
        return True
    visible_to = KINDS.get(job.kind)
    return bool(visible_to and visible_to(user, job))


def progress(job: Job, done: int, total: int | None = None) -> None:
    """Record how far ``job`` has come; the page polls it (outside the job's own transactions)."""
    job.done = done
    fields = ["done"]
    if total is not None:
        job.total = total
        fields.append("total")
    Job.objects.filter(pk=job.pk).update(**{field: getattr(job, field) for field in fields})


def reporter(job: Job, *, steps: int = 100) -> Progress:
    """A ``Progress`` for a service working for ``job``: it records at most about ``steps``
    times over the work, since each record is one write (a 2,000-row sheet must not cost
    2,000), and always the start and the end."""

    def report(done: int, total: int) -> None:
        if done in (0, total) or done % max(1, total // steps) == 0:
            progress(job, done, total)

    return report


@task()
def run_job(job_id: int) -> None:
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return  # already run (a task delivered twice)
    with translation.override(job.requested_by.language or None):
        try:
            function: JobFunction = import_string(job.kind)  # its module declares its kind
            if job.kind not in KINDS:
                raise Refused(_("This kind of work cannot be run."))
            result = function(job)
        except Refused as refusal:
            _finish(job, Job.Status.FAILED, error=str(refusal.message))
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            _finish(
                job,
                Job.Status.FAILED,
                error=_(
                    "The work stopped on an unexpected error. Nothing was lost: try again, and "
                    "if it fails again, tell headquarters."
                ),
            )
        else:
            _finish(job, Job.Status.DONE, result=result)


def _finish(job: Job, status: str, *, error: str = "", result: Result | None = None) -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    fields = ["status", "error", "finished_at"]
    if result is not None:
        if result.content is not None:
            job.result.save(result.filename, ContentFile(result.content), save=False)
            job.result_name = result.filename
            fields += ["result", "result_name"]
        if result.next_url:
            job.next_url = result.next_url
            fields.append("next_url")
        if job.total is not None:
            job.done = job.total
            fields.append("done")
    job.save(update_fields=fields)


def prune_jobs(*, before: datetime.datetime) -> int:
    """Delete the jobs finished before ``before`` and their files: results hold personal data
    and are only kept for the people who asked for them to download."""
    old = Job.objects.filter(finished_at__lt=before).exclude(status__in=LIVE)
    count = 0
    for job in old.only("pk", "result"):
        if job.result:
            job.result.delete(save=False)
        job.delete()
        count += 1
    return count
