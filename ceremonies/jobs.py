"""The ceremony work done by a worker instead of inside a web request: issuing the
certificates (about 0.3 s each: a ceremony of a hundred people is half a minute) and the PDF
of all the certificates of a large ceremony. The pages start them with ``jobs.job_start``
under the keys below and show their progress (``reintegration/jobs.py``)."""

from __future__ import annotations

from django.db.models import Max
from django.utils.translation import gettext as _

from ceremonies import certificates, permissions, services
from ceremonies.models import Ceremony, Certificate
from reintegration import jobs
from reintegration.models import Job, User
from reintegration.refusals import Refused


def issue_key(ceremony: Ceremony) -> str:
    # One issuing per ceremony, whoever clicks: a second click joins the first.
    return f"ceremony:{ceremony.pk}"


def batch_key(ceremony: Ceremony, user: User) -> str:
    return f"ceremony-batch:{ceremony.pk}:{user.pk}"


def _ceremony(job: Job) -> Ceremony:
    """The job's ceremony, if its requester still sees it."""
    ceremony = (
        Ceremony.objects.visible_to(job.requested_by)
        .select_related("centre", "province", "tranche__convention")
        .filter(pk=job.params["ceremony"])
        .first()
    )
    if ceremony is None:
        raise Refused(_("This ceremony is no longer within your area."))
    return ceremony


def sees_the_ceremony(user: User, job: Job) -> bool:
    """Everyone who sees the ceremony follows its issuing: the page shows it to them all."""
    return (
        permissions.can_view_ceremonies(user)
        and Ceremony.objects.visible_to(user).filter(pk=job.params["ceremony"]).exists()
    )


@jobs.job_kind(visible_to=sees_the_ceremony)
def issue_certificates(job: Job) -> None:
    """Issue the missing certificates of the ceremony, one transaction each: those issued
    before a refusal (an incomplete serial list) stay issued, and the refusal says which file
    stopped the work."""
    certificates.certificates_issue(
        ceremony=_ceremony(job), by=job.requested_by, progress=jobs.reporter(job)
    )


@jobs.job_kind()
def certificates_batch(job: Job) -> jobs.Result:
    """The PDF of all the current certificates of the ceremony, for its requester."""
    ceremony = _ceremony(job)
    if not permissions.can_print_certificates(job.requested_by):
        raise Refused(_("Your role does not allow printing certificates."))
    refusal = certificates.batch_refusal(ceremony)
    if refusal:
        raise Refused(refusal)
    pdf = certificates.ceremony_batch(ceremony, services.totals(ceremony), jobs.reporter(job))
    return jobs.Result(content=pdf, filename=batch_filename(ceremony))


def batch_filename(ceremony: Ceremony) -> str:
    return f"certificates-{ceremony.held_on.isoformat()}-{ceremony.pk}.pdf"


# --- What the ceremony page shows -----------------------------------------------------------


def issuing_shown(ceremony: Ceremony, user: User) -> Job | None:
    """The issuing under way, whoever started it; otherwise the user's own last one if it
    failed, so that they read why (in their language: the job ran in it)."""
    live = jobs.live_job(issue_certificates, issue_key(ceremony))
    if live is not None:
        return live
    mine = jobs.latest_job(issue_certificates, issue_key(ceremony), user)
    return mine if mine is not None and mine.status == Job.Status.FAILED else None


def batch_shown(ceremony: Ceremony, user: User) -> Job | None:
    """The user's last PDF of all the certificates: under way, failed, or done and still
    true, that is started after the last certificate was issued or cancelled."""
    job = jobs.latest_job(certificates_batch, batch_key(ceremony, user), user)
    if job is None or job.status != Job.Status.DONE:
        return job
    changes = Certificate.objects.filter(handover__ceremony=ceremony).aggregate(
        issued=Max("issued_at"), cancelled=Max("cancelled_at")
    )
    last = max((moment for moment in changes.values() if moment), default=None)
    fresh = job.started_at is not None and (last is None or job.started_at >= last)
    return job if fresh else None
