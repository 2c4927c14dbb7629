"""Spreadsheet import of beneficiary files: a dry run first, then one transaction.

The sheet is received, then parsed and every row validated with the same form as the screen by
a job (``beneficiaries.jobs.check_import``: a large sheet takes longer than a request should);
the preview says row by row what would be created, updated, left unchanged or refused and why.
Confirming parses the stored sheet again and commits the accepted rows together, so nothing is
half imported.
Rows match existing files on file number, then on CIN, then on names and date of birth, so
importing the same sheet twice creates nothing new. A row matched by file number or CIN must
also name the person of that file (``duplicates.same_person``), or it is refused: a mistyped
CIN would otherwise write another person over the file. An update keeps the stored value of
every empty cell. A row that would open a file is refused if
it resembles a stored file or an earlier row of the sheet (beneficiaries/duplicates.py): a bulk
import cannot declare two people different, the file form can and records it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import posixpath
import re
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from xml.etree import ElementTree

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from beneficiaries import duplicates, services
from beneficiaries.forms import BeneficiaryForm, normalise_cin
from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.names import name_key
from reintegration import audit
from reintegration.formats import DATE_INPUT_FORMATS
from reintegration.formatting import ltr
from reintegration.jobs import Progress
from reintegration.models import Centre, Province, Role, User
from reintegration.refusals import Refused
from reintegration.text import clean_text, fold

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

COLUMNS = [
    "file_number",
    "first_name_ar",
    "last_name_ar",
    "first_name_latin",
    "last_name_latin",
    "sex",
    "date_of_birth",
    "cin",
    "phone",
    "residence_province",
    "commune",
    "education",
    "family_situation",
    "track",
]
REQUIRED = {"first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "sex"}
MAX_ROWS = 2000
# What a column is called in a sheet typed by people (the import template writes these in the
# user's language); the codes above are read too. Any of the three languages is accepted.
COLUMN_LABELS = {
    "file_number": gettext_lazy("File number"),
    "first_name_ar": gettext_lazy("First name (Arabic)"),
    "last_name_ar": gettext_lazy("Last name (Arabic)"),
    "first_name_latin": gettext_lazy("First name (Latin script)"),
    "last_name_latin": gettext_lazy("Last name (Latin script)"),
    "sex": gettext_lazy("Sex"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "cin": gettext_lazy("CIN"),
    "phone": gettext_lazy("Phone"),
    "residence_province": gettext_lazy("Province of residence"),
    "commune": gettext_lazy("Commune"),
    "education": gettext_lazy("Education level"),
    "family_situation": gettext_lazy("Family situation"),
    "track": gettext_lazy("Programme track"),
}
# Columns whose cells hold one of a list of values, typed as a code or as its label.
CHOICE_COLUMNS = {
    "sex": Beneficiary.Sex.choices,
    "education": Beneficiary.Education.choices,
    "family_situation": Beneficiary.Family.choices,
}
SHEET_LANGUAGES = ("ar", "fr", "en")


def _in_every_language(labels: dict[str, Any]) -> dict[str, str]:
    """Folded label in each sheet language -> key, and each key itself."""
    found = {fold(key): key for key in labels}
    for language in SHEET_LANGUAGES:
        with translation.override(language):
            found.update({fold(str(label)): key for key, label in labels.items()})
    return found


def column_key(header: object) -> str:
    """The column a header names: its code, or its label in Arabic, French or English."""
    text = str(header or "").strip()
    return _in_every_language(COLUMN_LABELS).get(fold(text), text.lower())


# A sheet row, header to cell: text from a CSV; text, numbers or dates from an XLSX.
Row = dict[str, Any]
# Which cell of a row named a stored file.
Reach = Literal["file_number", "cin"]
Action = Literal["create", "update", "unchanged", "refuse"]


class ImportForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Centre"), queryset=Centre.objects.filter(active=True), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.COORDINATOR:
            del self.fields["centre"]
        else:
            self.fields["centre"].required = True

    def selected_centre(self) -> Centre | None:
        return (
            self.user.centre if self.user.role == Role.COORDINATOR else self.cleaned_data["centre"]
        )


@dataclass
class RowResult:
    line: int
    action: Action
    label: str
    errors: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    target: Beneficiary | None = None
    # Stored files this row resembles, those in the user's scope shown with a link.
    duplicates: duplicates.Duplicates | None = None
    # The file of the user's centre whose CIN or file number the row carries under another
    # person's names: shown with a link so the user can see which sheet cell is wrong.
    conflict: Beneficiary | None = None


# The rows read from a sheet at most: the header, MAX_ROWS rows, and one more to know that
# there are too many. A longer sheet is refused without being read to its end.
_ROWS_READ = MAX_ROWS + 2
# The parts of a workbook that name its sheets are small; the sheet's <dimension> comes before
# its cells, within the first few hundred bytes.
_DIMENSION_WINDOW = 16 * 1024
_WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData\b")
_ROW = re.compile(rb"<(?:[\w.-]{1,16}:)?row[\s/>]")
_LAST_ROW = re.compile(r"\$?[A-Za-z]{1,3}\$?([0-9]{1,9})$")


def _too_many_rows() -> ValidationError:
    return ValidationError(
        _(
            "This sheet has more than %(count)s rows. Split it into files of at most "
            "%(count)s rows and import them one after the other; empty rows below the data "
            "count too, so delete them."
        )
        % {"count": MAX_ROWS}
    )


def _not_a_workbook() -> ValidationError:
    return ValidationError(
        _(
            "This file is not a readable XLSX workbook. Open it in your spreadsheet program, "
            "save it again as an Excel workbook (.xlsx) or as CSV (UTF-8), and upload that file."
        )
    )


def check_upload(upload: UploadedFile) -> None:
    """Refuse, before it is stored or parsed, a sheet that an import could not read within its
    bounds: a file larger than ``IMPORT_MAX_BYTES``; an XLSX workbook that is not a zip, whose
    parts unpack to more than ``IMPORT_MAX_UNPACKED_BYTES``, that lacks the sheet openpyxl
    would read, or whose sheet declares or holds more rows than an import takes.

    A 215 KB workbook can unpack to 1.5 million rows: read by openpyxl and counted afterwards,
    it held a web worker for about a minute and several hundred megabytes. These checks read
    the zip's directory, the few kilobytes of the sheet that hold its dimension, and the
    sheet's text up to the row past the limit. ``_cells`` also stops reading past the limit,
    for CSV files and for rows that only the cells' own row numbers reveal."""
    suffix = _suffix(upload)
    if (upload.size or 0) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _(
                "The file is too large to import: %(size)s MB at most. Split the sheet into "
                "files of at most %(count)s rows, or save it without images and other sheets."
            )
            % {"size": settings.IMPORT_MAX_BYTES // (1024 * 1024), "count": MAX_ROWS}
        )
    if suffix == ".xlsx":
        try:
            _check_workbook(upload)
        finally:
            upload.seek(0)


def _suffix(upload: UploadedFile) -> str:
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(_("Upload a CSV or XLSX file."))
    return suffix


def _check_workbook(upload: UploadedFile) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            # What the zip's directory declares is all that Python's zipfile will unpack: it
            # stops at the declared size of each part and then fails its checksum, so a part
            # cannot unpack to more than it declares.
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
                raise ValidationError(
                    _(
                        "Once unpacked, this workbook is larger than an import may read "
                        "(%(size)s MB). Copy only the rows to import into a new workbook, "
                        "without images or other sheets, and upload that one."
                    )
                    % {"size": settings.IMPORT_MAX_UNPACKED_BYTES // (1024 * 1024)}
                )
            sheet = _active_sheet(archive)
            if sheet is None:
                raise ValidationError(
                    _(
                        "This workbook has no sheet of cells to import. Open the sheet that "
                        "holds the rows, save the workbook, and upload it again."
                    )
                )
            declared = _declared_rows(archive, sheet)
            if declared is not None and declared - 1 > MAX_ROWS:
                raise _too_many_rows()
            # Without a dimension, openpyxl reads the whole sheet when it opens the workbook,
            # to size it; with a wrong one, it would stop reading where the dimension says.
            if _counted_rows(archive, sheet) - 1 > MAX_ROWS:
                raise _too_many_rows()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, EOFError):
        raise _not_a_workbook() from None
    except (KeyError, NotImplementedError, RuntimeError, OSError, ValueError):
        # A part the directory names but cannot give (damaged, encrypted, compressed in a
        # way zipfile cannot read).
        raise _not_a_workbook() from None


def _elements(archive: zipfile.ZipFile, member: str) -> Iterator[ElementTree.Element]:
    """The elements of an XML part as each one ends, cleared once looked at.

    The standard library's parser, as openpyxl uses for the same parts: it resolves no
    external entity, and expat (2.4 and later) refuses the entity expansions of a "billion
    laughs" file."""
    with archive.open(member) as stream:
        for _event, element in ElementTree.iterparse(stream):  # noqa: S314 (see above)
            yield element
            element.clear()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _active_sheet(archive: zipfile.ZipFile) -> str | None:
    """The part holding the sheet that ``load_workbook(...).active`` reads, found the way
    openpyxl finds it: the workbook part named in [Content_Types].xml, its sheets in order
    (those whose part exists), the active tab of its first view that names one. None when
    that sheet is missing or is a chart."""
    names = set(archive.namelist())
    workbook = "xl/workbook.xml"
    for element in _elements(archive, "[Content_Types].xml"):
        if _local(element.tag) == "Override" and element.get("ContentType") in _WORKBOOK_TYPES:
            workbook = element.get("PartName", "").lstrip("/")
            break
    folder, name = posixpath.split(workbook)
    relationships = {}
    for element in _elements(archive, posixpath.join(folder, "_rels", f"{name}.rels")):
        target = element.get("Target", "")
        if _local(element.tag) == "Relationship" and target:
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            relationships[element.get("Id")] = (element.get("Type", ""), posixpath.normpath(path))
    active, sheets = None, []
    for element in _elements(archive, workbook):
        tag = _local(element.tag)
        if tag == "workbookView" and active is None and element.get("activeTab") is not None:
            active = int(element.get("activeTab", ""))
        elif tag == "sheet" and element.get(_RELATIONSHIP_ID) in relationships:
            kind, path = relationships[element.get(_RELATIONSHIP_ID)]
            if path in names:
                sheets.append((kind, path))
        elif tag == "sheets":
            break
    if not 0 <= (active or 0) < len(sheets):
        return None
    kind, path = sheets[active or 0]
    return None if kind.endswith("/chartsheet") else path


def _declared_rows(archive: zipfile.ZipFile, sheet: str) -> int | None:
    """The last row that the sheet's <dimension> declares, read from its first kilobytes;
    None when it declares none there."""
    with archive.open(sheet) as stream:
        head = stream.read(_DIMENSION_WINDOW)
    cells = _SHEET_DATA.search(head)
    found = _DIMENSION.search(head, 0, cells.start() if cells else len(head))
    if found is None:
        return None
    last = _LAST_ROW.match(found.group(1).decode("ascii", "replace").rpartition(":")[2])
    return int(last.group(1)) if last else None


def _counted_rows(archive: zipfile.ZipFile, sheet: str) -> int:
    """The sheet's <row> elements, counted up to one more than an import takes: the sheet is
    unpacked in chunks and its text only scanned, never parsed, so this stops within the
    first hundred kilobytes of a sheet that is too long."""
    count, tail = 0, b""
    with archive.open(sheet) as stream:
        while count < _ROWS_READ and (chunk := stream.read(64 * 1024)):
            data = tail + chunk
            # A row tag cut by the previous chunk's end is whole now; one wholly inside the
            # tail was counted with the previous chunk.
            count += sum(1 for row in _ROW.finditer(data) if row.end() > len(tail))
            tail = data[-32:]
    return count


# How much of a CSV file tells its encoding: the header and the first rows, whose names are
# enough to tell UTF-8 from Windows-1256.
_ENCODING_SAMPLE = 64 * 1024


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without its mark), or Windows-1256: Excel in Arabic saves "CSV" in that
    code page unless told otherwise, and it holds French's accented letters at the places
    Windows-1252 does, so French sheets saved that way read right too."""
    with open(path, "rb") as raw:
        sample = raw.read(_ENCODING_SAMPLE)
    try:
        # Incremental: the sample may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1256"
    return "utf-8-sig"


def _cells(path: Path) -> list[Sequence[Any]]:
    """The sheet's rows of cells, the header row first, at most ``_ROWS_READ`` of them."""
    if path.suffix == ".xlsx":
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.active
            # The rows the file holds, not those its dimension declares: openpyxl would stop
            # at a dimension declaring fewer, and pad up to one declaring more.
            sheet.reset_dimensions()
            values = list(islice(sheet.iter_rows(values_only=True), _ROWS_READ))
        finally:
            workbook.close()
        # Without a dimension, each row ends at its last cell: pad them to the header's width.
        width = len(values[0]) if values else 0
        return [(*row, *(None,) * (width - len(row))) for row in values]
    # Decoded as it is read, so that lines past the limit are never decoded nor split.
    with open(path, encoding=_csv_encoding(path), newline="") as text:
        try:
            sample = text.read(2048)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else "excel"
            text.seek(0)
            return list(islice(csv.reader(text, dialect), _ROWS_READ))
        except UnicodeDecodeError:
            raise ValidationError(_("Save the CSV file as UTF-8 and upload it again.")) from None


def _read(path: Path) -> list[Row]:
    values = _cells(path)
    if not values:
        raise ValidationError(_("The sheet is empty."))
    # Cells are cleaned as typed text is (reintegration.middleware.CleanTextInputMiddleware):
    # a sheet is typed too, and a right-to-left override in a name is as misleading there.
    values = [[clean_text(v) if isinstance(v, str) else v for v in row] for row in values]
    headers = [column_key(h) for h in values[0]]
    missing = REQUIRED - set(headers)
    if missing:
        raise ValidationError(
            _("Columns missing from the first row: %(columns)s.")
            % {"columns": ltr(", ".join(sorted(missing)))}
        )
    if len(values) - 1 > MAX_ROWS:
        raise _too_many_rows()
    return [
        {h: ("" if v is None else v) for h, v in zip(headers, row, strict=False) if h}
        for row in values[1:]
        if any(v not in (None, "") for v in row)
    ]


def _as_date(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return text


class _Lookups:
    """Reference data resolved once per sheet, not once per row. Names are compared folded
    (``text.fold``): "Tetouan" finds "Tétouan", "الحسيمه" finds "الحسيمة"."""

    def __init__(self) -> None:
        self.provinces: dict[str, int] = {}
        for province in Province.objects.all():
            for key in (province.code, province.name_fr, province.name_ar):
                self.provinces[fold(key)] = province.pk
        self.tracks: dict[str, int] = {}
        for track in ProgrammeTrack.objects.all():
            for key in (track.code, track.name_fr, track.name_ar):
                self.tracks[fold(key)] = track.pk
        self.choices = {
            name: _in_every_language(dict(choices)) for name, choices in CHOICE_COLUMNS.items()
        }

    def form_data(self, row: Row, target: Beneficiary | None = None) -> dict[str, Any]:
        """The form data for a row: an existing file keeps every value the sheet has no column
        for (notes, dependants, or any column left out) and every value whose cell is empty, so
        an update never wipes them: a sheet exported with fewer details, or a cell left blank
        because it was unknown, must not erase a phone or a commune typed in the file."""
        data: dict[str, Any] = _current_values(target) if target else {}
        sheet: dict[str, Any] = {name: str(row[name]).strip() for name in COLUMNS if name in row}
        if target is not None:
            sheet = {name: value for name, value in sheet.items() if value}
        if "date_of_birth" in sheet:
            sheet["date_of_birth"] = _as_date(row["date_of_birth"])
        for name, values in self.choices.items():
            if sheet.get(name):
                # Unknown values are left as typed, for the form to say what is wrong; for the
                # sex, "Male" and "Female" (and "m", "f") still give M and F.
                typed = sheet[name] if name != "sex" else sheet[name].upper()[:1]
                sheet[name] = values.get(fold(sheet[name]), typed)
        if "residence_province" in sheet:
            province = sheet["residence_province"]
            sheet["residence_province"] = self.provinces.get(fold(province), "")
        if "track" in sheet or target is None:
            track = sheet.get("track") or "standard"
            sheet["track"] = self.tracks.get(fold(track), "")
        data.update(sheet)
        data.setdefault("file_number", "")
        return data


def _current_values(target: Beneficiary) -> dict[str, str]:
    values = {}
    for name in services.EDITABLE_FIELDS:
        value = (
            getattr(target, f"{name}_id", None)
            if name in ("residence_province", "track")
            else getattr(target, name)
        )
        values[name] = (
            ""
            if value is None
            else (value.isoformat() if hasattr(value, "isoformat") else str(value))
        )
    values["file_number"] = target.file_number
    return values


def _identity(data: dict[str, Any]) -> tuple[str, str, str]:
    return (fold(data["first_name_latin"]), fold(data["last_name_latin"]), data["date_of_birth"])


def _row_identity(data: dict[str, Any]) -> duplicates.Identity:
    """The identity a row states in its own cells, before a stored file fills the empty ones."""
    try:
        born = datetime.date.fromisoformat(data.get("date_of_birth", ""))
    except ValueError:
        born = None
    return duplicates.Identity.of({**data, "date_of_birth": born})


def _files_by_number_or_cin(rows: list[Row]) -> dict[str, Beneficiary]:
    """The stored files of every centre, under each file number and CIN the sheet names: a row
    reaching another centre's file is refused, not taken for someone new."""
    numbers = {r.get("file_number", "").strip() for r in rows} - {""}
    cins = {normalise_cin(str(r.get("cin", ""))) for r in rows} - {None}
    return {
        key: b
        for b in Beneficiary.objects.filter(Q(file_number__in=numbers) | Q(cin__in=cins))
        for key in (b.file_number, b.cin)
        if key
    }


def _files_by_identity(
    rows: list[Row], *, centre: Centre
) -> dict[tuple[str, str, str], Beneficiary]:
    """The centre's files without a CIN, under their folded names and date of birth.

    Without a file number or CIN, the same names and date of birth in this centre are taken to
    be the same person, so that a sheet imported twice does not double them. Folded names that
    are equal have equal name keys: the index on keys finds them without a scan."""
    keys = {
        name_key(str(r.get("first_name_latin", "")), str(r.get("last_name_latin", "")))
        for r in rows
    }
    return {
        _identity(
            {
                "first_name_latin": b.first_name_latin,
                "last_name_latin": b.last_name_latin,
                "date_of_birth": b.date_of_birth.isoformat(),
            }
        ): b
        for b in Beneficiary.objects.filter(
            centre=centre, cin__isnull=True, name_key__in=keys - {""}
        )
    }


@dataclass
class _StoredFiles:
    """The stored files the rows of a sheet may reach, read once for the whole sheet."""

    by_number_or_cin: dict[str, Beneficiary]
    by_identity: dict[tuple[str, str, str], Beneficiary]
    # Which of them the user may see.
    in_scope: set[int]

    @classmethod
    def reached_by(cls, rows: list[Row], *, centre: Centre, by: User) -> _StoredFiles:
        by_number_or_cin = _files_by_number_or_cin(rows)
        by_identity = _files_by_identity(rows, centre=centre)
        reached = [b.pk for b in [*by_number_or_cin.values(), *by_identity.values()]]
        in_scope = set(
            Beneficiary.objects.visible_to(by).filter(pk__in=reached).values_list("pk", flat=True)
        )
        return cls(by_number_or_cin, by_identity, in_scope)

    def match(
        self, data: dict[str, Any], cin: str | None
    ) -> tuple[Beneficiary | None, Reach | None]:
        """The file a row reaches, and whether by its file number or its CIN (None when by
        names and date of birth, or when it reaches none)."""
        by_number = self.by_number_or_cin.get(data["file_number"])
        if by_number is not None:
            return by_number, "file_number"
        by_cin = self.by_number_or_cin.get(cin) if cin else None
        if by_cin is not None:
            return by_cin, "cin"
        if not cin and "date_of_birth" in data:
            return self.by_identity.get(_identity(data)), None
        return None, None


@dataclass
class _PlannedRow:
    """A sheet row read and matched with a stored file, not yet judged."""

    line: int
    label: str
    # The form data: the row's cells, and the stored file's values where the cells are empty.
    data: dict[str, Any]
    # What the row's own cells say of the person, to compare with the file it reaches.
    stated: duplicates.Identity
    cin: str | None
    target: Beneficiary | None
    # Whether the row names the target by its file number or CIN; None otherwise.
    reached_by: Reach | None

    def refuse(self, *errors: str, conflict: Beneficiary | None = None) -> RowResult:
        return RowResult(self.line, "refuse", self.label, list(errors), conflict=conflict)


def _read_row(line: int, row: Row, *, lookups: _Lookups, stored: _StoredFiles) -> _PlannedRow:
    data = lookups.form_data(row)
    cin = normalise_cin(data.get("cin"))
    target, reached_by = stored.match(data, cin)
    label = f"{data.get('first_name_latin', '')} {data.get('last_name_latin', '')}".strip()
    return _PlannedRow(
        line=line,
        label=label or "—",
        data=data if target is None else lookups.form_data(row, target),
        stated=_row_identity(data),
        cin=cin,
        target=target,
        reached_by=reached_by,
    )


def _appears_twice(row: _PlannedRow, seen: set[int | str]) -> bool:
    """Whether an earlier row reached the same file, CIN or file number; if not, this row's
    are added to ``seen``."""
    keys = {
        k for k in (row.target.pk if row.target else None, row.cin, row.data["file_number"]) if k
    }
    if keys & seen:
        return True
    seen.update(keys)
    return False


def _another_persons(reached_by: Reach) -> str:
    if reached_by == "file_number":
        return _(
            "This file number belongs to another person (other names and date of "
            "birth): check the file number in the sheet."
        )
    return _(
        "This CIN belongs to the file of another person (other names and date of "
        "birth): check the CIN in the sheet."
    )


def _refusal(
    row: _PlannedRow, *, centre: Centre, stored: _StoredFiles, seen: set[int | str]
) -> RowResult | None:
    """The first reason to refuse the row before validating it, or None."""
    if _appears_twice(row, seen):
        return row.refuse(_("This person appears twice in the sheet."))
    target = row.target
    if target is None:
        return row.refuse(_("No file has this file number.")) if row.data["file_number"] else None
    if target.pk not in stored.in_scope or target.centre_id != centre.pk:
        return row.refuse(_("This file belongs to another centre."))
    if row.reached_by is not None and not duplicates.same_person(
        row.stated, duplicates.Identity.of(target)
    ):
        # The stored file stays free for a later row that does describe its person.
        seen.discard(target.pk)
        return row.refuse(_another_persons(row.reached_by), conflict=target)
    if target.is_archived:
        return row.refuse(_("This file is archived."))
    return None


def _form_errors(form: BeneficiaryForm) -> list[str]:
    return [
        f"{form.fields[name].label}: {' '.join(map(str, messages))}"
        if name in form.fields
        else " ".join(map(str, messages))
        for name, messages in form.errors.items()
    ]


def _validated(row: _PlannedRow) -> RowResult:
    """The row through the file form: refused with the form's errors, or what it would do."""
    target = row.target
    # Validating a model form writes into its instance: keep the stored values to compare.
    before = {name: getattr(target, name) for name in services.EDITABLE_FIELDS} if target else {}
    form = BeneficiaryForm(data=row.data, instance=target)
    if not form.is_valid():
        return row.refuse(*_form_errors(form))
    cleaned = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE_FIELDS}
    if target is None:
        return RowResult(row.line, "create", row.label, data=cleaned)
    if any(before[k] != v for k, v in cleaned.items() if k != "notes"):
        return RowResult(row.line, "update", row.label, data=cleaned, target=target)
    return RowResult(row.line, "unchanged", row.label, target=target)


def plan(
    rows: list[Row], *, centre: Centre, by: User, progress: Progress | None = None
) -> list[RowResult]:
    """What importing the rows into the centre would do, row by row; writes nothing."""
    lookups = _Lookups()
    stored = _StoredFiles.reached_by(rows, centre=centre, by=by)
    # The files, CINs and file numbers reached by the rows so far.
    seen: set[int | str] = set()
    results = []
    if progress:
        progress(0, len(rows))
    for line, row in enumerate(rows, start=2):
        planned = _read_row(line, row, lookups=lookups, stored=stored)
        refusal = _refusal(planned, centre=centre, stored=stored, seen=seen)
        results.append(refusal or _validated(planned))
        if progress:
            progress(line - 1, len(rows))
    _refuse_duplicates([r for r in results if r.action == "create"], by=by)
    return results


def _resembles_row(line: int, why: list[str]) -> str:
    if duplicates.CIN in why or duplicates.NAME_AND_BIRTH in why:
        return _("This person appears twice in the sheet (row %(line)s).") % {"line": line}
    labels = ", ".join(str(duplicates.REASONS[code]) for code in why)
    return _("Resembles row %(line)s of the sheet: %(reasons)s.") % {
        "line": line,
        "reasons": labels,
    }


def _refuse_duplicates(creating: list[RowResult], *, by: User) -> None:
    """Refuse the rows that would open a second file for someone: a stored file or an earlier
    row of the sheet resembles them. Two identical rows give one file, never two."""
    identities = [duplicates.Identity.of(result.data) for result in creating]
    stored = duplicates.find(identities, user=by)
    sheet: duplicates.Matcher[int] = duplicates.Matcher()
    for result, identity, found in zip(creating, identities, stored, strict=True):
        errors = [_resembles_row(line, why) for line, why in sheet.match(identity)[:1]]
        if found:
            errors.extend(found.elsewhere_messages)
            result.duplicates = found
        if errors or found:
            result.action = "refuse"
            result.errors = errors
            result.data = {}
        else:
            sheet.add(identity, result.line)


def _store(upload: UploadedFile) -> Path:
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(_("Upload a CSV or XLSX file."))
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_urlsafe(16)}{suffix}"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def receive(upload: UploadedFile, *, centre: Centre) -> dict[str, Any]:
    """Keep the uploaded sheet for its dry run (``dry_run``, done by a job:
    ``beneficiaries.jobs.check_import``) and its confirmation (``commit``): what both need to
    find it again, and the token the confirmation must bring back. The sheet is checked for
    its size and its declared rows before it is stored (``check_upload``)."""
    check_upload(upload)
    path = _store(upload)
    return {"token": secrets.token_urlsafe(16), "path": path.name, "centre": centre.pk}


def _stored(pending: dict[str, Any]) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / Path(pending["path"]).name


def dry_run(
    pending: dict[str, Any], *, by: User, progress: Progress | None = None
) -> list[RowResult]:
    """Read the received sheet and say what importing it would do, row by row."""
    path = _stored(pending)
    try:
        rows = _read(path)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    except Exception:
        path.unlink(missing_ok=True)
        raise ValidationError(_("This file could not be read as a spreadsheet.")) from None
    centre = Centre.objects.get(pk=pending["centre"])
    return plan(rows, centre=centre, by=by, progress=progress)


def plan_data(results: list[RowResult]) -> list[dict[str, Any]]:
    """The dry run as JSON, for its page: the files by key, the reasons by code (named in the
    reader's language when shown); the refusals are sentences already, in the language of the
    person who asked for the dry run, the only one who reads it."""
    return [
        {
            "line": result.line,
            "action": result.action,
            "label": result.label,
            "errors": [str(error) for error in result.errors],
            "target": result.target.pk if result.target else None,
            "conflict": result.conflict.pk if result.conflict else None,
            "candidates": [
                [candidate.beneficiary.pk, candidate.reasons]
                for candidate in (result.duplicates.candidates if result.duplicates else [])
            ],
        }
        for result in results
    ]


def plan_from_data(rows: list[dict[str, Any]], *, user: User) -> list[RowResult]:
    """The dry run read back from ``plan_data``, with the files it names that ``user`` still
    sees (one query)."""
    keys = {key for row in rows for key in (row["target"], row["conflict"]) if key}
    keys |= {pk for row in rows for pk, _reasons in row["candidates"]}
    files = Beneficiary.objects.visible_to(user).in_bulk(keys)
    return [
        RowResult(
            row["line"],
            row["action"],
            row["label"],
            row["errors"],
            target=files.get(row["target"]),
            conflict=files.get(row["conflict"]),
            duplicates=duplicates.Duplicates(
                candidates=[
                    duplicates.Candidate(files[pk], reasons)
                    for pk, reasons in row["candidates"]
                    if pk in files
                ]
            ),
        )
        for row in rows
    ]


def discard(pending: dict[str, Any] | None) -> None:
    """Delete the stored sheet of a dry run that will not be confirmed: the user cancelled it
    or started another one."""
    if pending:
        _stored(pending).unlink(missing_ok=True)


def prune_pending(*, older_than: datetime.timedelta) -> int:
    """Delete the stored sheets of dry runs left unconfirmed for longer than ``older_than``
    (the user closed the page, or their session ended); returns how many."""
    folder = Path(settings.MEDIA_ROOT) / "imports"
    cutoff = (datetime.datetime.now(tz=datetime.UTC) - older_than).timestamp()
    pruned = 0
    for path in folder.glob("*") if folder.is_dir() else []:
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            pruned += 1
    return pruned


@transaction.atomic
def commit(pending: dict[str, Any], *, by: User) -> dict[str, int]:
    path = _stored(pending)
    if not path.exists():
        # Pruned (prune_pending) while the preview stayed open.
        raise Refused(_("This import expired: upload the sheet again."))
    centre = Centre.objects.get(pk=pending["centre"])
    # The rows are checked again under the lock that the file form takes: a file opened
    # meanwhile, or the same import confirmed twice, is seen and not doubled.
    services.lock_centre(centre)
    results = plan(_read(path), centre=centre, by=by)
    counts = {"created": 0, "updated": 0, "refused": 0, "unchanged": 0}
    for result in results:
        if result.action == "create":
            services.beneficiary_create(by=by, centre=centre, data=result.data)
            counts["created"] += 1
        elif result.action == "update":
            target = cast(Beneficiary, result.target)  # an update always has its file
            services.beneficiary_update(
                beneficiary=target, by=by, data=result.data, version=target.version
            )
            counts["updated"] += 1
        else:
            counts["refused" if result.action == "refuse" else "unchanged"] += 1
    audit.record("beneficiary.imported", actor=by, target=centre, changes=counts)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return counts
