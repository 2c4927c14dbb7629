"""Reading the two logs that auditors read: the audit log (what was done) and the access log
(what was opened). Both are filtered the same way (user, file number, period, and what
happened), shown most recent first, and exported as a workbook of the filtered entries."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from reintegration.formatting import resolve_language
from reintegration.models import AccessEntry, AuditEntry
from reintegration.permissions import can_view_audit_log
from reintegration.refusals import Refused
from reintegration.spreadsheets import xlsx_cell

if TYPE_CHECKING:
    from django import forms

    from reintegration.models import User

# A workbook is built inside the request: beyond this many entries the reader is asked to
# narrow the filters (a year of a busy network's sign-ins would otherwise hold a worker for
# minutes and give a sheet nobody reads whole).
EXPORT_MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True)
class LogFilters:
    user: str = ""
    # A file number (TNG-2026-0042) or, in the audit log, any target's label (PV-2026-00042).
    file_number: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # The audit log: an action code or its family's prefix; the access log: a kind.
    what: str = ""

    @classmethod
    def from_form(cls, form: forms.Form, what: str) -> LogFilters:
        """The filters of the fields that are valid (an invalid one is shown with its error
        and filters nothing)."""
        cleaned: dict[str, Any] = {}
        if form.is_bound:
            form.is_valid()  # keeps the valid fields in cleaned_data, the others in errors
            cleaned = form.cleaned_data
        return cls(
            user=cleaned.get("user") or "",
            file_number=cleaned.get("file_number") or "",
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            what=cleaned.get(what) or "",
        )


def _period(filters: LogFilters) -> Q:
    """Whole days in Morocco's time, as bounds on the stored instant, so that the index on the
    time serves the filter (a ``__date`` lookup would convert every row)."""
    period = Q()
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time.min)
        period &= Q(created_at__gte=timezone.make_aware(start))
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min)
        period &= Q(created_at__lt=timezone.make_aware(end))
    return period


def audit_entries(*, by: User, filters: LogFilters) -> QuerySet[AuditEntry]:
    """The audit log as ``by`` may read it (national administrators and auditors: all of it),
    filtered, most recent first."""
    if not can_view_audit_log(by):
        return AuditEntry.objects.none()
    entries = AuditEntry.objects.filter(_period(filters)).select_related("actor")
    if filters.what:
        entries = entries.filter(action__startswith=filters.what)
    if filters.user:
        # The name held at the time: failed sign-ins under an unknown name are found too.
        entries = entries.filter(actor_label__iexact=filters.user)
    if filters.file_number:
        # A file's own entries carry its number; those of its projects begin with it
        # ("TNG-2026-0042 #7"); a certificate's carry the certificate's number.
        entries = entries.filter(
            Q(target_label=filters.file_number)
            | Q(target_label__startswith=f"{filters.file_number} ")
        )
    return entries.order_by("-created_at", "-pk")


def access_entries(*, by: User, filters: LogFilters) -> QuerySet[AccessEntry]:
    """The access log as ``by`` may read it, filtered, most recent first."""
    if not can_view_audit_log(by):
        return AccessEntry.objects.none()
    entries = AccessEntry.objects.filter(_period(filters)).select_related("user")
    if filters.what:
        entries = entries.filter(kind=filters.what)
    if filters.user:
        entries = entries.filter(user__username__iexact=filters.user)
    if filters.file_number:
        entries = entries.filter(file_number=filters.file_number)
    return entries.order_by("-created_at", "-pk")


def _local(moment: dt.datetime) -> dt.datetime:
    # Spreadsheets hold no time zone: the time in Morocco, as the pages show it.
    return timezone.localtime(moment).replace(tzinfo=None)


def _workbook(
    title: str,
    headers: list[str],
    entries: QuerySet[Any],
    row: Callable[[Any], list[Any]],
) -> tuple[bytes, int]:
    """A one-sheet workbook of ``entries`` (every cell through ``xlsx_cell``: no formula, text as
    stored); returns its bytes and how many entries it holds. Refused beyond EXPORT_MAX_ROWS."""
    total = entries.count()
    if total > EXPORT_MAX_ROWS:
        raise Refused(
            _(
                "%(count)s entries match these filters, more than the %(limit)s a workbook may "
                "hold: narrow the period or add a filter."
            )
            % {"count": total, "limit": EXPORT_MAX_ROWS}
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.sheet_view.rightToLeft = resolve_language() == "ar"
    header_cells = [xlsx_cell(sheet, header) for header in headers]
    for cell in header_cells:
        cell.font = Font(bold=True)
    sheet.append(header_cells)
    for entry in entries.iterator(chunk_size=2000):
        cells = [xlsx_cell(sheet, value) for value in row(entry)]
        cells[0].number_format = DATETIME_FORMAT
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), total


def audit_workbook(entries: QuerySet[AuditEntry]) -> tuple[bytes, int]:
    headers = [
        _("Time"),
        _("User"),
        _("Action"),
        _("What happened"),
        _("Target"),
        _("IP address"),
    ]

    def row(entry: AuditEntry) -> list[Any]:
        return [
            _local(entry.created_at),
            entry.actor_label,
            entry.action,
            str(entry),
            entry.target_label,
            entry.ip_address or "",
        ]

    return _workbook(_("Audit log"), headers, entries, row)


def access_workbook(entries: QuerySet[AccessEntry]) -> tuple[bytes, int]:
    headers = [
        _("Time"),
        _("User"),
        _("Name"),
        _("What was opened"),
        _("File number"),
        _("Reference"),
        _("Rows"),
        _("IP address"),
    ]

    def row(entry: AccessEntry) -> list[Any]:
        return [
            _local(entry.created_at),
            entry.user.get_username(),
            entry.user.get_full_name(),
            entry.get_kind_display(),
            entry.file_number,
            entry.reference,
            entry.rows,
            entry.ip_address or "",
        ]

    return _workbook(_("Access log"), headers, entries, row)


def export_name(log: str) -> str:
    return f"{log}-{timezone.localdate().isoformat()}.xlsx"
