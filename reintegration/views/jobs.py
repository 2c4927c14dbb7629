"""Following a job: its progress as JSON for the page's progress bar, and its result."""

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from reintegration import jobs
from reintegration.formatting import ltr
from reintegration.models import Job
from reintegration.permissions import requires, signed_in


def _followed(request, pk) -> Job:
    job = get_object_or_404(Job, pk=pk)
    if not jobs.can_follow(request.user, job):
        raise Http404
    return job


def progress_text(job: Job) -> str:
    if job.status == Job.Status.QUEUED:
        return _("Waiting for a free worker…")
    if job.status == Job.Status.FAILED:
        return job.error
    if job.status == Job.Status.DONE:
        return _("Done.")
    if job.total:
        # Numbers isolated left to right, as everywhere in Arabic text (formatting.ltr).
        return _("%(done)s of %(total)s done") % {"done": ltr(job.done), "total": ltr(job.total)}
    return _("Working…")


@never_cache
@requires(signed_in)
def job_status(request, pk):
    job = _followed(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "text": progress_text(job),
            "result_url": reverse("job_result", args=[job.pk]) if job.result else "",
            "next_url": job.next_url,
        }
    )


@never_cache
@requires(signed_in)
def job_result(request, pk):
    job = _followed(request, pk)
    if job.status != Job.Status.DONE or not job.result:
        raise Http404
    return FileResponse(
        job.result.open("rb"),
        filename=job.result_name,
        as_attachment=not job.result_name.endswith(".pdf"),
    )
