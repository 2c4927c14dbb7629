"""A name is stored as it displays, whether typed, imported or stored before; the list exports
hold names as inert text and numbers as numbers."""

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps
from openpyxl import load_workbook

from beneficiaries.models import Beneficiary, DetentionRecord, ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory, detention_for
from beneficiaries.tests.test_import import HEADER, confirm, coordinator  # noqa: F401
from beneficiaries.tests.test_views import form_data
from reintegration.models import Province

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tX"]


def new_file(**names):
    fields = {
        "first_name_ar": "خديجة",
        "last_name_ar": "العلمي",
        "first_name_latin": "Khadija",
        "last_name_latin": "El Alami",
        "sex": "F",
        "date_of_birth": datetime.date(1990, 1, 1),
        "phone": "0612345678",
        "residence_province": Province.objects.get(code="01.511"),
        "track": ProgrammeTrack.objects.get(code="standard"),
        "version": 1,
    }
    return Beneficiary(**{**fields, **names})


def test_a_name_typed_with_a_right_to_left_override_is_stored_without_it(client, users):
    client.force_login(users["coordinator"])
    typed = new_file(
        first_name_latin="\u202eajidahK",
        last_name_ar="\u200fالعلمي\u200b",
        notes="Rendez-vous\u2066 lundi\u2069",
    )
    response = client.post("/beneficiaries/new/", {**form_data(typed), "notes": typed.notes})
    assert response.status_code == 302
    stored = Beneficiary.objects.get()
    assert (stored.first_name_latin, stored.last_name_ar, stored.notes) == (
        "ajidahK",
        "العلمي",
        "Rendez-vous lundi",
    )
    assert "\u202e" not in stored.search_text


def test_an_edit_is_cleaned_too(client, users, person):
    client.force_login(users["coordinator"])
    data = form_data(person, last_name_latin="Za\u200bhra\u202c", commune="Be\u0301ni Makada")
    assert client.post(f"/beneficiaries/{person.pk}/edit/", data).status_code == 302
    person.refresh_from_db()
    assert (person.last_name_latin, person.commune) == ("Zahra", "Béni Makada")


def test_an_uploaded_file_name_is_stored_clean_and_composed(client, users, person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from beneficiaries.models import Document
    from beneficiaries.tests.factories import PDF_BYTES

    client.force_login(users["coordinator"])
    # As a Mac names it (decomposed accents), with an override that would disguise it.
    upload = SimpleUploadedFile("Rele\u0301ve\u202efdp.exe", PDF_BYTES)
    response = client.post(
        f"/beneficiaries/{person.pk}/documents/", {"kind": "release", "file": upload}
    )
    assert response.status_code == 302
    assert Document.objects.get().original_name == "Relévefdp.exe"


def test_an_imported_sheet_is_cleaned_like_typed_text(client, coordinator, dry_run):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = "يوسف\u200f,بنعلي,\u202eYoussef,Ben\u200dali,M,12/03/1988,,0612345678,01.511,,standard"
    upload = SimpleUploadedFile("sheet.csv", (HEADER + row + "\n").encode("utf-8-sig"))
    assert confirm(client, dry_run(upload)).status_code == 302
    stored = Beneficiary.objects.get()
    assert (stored.first_name_ar, stored.first_name_latin, stored.last_name_latin) == (
        "يوسف",
        "Youssef",
        "Benali",
    )


def test_the_migration_cleans_text_stored_before_and_recomputes_the_search_column(users, centre):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    clean = BeneficiaryFactory(centre=centre, by=users["coordinator"], first_name_latin="Amal")
    # Stored as an older version of the application let it through.
    Beneficiary.objects.filter(pk=person.pk).update(
        first_name_latin="\u202eamitaF",
        last_name_ar="الزهراء\u200c",
        notes="a\u2067b\u2069",
        commune="Fe\u0300s",
        search_text="stale",
    )
    record = detention_for(person, training_certificate="CAP\u200b soudure")
    untouched = Beneficiary.objects.filter(pk=clean.pk).values().get()
    migration = importlib.import_module("beneficiaries.migrations.0009_clean_stored_text")

    migration.clean(apps, None)

    person.refresh_from_db()
    assert (person.first_name_latin, person.last_name_ar, person.notes, person.commune) == (
        "amitaF",
        "الزهراء",
        "ab",
        "Fès",
    )
    # The search column follows the cleaned names (a later migration adds name variants).
    assert "amitaf" in person.search_text
    assert "stale" not in person.search_text and "\u202e" not in person.search_text
    assert DetentionRecord.objects.get(pk=record.pk).training_certificate == "CAP soudure"
    assert Beneficiary.objects.filter(pk=clean.pk).values().get() == untouched
    # Cleaning twice finds nothing more to do.
    before = Beneficiary.objects.filter(pk=person.pk).values().get()
    migration.clean(apps, None)
    assert Beneficiary.objects.filter(pk=person.pk).values().get() == before


@pytest.fixture
def hostile_files(users, centre):
    people = [
        BeneficiaryFactory(centre=centre, by=users["coordinator"], last_name_latin=name)
        for name in HOSTILE
    ]
    for person in people:
        detention_for(person)
    return people


def test_the_csv_export_writes_formula_like_names_as_inert_text(client, users, hostile_files):
    client.force_login(users["coordinator"])
    content = client.get("/beneficiaries/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    column = rows[0].index("Last name (Latin script)")
    written = sorted(row[column] for row in rows[1:])
    assert written == sorted("'" + name for name in HOSTILE)
    sentence = rows[0].index("Sentence (months)")
    assert {row[sentence] for row in rows[1:]} == {"72"}


def test_the_xlsx_export_holds_no_formula_and_keeps_numbers_as_numbers(
    client, users, hostile_files
):
    client.force_login(users["coordinator"])
    sheet = load_workbook(io.BytesIO(client.get("/beneficiaries/export.xlsx").content)).active
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    assert not any(cell.data_type == "f" for row in rows for cell in row)
    name = headers.index("Last name (Latin script)")
    assert sorted(row[name].value for row in rows[1:]) == sorted(HOSTILE)
    assert {row[name].data_type for row in rows[1:]} == {"s"}
    sentence = headers.index("Sentence (months)")
    assert {(row[sentence].value, row[sentence].data_type) for row in rows[1:]} == {(72, "n")}
    born = headers.index("Date of birth")
    assert {row[born].data_type for row in rows[1:]} == {"d"}


@pytest.fixture(autouse=True)
def english(users):
    from reintegration.models import User

    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
