"""The two logs auditors read: the audit log (what was done) and the access log (who opened
which person's data), each filtered, paginated and exported as a workbook."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from reintegration import access_log, audit, logs
from reintegration.forms import AccessLogFilterForm, AuditLogFilterForm
from reintegration.models import AccessEntry
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.permissions import can_view_audit_log, requires
from reintegration.refusals import refusal_shown_on


def _workbook_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=logs.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export(request, build, entries, log: str, page: str) -> HttpResponse:
    """The workbook of the filtered entries, itself an export listing people (staff, and
    the files they opened): recorded in the access log."""
    name = logs.export_name(log)
    with refusal_shown_on(request):
        content, rows = build(entries)
        access_log.record(AccessEntry.Kind.EXPORT, by=request.user, reference=name, rows=rows)
        return _workbook_response(content, name)
    return redirect(f"{reverse(page)}?{request.GET.urlencode()}")


@requires(can_view_audit_log)
def audit_log(request):
    form = AuditLogFilterForm(request.GET or None)
    entries = logs.audit_entries(by=request.user, filters=logs.LogFilters.from_form(form, "action"))
    page = paginate(request, entries, per_page=WORKLIST_PAGE_SIZE)
    return render(
        request,
        "reintegration/audit_log.html",
        {"form": form, "page": page, "actions": audit.FAMILIES},
    )


@requires(can_view_audit_log)
def audit_log_export(request):
    form = AuditLogFilterForm(request.GET or None)
    entries = logs.audit_entries(by=request.user, filters=logs.LogFilters.from_form(form, "action"))
    return _export(request, logs.audit_workbook, entries, "audit-log", "audit_log")


@requires(can_view_audit_log)
def access_log_page(request):
    form = AccessLogFilterForm(request.GET or None)
    entries = logs.access_entries(by=request.user, filters=logs.LogFilters.from_form(form, "kind"))
    page = paginate(request, entries, per_page=WORKLIST_PAGE_SIZE)
    return render(request, "reintegration/access_log.html", {"form": form, "page": page})


@requires(can_view_audit_log)
def access_log_export(request):
    form = AccessLogFilterForm(request.GET or None)
    entries = logs.access_entries(by=request.user, filters=logs.LogFilters.from_form(form, "kind"))
    return _export(request, logs.access_workbook, entries, "access-log", "access_log")
