"""The dry run of a spreadsheet import, done by a worker: a sheet of 2,000 rows goes through
the file form and the duplicate rules row by row, longer than a web request should wait. The
import page starts it, shows its progress, then its result (``reintegration/jobs.py``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from beneficiaries import importing, permissions
from reintegration import jobs
from reintegration.models import Job, User
from reintegration.refusals import Refused

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from reintegration.models import Centre


def check_key(user: User) -> str:
    # One dry run at a time per person: a second click on "Check the sheet" joins the first.
    return f"import:{user.pk}"


@jobs.job_kind()
def check_import(job: Job) -> jobs.Result:
    """Read the sheet the import page received and plan it row by row; the result is the
    plan as JSON (``importing.plan_data``), which the page shows."""
    if not permissions.can_import_beneficiaries(job.requested_by):
        raise Refused(_("Your role does not allow importing files."))
    try:
        results = importing.dry_run(job.params, by=job.requested_by, progress=jobs.reporter(job))
    except ValidationError as error:
        # What is wrong with the sheet as a whole (no such column, too many rows): the page
        # shows it where the dry run would have been.
        raise Refused(" ".join(error.messages)) from None
    content = json.dumps(importing.plan_data(results), ensure_ascii=False).encode()
    return jobs.Result(content=content, filename="import-check.json")


def check_start(upload: UploadedFile, *, centre: Centre, by: User) -> tuple[dict[str, Any], bool]:
    """Keep the sheet and queue its dry run; if one of ``by``'s is already under way, join it
    and drop this sheet. Returns what the confirmation needs (``importing.receive``, with the
    job), and whether an earlier dry run was joined."""
    pending = importing.receive(upload, centre=centre)
    job = jobs.job_start(
        check_import,
        key=check_key(by),
        by=by,
        params={"path": pending["path"], "centre": pending["centre"]},
    )
    joined = job.params["path"] != pending["path"]
    if joined:
        importing.discard(pending)
    return {**pending, **job.params, "job": job.pk}, joined


def check_of(pending: dict[str, Any] | None, user: User) -> Job | None:
    """The dry run that ``pending`` (what the import page keeps between requests) waits for."""
    if not pending or "job" not in pending:
        return None
    return Job.objects.filter(
        pk=pending["job"], kind=jobs.kind_name(check_import), requested_by=user
    ).first()


def checked_plan(job: Job, user: User) -> list[importing.RowResult]:
    with job.result.open("rb") as result:
        return importing.plan_from_data(json.load(result), user=user)
