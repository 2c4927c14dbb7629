"""The import template: headers and allowed values in the user's language, and a template
filled in as it is imports without a change, in Arabic and in French."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import load_workbook

from beneficiaries.importing import COLUMNS
from beneficiaries.models import Beneficiary
from beneficiaries.tests.test_import import confirm
from reintegration.models import Province, User

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloaded(client, users, language):
    User.objects.filter(pk=users["coordinator"].pk).update(language=language)
    client.force_login(users["coordinator"])
    response = client.get("/beneficiaries/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def lists(workbook) -> dict[str, list[str]]:
    """The second sheet's lists, under their headers."""
    sheet = workbook.worksheets[1]
    return {
        column[0].value: [cell.value for cell in column[1:] if cell.value]
        for column in sheet.iter_cols()
    }


@pytest.mark.parametrize(
    ("language", "headers", "sex", "home"),
    [
        ("ar", ["رقم الملف", "الاسم الشخصي (بالعربية)"], ["ذكر", "أنثى"], "طنجة-أصيلة"),
        ("fr", ["Numéro de dossier", "Prénom (en arabe)"], ["homme", "femme"], "Tanger-Assilah"),
    ],
)
def test_the_template_speaks_the_users_language(client, users, language, headers, sex, home):
    workbook = downloaded(client, users, language)
    sheet = workbook.worksheets[0]
    row = [cell.value for cell in sheet[1]]
    assert len(row) == len(COLUMNS)
    with translation.override(language):
        from beneficiaries.importing import COLUMN_LABELS

        assert row == [str(COLUMN_LABELS[name]) for name in COLUMNS]
        sex_header = str(COLUMN_LABELS["sex"])
        province_header = str(COLUMN_LABELS["residence_province"])
    assert row[:2] == headers
    values = lists(workbook)
    assert values[sex_header] == sex
    assert len(values[province_header]) == Province.objects.count()
    # The coordinator's own province comes first.
    assert values[province_header][0] == home
    # Every list column offers its values as a drop-down.
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert len(formulas) == 5
    assert bool(sheet.sheet_view.rightToLeft) is (language == "ar")


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_filled_template_imports_as_it_is(client, users, centre, language, dry_run):
    workbook = downloaded(client, users, language)
    sheet = workbook.worksheets[0]
    values = lists(workbook)
    headers = [cell.value for cell in sheet[1]]
    allowed = dict(zip(values, values.values(), strict=True))

    def pick(header_index: int, position: int) -> str:
        return allowed[headers[header_index]][position]

    column = {name: index for index, name in enumerate(COLUMNS)}
    row = [""] * len(COLUMNS)
    row[column["first_name_ar"]] = "يوسف"
    row[column["last_name_ar"]] = "بنعلي"
    row[column["first_name_latin"]] = "Youssef"
    row[column["last_name_latin"]] = "Benali"
    row[column["sex"]] = pick(column["sex"], 0)
    row[column["date_of_birth"]] = "12/03/1988"
    row[column["phone"]] = "06 12 34 56 78"
    row[column["residence_province"]] = pick(column["residence_province"], 0)
    row[column["education"]] = pick(column["education"], 2)
    row[column["family_situation"]] = pick(column["family_situation"], 1)
    row[column["track"]] = pick(column["track"], 2)
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("modele.xlsx", buffer.getvalue(), content_type=XLSX)

    response = dry_run(upload)
    plan = response.context["plan"]
    assert [(r.action, r.errors) for r in plan] == [("create", [])]
    confirm(client, response)
    person = Beneficiary.objects.get()
    assert (person.sex, person.date_of_birth) == ("M", datetime.date(1988, 3, 12))
    assert person.phone == "+212612345678"
    assert person.residence_province.code == "01.511"
    assert (person.education, person.family_situation) == ("middle", "married")
    assert person.track.code == "moussalaha"
