"""The sheet to fill for an import: the columns the importer reads, headed in the user's
language, with the allowed values of the list columns on a second sheet and offered as
drop-down lists. Filled in as it is, it imports without a change (beneficiaries/importing.py
reads headers and values in Arabic, French or English)."""

from __future__ import annotations

import io
from itertools import zip_longest

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from beneficiaries.importing import CHOICE_COLUMNS, COLUMN_LABELS, COLUMNS, MAX_ROWS, REQUIRED
from beneficiaries.models import ProgrammeTrack
from reintegration.models import User
from reintegration.spreadsheets import xlsx_append
from reintegration.territories import province_choices

# Typed as text, so that a spreadsheet program keeps the leading 0 of a phone and does not
# turn 05/03/1990 into a date in its own locale's order.
TEXT_COLUMNS = ("file_number", "date_of_birth", "cin", "phone")


def allowed_values(*, user: User) -> dict[str, list[str]]:
    """The values each list column accepts, as the user reads them."""
    values = {
        name: [str(label) for _code, label in choices] for name, choices in CHOICE_COLUMNS.items()
    }
    values["residence_province"] = [name for _pk, name in province_choices(user)]
    values["track"] = [track.name for track in ProgrammeTrack.objects.filter(active=True)]
    return values


def template_workbook(*, user: User) -> bytes:
    """The template, in the active language."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Files")
    lists = workbook.create_sheet(_("Allowed values"))
    headers = xlsx_append(sheet, [COLUMN_LABELS[name] for name in COLUMNS])
    allowed = allowed_values(user=user)
    # Each list in its own column of the second sheet, headed like the first.
    listed = [name for name in COLUMNS if name in allowed]
    columns = [[COLUMN_LABELS[name], *allowed[name]] for name in listed]
    for row in zip_longest(*columns):
        xlsx_append(lists, row)
    for position, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = 24
        if name in REQUIRED:
            headers[position - 1].font = Font(bold=True)
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        if name not in allowed:
            continue
        source = get_column_letter(listed.index(name) + 1)
        lists.column_dimensions[source].width = 32
        last = len(allowed[name]) + 1
        reference = f"{quote_sheetname(lists.title)}!${source}$2:${source}${last}"
        validation = DataValidation(type="list", formula1=reference, allow_blank=True)
        validation.error = _("Choose a value from the list.")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    if (get_language() or "").startswith("ar"):
        sheet.sheet_view.rightToLeft = True
        lists.sheet_view.rightToLeft = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
