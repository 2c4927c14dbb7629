"""The dashboard's and the partner report's PDFs, made by a worker: both render several
bilingual pages (seconds at national scale), longer than a web request should wait. The
pages start them with ``jobs.job_start`` under the keys below, show their progress, then the
link to the file (``reintegration/jobs.py``)."""

from __future__ import annotations

import hashlib

from django.http import QueryDict
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from dashboard.forms import DashboardFilterForm
from dashboard.reports import convention_report
from dashboard.selectors import build_dashboard, can_view_dashboard, scope_of
from partners.models import Convention
from partners.permissions import can_view_conventions
from reintegration import jobs
from reintegration.models import Job, User
from reintegration.pdf import render_pdf
from reintegration.refusals import Refused

# The page's filters, which the summary follows (``DashboardFilterForm``).
FILTERS = ("date_from", "date_to", "track", "sector", "territory")


def summary_query(data: QueryDict) -> str:
    """The filters of the page as one canonical query string: the same filters, in whatever
    order, name the same summary."""
    query = QueryDict(mutable=True)
    for name in FILTERS:
        if value := data.get(name):
            query[name] = str(value)
    return query.urlencode()


def summary_key(user: User, query: str) -> str:
    # Per person (the figures are those of their scope) and per filters; hashed, since the
    # key is short and the filters are not.
    return f"dashboard-pdf:{user.pk}:{hashlib.sha256(query.encode()).hexdigest()[:16]}"


def report_key(convention: Convention, user: User) -> str:
    # Per person too: the list of projects holds only those the reader may see.
    return f"convention-report:{convention.pk}:{user.pk}"


@jobs.job_kind()
def dashboard_summary(job: Job) -> jobs.Result:
    """The dashboard in Arabic then French, for the filters the page had."""
    user = job.requested_by
    if not can_view_dashboard(user):
        raise Refused(_("Your role has no dashboard."))
    progress = jobs.reporter(job)
    progress(0, 2)
    form = DashboardFilterForm(QueryDict(job.params["query"]) or None, user=user)
    dashboard = build_dashboard(user, form.filters(), tracks=form.tracks)
    progress(1, 2)
    pdf = render_pdf(
        "pdf/dashboard_summary.html",
        {"dashboard": dashboard, "scope": scope_of(user), "generated": timezone.now()},
        language="ar",
    )
    return jobs.Result(content=pdf, filename=f"dashboard-{dashboard.today.isoformat()}.pdf")


@jobs.job_kind()
def convention_report_pdf(job: Job) -> jobs.Result:
    """The report for the partner, in Arabic then French."""
    user = job.requested_by
    convention = (
        Convention.objects.visible_to(user).filter(pk=job.params["convention"]).first()
        if can_view_conventions(user)
        else None
    )
    if convention is None:
        raise Refused(_("This convention is no longer within your area."))
    progress = jobs.reporter(job)
    progress(0, 2)
    report = convention_report(convention, user)
    progress(1, 2)
    pdf = render_pdf("pdf/convention_report.html", report, language="ar")
    return jobs.Result(content=pdf, filename=get_valid_filename(f"{convention.reference}.pdf"))
