"""The home page: each role's dashboard within its scope, each table as XLSX, and a printable
summary in Arabic then French (prepared by a job: ``dashboard/jobs.py``)."""

import io
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard import jobs as report_jobs
from dashboard.forms import DashboardFilterForm
from dashboard.reports import convention_report
from dashboard.selectors import TABLE_KEYS, Cell, build_dashboard, can_view_dashboard, scope_of
from dashboard.today import today_panel
from partners.models import Convention
from partners.permissions import can_view_conventions
from reintegration import access_log, jobs
from reintegration.access_log import Kind
from reintegration.formatting import CURRENCY_SUFFIX, resolve_language
from reintegration.permissions import requires
from reintegration.scoping import get_visible_or_404
from reintegration.spreadsheets import xlsx_append

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {"mad": "#,##0.00", "percent": "0.0%", "count": "0", "days": "0"}


def _dashboard(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    # The form's tracks are read only if the tables are built (their names).
    return form, build_dashboard(request.user, form.filters(), tracks=lambda: form.tracks)


@requires(can_view_dashboard)
def home(request):
    form, dashboard = _dashboard(request)
    summary = report_jobs.summary_key(request.user, report_jobs.summary_query(request.GET))
    query = request.GET.urlencode()
    return render(
        request,
        "dashboard/home.html",
        {
            "form": form,
            "dashboard": dashboard,
            # Live on every request, outside the figures' cache: what waits for the user now.
            "today": today_panel(
                request.user, centres=dashboard.kept.whole if dashboard.kept else None
            ),
            "summary_job": jobs.latest_job(report_jobs.dashboard_summary, summary, request.user),
            "query": query,
            "currency": CURRENCY_SUFFIX[resolve_language()],
            # The rendered figures are kept as long as the figures themselves (the page's
            # 120 kB of tables and chart data cost more to render than to fetch): current
            # figures name their page by a digest of themselves, so it is reused exactly while
            # they are unchanged; computed ones for DASHBOARD_CACHE_SECONDS. Found in the
            # cache, the figures are not even read (``selectors.Dashboard``).
            "page": dashboard.page(get_language(), query),
        },
    )


@requires(can_view_dashboard)
def dashboard_export(request, table):
    """One table (or ``all``) as a workbook, for the same filters as the page."""
    if table != "all" and table not in TABLE_KEYS:
        raise Http404
    _form, dashboard = _dashboard(request)
    tables = dashboard.tables if table == "all" else [dashboard.table(table)]
    workbook = Workbook()
    workbook.remove(workbook.active)
    rtl = resolve_language() == "ar"
    for item in tables:
        sheet = workbook.create_sheet(_sheet_title(str(item.title)))
        sheet.sheet_view.rightToLeft = rtl
        for cell in xlsx_append(sheet, [column.label for column in item.columns]):
            cell.font = Font(bold=True)
        for row in item.typed_rows:
            cells = xlsx_append(sheet, [_xlsx_value(value) for value, _kind in row])
            for cell, (value, kind) in zip(cells, row, strict=True):
                kind = value.kind if isinstance(value, Cell) else kind
                if kind in NUMBER_FORMATS:
                    cell.number_format = NUMBER_FORMATS[kind]
        sheet.column_dimensions["A"].width = 40
    filters = workbook.create_sheet(_sheet_title(_("Filters")))
    filters.sheet_view.rightToLeft = rtl
    xlsx_append(filters, [_("Scope"), str(scope_of(request.user) or _("All of Morocco"))])
    for label, value in dashboard.filters.describe():
        xlsx_append(filters, [str(label), str(value)])
    xlsx_append(filters, [_("Figures as of"), dashboard.today])
    filters.column_dimensions["A"].width = 24
    filters.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{table}-{dashboard.today.isoformat()}.xlsx"'
    )
    return response


@require_POST
@requires(can_view_dashboard)
def dashboard_pdf(request):
    """Starts the summary PDF for the page's filters (or joins the one under way); the home
    page shows its progress, then the link to download it."""
    query = report_jobs.summary_query(request.GET)
    jobs.job_start(
        report_jobs.dashboard_summary,
        key=report_jobs.summary_key(request.user, query),
        by=request.user,
        params={"query": query},
    )
    return redirect(f"{reverse('home')}?{query}" if query else reverse("home"))


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and titles longer than 31 characters.
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def _xlsx_value(value):
    if isinstance(value, Cell):
        value = value.value
    # Numbers stay numbers in the sheet; names and labels in the reader's language.
    return value if value is None or isinstance(value, int | Decimal) else str(value)


# --- What a partner's money achieved: the convention report ------------------------------


@requires(can_view_conventions)
def convention_report_view(request, pk, fmt="html"):
    convention = get_visible_or_404(Convention.objects, request.user, pk=pk)
    report = convention_report(convention, request.user)
    if fmt == "xlsx":
        if report["allocations"]:
            # The sheet lists the reader's files financed by the convention (numbers and
            # projects): an export of people. The page and the PDF hold totals only.
            access_log.record(
                Kind.EXPORT,
                by=request.user,
                reference=f"{convention.reference}.xlsx",
                rows=len(report["allocations"]),
            )
        return _report_xlsx(report)
    key = report_jobs.report_key(convention, request.user)
    pdf_job = jobs.latest_job(report_jobs.convention_report_pdf, key, request.user)
    return render(request, "dashboard/convention_report.html", {**report, "pdf_job": pdf_job})


@require_POST
@requires(can_view_conventions)
def convention_report_pdf(request, pk):
    """Starts the report's PDF (or joins the one under way); the report page shows its
    progress, then the link to download it."""
    convention = get_visible_or_404(Convention.objects, request.user, pk=pk)
    jobs.job_start(
        report_jobs.convention_report_pdf,
        key=report_jobs.report_key(convention, request.user),
        by=request.user,
        params={"convention": convention.pk},
    )
    return redirect("convention_report", pk=convention.pk)


def _outcome_lines(report) -> list[tuple[str, object, str, str]]:
    """The report's outcomes as (label, value, kind, why) lines: a figure that cannot be
    computed is an empty cell with the sentence that says why beside it, never a zero."""
    cost = report["cost"]
    too_young = _("too young")
    lines: list[tuple[str, object, str, str]] = [
        (_("Handed over 12 months ago or more"), cost.eligible_people, "count", ""),
        (_("Businesses active at 12 months"), cost.active, "count", ""),
        (_("People not re-incarcerated at 12 months"), cost.not_reincarcerated, "count", ""),
    ]
    for label, per in (
        (_("Dirhams per active business"), cost.per_active),
        (_("Dirhams per person not re-incarcerated"), cost.per_not_reincarcerated),
    ):
        lines.append((label, per.amount, "mad", per.explanation))
    for rows, share, label in (
        (
            report["business"],
            "share",
            ngettext_lazy(
                "Business active at %(months)s month (share of the known cases)",
                "Business active at %(months)s months (share of the known cases)",
                "months",
            ),
        ),
        (
            report["reincarceration"],
            "rate",
            ngettext_lazy(
                "Re-incarcerated within %(months)s month",
                "Re-incarcerated within %(months)s months",
                "months",
            ),
        ),
    ):
        for row in rows:
            lines.append(
                (
                    label % {"months": row["months"]},
                    row[share],
                    "percent",
                    "" if row["eligible"] else too_young,
                )
            )
    for reason, count in report["exits"]:
        label = _("Closed: %(reason)s") % {"reason": reason.label if reason else _("Not coded")}
        lines.append((label, count, "count", ""))
    return lines


def _report_xlsx(report) -> HttpResponse:
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    convention = report["convention"]
    for label, value in (
        (_("Convention"), convention.reference),
        (_("Envelope (DH)"), convention.envelope),
        (_("Committed (DH)"), report["committed"]),
        (_("Disbursed (DH)"), report["disbursed"]),
        (_("Beneficiaries financed"), report["beneficiaries"]),
        (_("Women"), report["women"]),
    ):
        xlsx_append(summary, [label, value])
    for label, value, kind, why in _outcome_lines(report):
        cells = xlsx_append(summary, [label, value, why] if why else [label, value])
        cells[1].number_format = NUMBER_FORMATS[kind]
    projects = workbook.create_sheet(_("Projects")[:31])
    xlsx_append(
        projects,
        [
            str(_("File number")),
            str(_("Project")),
            str(_("Trade")),
            str(_("Status")),
            str(_("Amount (DH)")),
        ],
    )
    for allocation in report["allocations"]:
        project = allocation.project
        xlsx_append(
            projects,
            [
                project.beneficiary.file_number,
                project.title,
                project.trade.name if project.trade else "",
                str(project.get_status_display()),
                allocation.amount,
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{convention.reference}.xlsx"'
    return response
