"""List exports (CSV, XLSX) with exactly the columns the reader's role may see."""

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from beneficiaries.models import DetentionRecord
from beneficiaries.permissions import can_view_detention
from reintegration.formatting import format_phone
from reintegration.spreadsheets import csv_writer, xlsx_append


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable


def _detention(attribute):
    def value(b):
        record = getattr(b, "_detention", None)
        return getattr(record, attribute, "") if record else ""

    return value


PERSON_COLUMNS = [
    Column(_("File number"), lambda b: b.file_number),
    Column(_("Centre"), lambda b: b.centre.code),
    Column(_("Last name (Arabic)"), lambda b: b.last_name_ar),
    Column(_("First name (Arabic)"), lambda b: b.first_name_ar),
    Column(_("Last name (Latin script)"), lambda b: b.last_name_latin),
    Column(_("First name (Latin script)"), lambda b: b.first_name_latin),
    Column(_("Sex"), lambda b: b.sex),
    Column(_("Date of birth"), lambda b: b.date_of_birth),
    Column(_("CIN"), lambda b: b.cin or ""),
    Column(_("Phone"), lambda b: format_phone(b.phone, "fr")),
    Column(_("Province of residence"), lambda b: b.residence_province.name),
    Column(_("Commune"), lambda b: b.commune),
    Column(_("Education level"), lambda b: b.get_education_display()),
    Column(_("Family situation"), lambda b: b.get_family_situation_display()),
    Column(_("Programme track"), lambda b: b.track.name),
    Column(_("Status"), lambda b: b.get_status_display()),
    Column(_("Archived"), lambda b: b.archived_at.date() if b.archived_at else ""),
]
DETENTION_COLUMNS = [
    Column(_("Establishment"), lambda b: getattr(b, "_establishment", "")),
    Column(_("Date of entry"), _detention("entry_date")),
    Column(_("Date of release"), _detention("release_date")),
    Column(_("Sentence (months)"), _detention("sentence_months")),
]


def columns_for(user) -> list[Column]:
    return PERSON_COLUMNS + (DETENTION_COLUMNS if can_view_detention(user) else [])


def rows(queryset, columns, *, with_detention: bool) -> tuple[list[list], int]:
    """The export's rows, and how many detention records they hold."""
    people = list(queryset.select_related("centre", "track", "residence_province"))
    by_person = {}
    if with_detention:
        records = DetentionRecord.objects.filter(
            beneficiary__in=[b.pk for b in people]
        ).select_related("establishment")
        by_person = {r.beneficiary_id: r for r in records}
        for b in people:
            b._detention = by_person.get(b.pk)
            b._establishment = str(b._detention.establishment) if b._detention else ""
    return [[column.value(b) for column in columns] for b in people], len(by_person)


def filename(fmt: str) -> str:
    return f"beneficiaries-{timezone.localdate().isoformat()}.{fmt}"


def response(fmt: str, columns, data, name: str) -> HttpResponse:
    headers = [str(column.header) for column in columns]
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        xlsx_append(sheet, headers)
        for row in data:
            xlsx_append(sheet, row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        result = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        # A byte-order mark so that spreadsheet programs open Arabic text as UTF-8.
        buffer.write("\ufeff")
        writer = csv_writer(buffer)
        writer.writerow(headers)
        writer.writerows(data)
        result = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    result["Content-Disposition"] = f'attachment; filename="{name}"'
    return result
