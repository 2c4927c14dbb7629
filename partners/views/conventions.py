import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from openpyxl import Workbook

from partners import permissions
from partners.models import Convention, Partner
from partners.reports import convention_report
from projects.models import LifeProject
from reintegration.pdf import pdf_response, render_pdf
from reintegration.permissions import requires
from reintegration.scoping import get_visible_or_404
from reintegration.spreadsheets import xlsx_append


def _get_convention(request, pk) -> Convention:
    return get_visible_or_404(Convention.objects.select_related("programme"), request.user, pk=pk)


@requires(permissions.can_view_conventions)
def convention_list(request):
    conventions = (
        Convention.objects.visible_to(request.user)
        .select_related("programme")
        .prefetch_related("provinces")
    )
    return render(request, "partners/convention_list.html", {"conventions": conventions})


@requires(permissions.can_view_conventions)
def convention_detail(request, pk):
    convention = _get_convention(request, pk)
    return render(
        request,
        "partners/convention_detail.html",
        {
            "convention": convention,
            "contributions": convention.contributions.select_related("partner"),
            "tranches": convention.tranches.all(),
            # Amounts are public to the convention's readers; which person they went to is not.
            "movements": convention.movements.filter(
                project__in=LifeProject.objects.visible_to(request.user)
            ).select_related("project__beneficiary", "actor"),
            "hidden_movements": convention.movements.exclude(
                project__in=LifeProject.objects.visible_to(request.user)
            ).count(),
            "provinces": convention.provinces.all(),
            "can_manage": permissions.can_manage_conventions(request.user),
        },
    )


@requires(permissions.can_view_conventions)
def convention_report_view(request, pk, fmt="html"):
    convention = _get_convention(request, pk)
    report = convention_report(convention, request.user)
    if fmt == "pdf":
        pdf = render_pdf("pdf/convention_report.html", report, language="ar")
        return pdf_response(pdf, f"{convention.reference}.pdf")
    if fmt == "xlsx":
        return _report_xlsx(report)
    return render(request, "partners/convention_report.html", report)


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
        (_("Businesses active at the last visit"), report["active"]),
    ):
        xlsx_append(summary, [label, value])
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


@requires(permissions.can_view_conventions)
def partner_list(request):
    partners = Partner.objects.select_related("region", "province").prefetch_related("contacts")
    return render(request, "partners/partner_list.html", {"partners": partners})
