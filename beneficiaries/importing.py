"""Spreadsheet import of beneficiary files: a dry run first, then one transaction.

The sheet is parsed and every row validated with the same form as the screen; the preview says
row by row what would be created, updated, left unchanged or refused and why. Confirming parses
the stored sheet again and commits the accepted rows together, so nothing is half imported.
Rows match existing files on file number, then on CIN, then on names and date of birth, so
importing the same sheet twice creates nothing new. A row matched by file number or CIN must
also name the person of that file (``duplicates.same_person``), or it is refused: a mistyped
CIN would otherwise write another person over the file. An update keeps the stored value of
every empty cell. A row that would open a file is refused if
it resembles a stored file or an earlier row of the sheet (beneficiaries/duplicates.py): a bulk
import cannot declare two people different, the file form can and records it.
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from beneficiaries import duplicates, services
from beneficiaries.forms import BeneficiaryForm, normalise_cin
from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.names import name_key
from reintegration import audit
from reintegration.models import Centre, Province, Role
from reintegration.text import clean_text, fold

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


class ImportForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Centre"), queryset=Centre.objects.filter(active=True), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.COORDINATOR:
            del self.fields["centre"]
        else:
            self.fields["centre"].required = True

    def selected_centre(self):
        return (
            self.user.centre if self.user.role == Role.COORDINATOR else self.cleaned_data["centre"]
        )


@dataclass
class RowResult:
    line: int
    action: str  # create, update, unchanged, refuse
    label: str
    errors: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    target: Beneficiary | None = None
    # Stored files this row resembles, those in the user's scope shown with a link.
    duplicates: duplicates.Duplicates | None = None
    # The file of the user's centre whose CIN or file number the row carries under another
    # person's names: shown with a link so the user can see which sheet cell is wrong.
    conflict: Beneficiary | None = None


def _read(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".xlsx":
        workbook = load_workbook(path, read_only=True, data_only=True)
        values = list(workbook.active.iter_rows(values_only=True))
        workbook.close()
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("Save the CSV file as UTF-8 and upload it again.")) from None
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else "excel"
        values = list(csv.reader(io.StringIO(text), dialect))
    if not values:
        raise ValidationError(_("The sheet is empty."))
    # Cells are cleaned as typed text is (reintegration.middleware.CleanTextInputMiddleware):
    # a sheet is typed too, and a right-to-left override in a name is as misleading there.
    values = [[clean_text(v) if isinstance(v, str) else v for v in row] for row in values]
    headers = [str(h or "").strip().lower() for h in values[0]]
    missing = REQUIRED - set(headers)
    if missing:
        raise ValidationError(
            _("Columns missing from the first row: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))}
        )
    if len(values) - 1 > MAX_ROWS:
        raise ValidationError(
            _("At most %(count)s rows per import: split the sheet.") % {"count": MAX_ROWS}
        )
    return [
        {h: ("" if v is None else v) for h, v in zip(headers, row, strict=False) if h}
        for row in values[1:]
        if any(v not in (None, "") for v in row)
    ]


def _as_date(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return text


class _Lookups:
    """Reference data resolved once per sheet, not once per row."""

    def __init__(self):
        self.provinces = {}
        for province in Province.objects.all():
            for key in (province.code, province.name_fr.lower(), province.name_ar):
                self.provinces[key] = province.pk
        self.tracks = {}
        for track in ProgrammeTrack.objects.all():
            for key in (track.code, track.name_fr.lower(), track.name_ar):
                self.tracks[key] = track.pk

    def form_data(self, row: dict, target: Beneficiary | None = None) -> dict:
        """The form data for a row: an existing file keeps every value the sheet has no column
        for (notes, dependants, or any column left out) and every value whose cell is empty, so
        an update never wipes them: a sheet exported with fewer details, or a cell left blank
        because it was unknown, must not erase a phone or a commune typed in the file."""
        data = _current_values(target) if target else {}
        sheet = {name: str(row[name]).strip() for name in COLUMNS if name in row}
        if target is not None:
            sheet = {name: value for name, value in sheet.items() if value}
        if "date_of_birth" in sheet:
            sheet["date_of_birth"] = _as_date(row["date_of_birth"])
        if "sex" in sheet:
            sheet["sex"] = sheet["sex"].upper()[:1]
        if "residence_province" in sheet:
            province = sheet["residence_province"]
            sheet["residence_province"] = self.provinces.get(
                province, self.provinces.get(province.lower(), "")
            )
        if "track" in sheet or target is None:
            track = sheet.get("track") or "standard"
            sheet["track"] = self.tracks.get(track, self.tracks.get(track.lower(), ""))
        data.update(sheet)
        data.setdefault("file_number", "")
        return data


def _current_values(target: Beneficiary) -> dict:
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


def _identity(data: dict) -> tuple:
    return (fold(data["first_name_latin"]), fold(data["last_name_latin"]), data["date_of_birth"])


def _row_identity(data: dict) -> duplicates.Identity:
    """The identity a row states in its own cells, before a stored file fills the empty ones."""
    try:
        born = datetime.date.fromisoformat(data.get("date_of_birth", ""))
    except ValueError:
        born = None
    return duplicates.Identity.of({**data, "date_of_birth": born})


def plan(rows: list[dict], *, centre, by) -> list[RowResult]:
    lookups = _Lookups()
    visible = Beneficiary.objects.visible_to(by)
    numbers = {r.get("file_number", "").strip() for r in rows} - {""}
    cins = {normalise_cin(str(r.get("cin", ""))) for r in rows} - {None}
    existing = {
        key: b
        for b in Beneficiary.objects.filter(Q(file_number__in=numbers) | Q(cin__in=cins))
        for key in (b.file_number, b.cin)
        if key
    }
    # Without a file number or CIN, the same names and date of birth in this centre are taken
    # to be the same person, so that a sheet imported twice does not double them. Folded names
    # that are equal have equal name keys: the index on keys finds them without a scan.
    keys = {
        name_key(str(r.get("first_name_latin", "")), str(r.get("last_name_latin", "")))
        for r in rows
    }
    same_person = {
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
    in_scope = set(
        visible.filter(
            pk__in=[b.pk for b in [*existing.values(), *same_person.values()]]
        ).values_list("pk", flat=True)
    )
    seen = set()
    results = []
    for line, row in enumerate(rows, start=2):
        data = lookups.form_data(row)
        label = (
            f"{data.get('first_name_latin', '')} {data.get('last_name_latin', '')}".strip() or "—"
        )
        cin = normalise_cin(data.get("cin"))
        by_number = existing.get(data["file_number"])
        by_key = by_number or (existing.get(cin) if cin else None)
        target = by_key or (
            same_person.get(_identity(data)) if not cin and "date_of_birth" in data else None
        )
        stated = _row_identity(data)
        if target is not None:
            data = lookups.form_data(row, target)
        key = (target.pk if target else None, cin, data["file_number"])
        if any(k and k in seen for k in key):
            results.append(
                RowResult(line, "refuse", label, [_("This person appears twice in the sheet.")])
            )
            continue
        seen.update(k for k in key if k)
        if target is not None and (target.pk not in in_scope or target.centre_id != centre.pk):
            results.append(
                RowResult(line, "refuse", label, [_("This file belongs to another centre.")])
            )
            continue
        if by_key is not None and not duplicates.same_person(
            stated, duplicates.Identity.of(target)
        ):
            reason = (
                _(
                    "This file number belongs to another person (other names and date of "
                    "birth): check the file number in the sheet."
                )
                if by_number is not None
                else _(
                    "This CIN belongs to the file of another person (other names and date of "
                    "birth): check the CIN in the sheet."
                )
            )
            # The stored file stays free for a later row that does describe its person.
            seen.discard(target.pk)
            results.append(RowResult(line, "refuse", label, [reason], conflict=target))
            continue
        if data["file_number"] and target is None:
            results.append(RowResult(line, "refuse", label, [_("No file has this file number.")]))
            continue
        if target is not None and target.is_archived:
            results.append(RowResult(line, "refuse", label, [_("This file is archived.")]))
            continue
        # Validating a model form writes into its instance: keep the stored values to compare.
        before = (
            {name: getattr(target, name) for name in services.EDITABLE_FIELDS} if target else {}
        )
        form = BeneficiaryForm(data=data, instance=target)
        if not form.is_valid():
            errors = [
                f"{form.fields[name].label}: {' '.join(messages)}"
                if name in form.fields
                else " ".join(messages)
                for name, messages in form.errors.items()
            ]
            results.append(RowResult(line, "refuse", label, errors))
            continue
        cleaned = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE_FIELDS}
        if target is None:
            results.append(RowResult(line, "create", label, data=cleaned))
        elif any(before[k] != v for k, v in cleaned.items() if k != "notes"):
            results.append(RowResult(line, "update", label, data=cleaned, target=target))
        else:
            results.append(RowResult(line, "unchanged", label, target=target))
    _refuse_duplicates([r for r in results if r.action == "create"], by=by)
    return results


def _refuse_duplicates(creating: list[RowResult], *, by) -> None:
    """Refuse the rows that would open a second file for someone: a stored file or an earlier
    row of the sheet resembles them. Two identical rows give one file, never two."""
    identities = [duplicates.Identity.of(result.data) for result in creating]
    stored = duplicates.find(identities, user=by)
    sheet = duplicates.Matcher()
    for result, identity, found in zip(creating, identities, stored, strict=True):
        errors = []
        for line, why in sheet.match(identity)[:1]:
            labels = ", ".join(str(duplicates.REASONS[code]) for code in why)
            if duplicates.CIN in why or duplicates.NAME_AND_BIRTH in why:
                errors.append(
                    _("This person appears twice in the sheet (row %(line)s).") % {"line": line}
                )
            else:
                errors.append(
                    _("Resembles row %(line)s of the sheet: %(reasons)s.")
                    % {"line": line, "reasons": labels}
                )
        if found:
            errors.extend(found.elsewhere_messages)
            result.duplicates = found
        if errors or found:
            result.action = "refuse"
            result.errors = errors
            result.data = {}
        else:
            sheet.add(identity, result.line)


def _store(upload) -> Path:
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


def prepare(upload, *, centre, by) -> tuple[dict, list[RowResult]]:
    path = _store(upload)
    try:
        rows = _read(path)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    except Exception:
        path.unlink(missing_ok=True)
        raise ValidationError(_("This file could not be read as a spreadsheet.")) from None
    pending = {"token": secrets.token_urlsafe(16), "path": path.name, "centre": centre.pk}
    return pending, plan(rows, centre=centre, by=by)


@transaction.atomic
def commit(pending: dict, *, by) -> dict:
    path = Path(settings.MEDIA_ROOT) / "imports" / Path(pending["path"]).name
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
            services.beneficiary_update(
                beneficiary=result.target,
                by=by,
                data=result.data,
                version=result.target.version,
            )
            counts["updated"] += 1
        else:
            counts["refused" if result.action == "refuse" else "unchanged"] += 1
    audit.record("beneficiary.imported", actor=by, target=centre, changes=counts)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return counts
