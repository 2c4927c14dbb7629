import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from beneficiaries import importing
from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.formatting import ltr
from reintegration.models import AuditEntry, Job, User
from reintegration.tests import following

pytestmark = pytest.mark.django_db

HEADER = (
    "first_name_ar,last_name_ar,first_name_latin,last_name_latin,sex,date_of_birth,cin,phone,"
    "residence_province,commune,track\n"
)


@pytest.fixture(autouse=True)
def _english():
    """Messages are lazy: read after a test's own ``override`` ends, they would follow the
    default language (Arabic)."""
    with translation.override("en"):
        yield


GOOD = [
    "يوسف,بنعلي,Youssef,Benali,M,12/03/1988,ab123456,0612345678,01.511,السواني,standard",
    "خديجة,التازي,Khadija,Tazi,F,1992-07-01,,0661000000,Tanger-Assilah,,moussalaha",
]
BAD = [
    "عمر,الفاسي,Omar,El Fassi,M,31/02/1990,,,01.511,,standard",  # no such date
    "سعيد,الزياني,Said,Zyani,X,01/01/1980,,0112,99.999,,standard",  # sex, phone, province
    "يوسف,بنعلي,Youssef,Benali,M,12/03/1988,AB123456,0612345678,01.511,,standard",  # twice
]


def csv_upload(lines, name="sheet.csv"):
    return SimpleUploadedFile(name, (HEADER + "\n".join(lines) + "\n").encode("utf-8-sig"))


@pytest.fixture
def coordinator(client, users):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    return users["coordinator"]


def confirm(client, response):
    token = response.context["token"]
    return client.post("/beneficiaries/import/", {"confirm": "1", "token": token})


def test_the_dry_run_explains_each_row_and_saves_nothing(client, coordinator, dry_run):
    response = dry_run(csv_upload(GOOD + BAD))
    plan = response.context["plan"]
    assert [(row.line, row.action) for row in plan] == [
        (2, "create"),
        (3, "create"),
        (4, "refuse"),
        (5, "refuse"),
        (6, "refuse"),
    ]
    assert any("date" in error.lower() for error in plan[2].errors)
    assert len(plan[3].errors) == 3
    assert plan[4].errors == ["This person appears twice in the sheet."]
    assert not Beneficiary.objects.exists()


def test_confirming_commits_the_accepted_rows_together(client, coordinator, centre, dry_run):
    response = confirm(client, dry_run(csv_upload(GOOD + BAD)))
    assert response.status_code == 302
    people = Beneficiary.objects.order_by("pk")
    assert [(b.last_name_latin, b.centre, b.cin) for b in people] == [
        ("Benali", centre, "AB123456"),
        ("Tazi", centre, None),
    ]
    assert people[1].track.code == "moussalaha"
    entry = AuditEntry.objects.get(action="beneficiary.imported")
    assert entry.changes == {"created": 2, "updated": 0, "refused": 3, "unchanged": 0}


def test_importing_the_same_sheet_twice_creates_nothing_new(client, coordinator, dry_run):
    confirm(client, dry_run(csv_upload(GOOD)))
    response = dry_run(csv_upload(GOOD))
    assert [row.action for row in response.context["plan"]] == ["unchanged", "unchanged"]
    confirm(client, response)
    assert Beneficiary.objects.count() == 2


def test_a_row_with_a_known_cin_updates_that_file(client, coordinator, centre, users, dry_run):
    # Another spelling of the same name, the day and month of birth swapped.
    existing = BeneficiaryFactory(
        centre=centre,
        by=users["coordinator"],
        cin="AB123456",
        first_name_ar="يوسف",
        last_name_ar="بن علي",
        first_name_latin="Youssef",
        last_name_latin="Ben Ali",
        sex="M",
        date_of_birth=datetime.date(1988, 12, 3),
    )
    response = dry_run(csv_upload(GOOD[:1]))
    assert [row.action for row in response.context["plan"]] == ["update"]
    confirm(client, response)
    existing.refresh_from_db()
    assert (existing.last_name_latin, existing.commune, existing.date_of_birth) == (
        "Benali",
        "السواني",
        datetime.date(1988, 3, 12),
    )
    assert Beneficiary.objects.count() == 1


def benali(centre, by):
    return BeneficiaryFactory(
        centre=centre,
        by=by,
        first_name_ar="عبد القادر",
        last_name_ar="بنعلي",
        first_name_latin="Abd El Kader",
        last_name_latin="Benali",
        sex="M",
        date_of_birth=datetime.date(1990, 3, 4),
        phone="+212612345678",
        cin="AB12345",
    )


def test_a_row_whose_cin_is_on_another_persons_file_is_refused_with_its_link(
    client, coordinator, centre, dry_run
):
    stored = benali(centre, coordinator)
    row = "كريم,بناني,Karim,Bennani,M,03/03/1988,ab 12345,,01.511,,standard"
    response = dry_run(csv_upload([row]))
    (result,) = response.context["plan"]
    assert (result.action, result.errors) == (
        "refuse",
        [
            "This CIN belongs to the file of another person (other names and date of birth): "
            "check the CIN in the sheet."
        ],
    )
    page = response.content.decode()
    assert f'href="/beneficiaries/{stored.pk}/"' in page
    assert f"See the file {stored.file_number}</a>" in page

    confirm(client, response)

    stored.refresh_from_db()
    assert (
        stored.first_name_latin,
        stored.last_name_latin,
        stored.first_name_ar,
        stored.last_name_ar,
        stored.date_of_birth,
        stored.phone,
        stored.version,
    ) == (
        "Abd El Kader",
        "Benali",
        "عبد القادر",
        "بنعلي",
        datetime.date(1990, 3, 4),
        "+212612345678",
        1,
    )
    assert Beneficiary.objects.count() == 1


def test_a_row_whose_file_number_is_another_persons_is_refused(
    client, coordinator, centre, dry_run
):
    stored = benali(centre, coordinator)
    sheet = "file_number,first_name_ar,last_name_ar,first_name_latin,last_name_latin,sex,"
    sheet += "date_of_birth\n"
    sheet += f"{stored.file_number},كريم,بناني,Karim,Bennani,M,03/03/1988\n"
    response = dry_run(SimpleUploadedFile("s.csv", sheet.encode()))
    (result,) = response.context["plan"]
    assert (result.action, result.errors, result.conflict) == (
        "refuse",
        [
            "This file number belongs to another person (other names and date of birth): "
            "check the file number in the sheet."
        ],
        stored,
    )


def test_a_row_with_one_name_corrected_on_the_same_birth_date_updates_the_file(
    client, coordinator, centre, dry_run
):
    stored = benali(centre, coordinator)
    row = "عبد القادر,بنعلي,Abdelkader,Ben Aly,M,04/03/1990,AB12345,,01.511,,standard"
    response = dry_run(csv_upload([row]))
    assert [(r.action, r.target) for r in response.context["plan"]] == [("update", stored)]
    confirm(client, response)
    stored.refresh_from_db()
    assert (stored.first_name_latin, stored.last_name_latin) == ("Abdelkader", "Ben Aly")


def test_a_row_of_another_person_sharing_no_name_is_refused_even_born_the_same_day(
    client, coordinator, centre, dry_run
):
    benali(centre, coordinator)
    row = "كريم,بناني,Karim,Bennani,M,04/03/1990,AB12345,,01.511,,standard"
    (result,) = dry_run(csv_upload([row])).context["plan"]
    assert result.action == "refuse"


def test_an_empty_cell_keeps_the_stored_value(client, coordinator, centre, dry_run):
    stored = benali(centre, coordinator)
    same = "عبد القادر,بنعلي,Abd El Kader,Benali,M,04/03/1990,AB12345,,,,"
    assert [r.action for r in dry_run(csv_upload([same])).context["plan"]] == ["unchanged"]

    moved = "عبد القادر,بنعلي,Abd El Kader,Benali,M,,AB12345,,,مسنانة,"
    response = dry_run(csv_upload([moved]))
    assert [r.action for r in response.context["plan"]] == ["update"]
    confirm(client, response)

    stored.refresh_from_db()
    assert (
        stored.commune,
        stored.phone,
        stored.date_of_birth,
        stored.residence_province.code,
        stored.track.code,
    ) == ("مسنانة", "+212612345678", datetime.date(1990, 3, 4), "01.511", "standard")


def test_a_file_of_another_centre_is_refused(client, coordinator, elsewhere, dry_run):
    BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"], cin="AB123456")
    plan = dry_run(csv_upload(GOOD[:1])).context["plan"]
    assert (plan[0].action, plan[0].errors) == ("refuse", ["This file belongs to another centre."])


def test_an_xlsx_sheet_works_like_a_csv(client, coordinator, dry_run):
    workbook = Workbook()
    sheet = workbook.active
    for line in [HEADER.strip(), *GOOD]:
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("sheet.xlsx", buffer.getvalue())
    plan = dry_run(upload).context["plan"]
    assert [row.action for row in plan] == ["create", "create"]


def test_a_sheet_without_the_required_columns_is_explained(client, coordinator, dry_run):
    upload = SimpleUploadedFile("sheet.csv", b"name,phone\nAli,0612345678\n")
    response = dry_run(upload)
    assert response.context["plan"] is None
    assert "Columns missing from the first row:" in response.content.decode()


def test_a_confirmation_without_a_pending_import_saves_nothing(client, coordinator):
    response = client.post("/beneficiaries/import/", {"confirm": "1", "token": "forged"})
    assert response.status_code == 302
    assert not Beneficiary.objects.exists()


def test_an_update_keeps_what_the_sheet_has_no_column_for(
    client, coordinator, centre, users, dry_run
):
    from beneficiaries import services

    existing = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB123456")
    services.beneficiary_update(
        beneficiary=existing,
        by=users["coordinator"],
        version=1,
        data={"notes": "suivi psychologique", "dependants": 3},
    )
    sheet = "first_name_ar,last_name_ar,first_name_latin,last_name_latin,sex,cin\n"
    sheet += "فاطمة,الزهراء,Fatima,Zahra-Alaoui,F,AB123456\n"
    response = dry_run(SimpleUploadedFile("s.csv", sheet.encode()))
    assert [row.action for row in response.context["plan"]] == ["update"]
    confirm(client, response)
    existing.refresh_from_db()
    assert existing.last_name_latin == "Zahra-Alaoui"
    assert (existing.notes, existing.dependants, existing.phone, existing.commune) == (
        "suivi psychologique",
        3,
        "+212612345678",
        "بني مكادة",
    )


def test_two_identical_rows_give_one_file_and_the_dry_run_says_why(client, coordinator, dry_run):
    row = "خديجة,التازي,Khadija,Tazi,F,1992-07-01,,0661000000,Tanger-Assilah,,moussalaha"
    response = dry_run(csv_upload([row, row]))
    plan = response.context["plan"]
    assert [(r.line, r.action) for r in plan] == [(2, "create"), (3, "refuse")]
    assert plan[1].errors == ["This person appears twice in the sheet (row 2)."]
    assert "This person appears twice in the sheet (row 2)." in response.content.decode()

    confirm(client, response)

    assert Beneficiary.objects.get().last_name_latin == "Tazi"


def test_a_row_resembling_an_earlier_row_is_refused_with_the_reason(client, coordinator, dry_run):
    first = "خديجة,التازي,Khadija,Tazi,F,1992-07-01,,0661000000,Tanger-Assilah,,standard"
    # Another spelling, another day of the same year.
    second = "خديجة,تازي,Khadidja,Ettazi,F,1992-09-03,,,Tanger-Assilah,,standard"
    # Another person sharing the phone.
    third = "يوسف,التازي,Youssef,Tazi,M,1960-01-01,,0661000000,Tanger-Assilah,,standard"
    plan = dry_run(csv_upload([first, second, third])).context["plan"]
    assert [(r.action, r.errors) for r in plan] == [
        ("create", []),
        ("refuse", ["Resembles row 2 of the sheet: similar name, born the same year."]),
        ("refuse", ["Resembles row 2 of the sheet: same phone."]),
    ]


def test_a_row_resembling_a_stored_file_is_refused_with_a_link(
    client, coordinator, centre, dry_run
):
    stored = BeneficiaryFactory(
        centre=centre,
        by=coordinator,
        first_name_latin="Mohamed",
        last_name_latin="Idrissi",
        date_of_birth=__import__("datetime").date(1988, 3, 12),
        phone="+212600000001",
    )
    row = "محمد,الإدريسي,Mohammed,El Idrissi,M,12/03/1988,,,01.511,,standard"
    response = dry_run(csv_upload([row]))
    (result,) = response.context["plan"]
    assert (result.action, result.errors) == ("refuse", [])
    (candidate,) = result.duplicates.candidates
    assert (candidate.beneficiary, candidate.reason_labels) == (
        stored,
        ["similar name and same date of birth"],
    )
    page = response.content.decode()
    assert f'href="/beneficiaries/{stored.pk}/"' in page
    assert f"Resembles the file {stored.file_number}</a>: similar name and same date of birth" in (
        page
    )

    confirm(client, response)

    assert Beneficiary.objects.count() == 1


def test_a_row_resembling_a_file_of_another_centre_reveals_nothing_of_it(
    client, coordinator, elsewhere, dry_run
):
    other = BeneficiaryFactory(
        centre=elsewhere["centre"], by=elsewhere["coordinator"], phone="+212661000000"
    )
    response = dry_run(csv_upload(GOOD[1:]))
    (result,) = response.context["plan"]
    assert (result.action, result.errors) == (
        "refuse",
        ["A file with this phone number exists in another centre: contact headquarters."],
    )
    assert other.file_number not in response.content.decode()


def test_a_sheet_row_matching_a_file_without_cin_by_name_and_birth_updates_it(
    client, coordinator, centre, dry_run
):
    stored = BeneficiaryFactory(
        centre=centre,
        by=coordinator,
        first_name_latin="Khadija",
        last_name_latin="Tazi",
        date_of_birth=__import__("datetime").date(1992, 7, 1),
        phone="",
    )
    plan = dry_run(csv_upload(GOOD[1:])).context["plan"]
    assert [(r.action, r.target) for r in plan] == [("update", stored)]


# --- The dry run is a job -------------------------------------------------------------------


def send(client, upload):
    response = client.post("/beneficiaries/import/", {"sheet": upload})
    assert response["Location"] == "/beneficiaries/import/"
    return Job.objects.filter(kind="beneficiaries.jobs.check_import").first()


def stored_sheets(settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_worker_checks_the_sheet_row_by_row_while_the_page_shows_where_it_stands(
    client, coordinator, run_jobs, monkeypatch, settings
):
    job = send(client, csv_upload(GOOD + BAD))
    assert (job.status, job.key) == ("queued", f"import:{coordinator.pk}")
    assert [path.name for path in stored_sheets(settings)] == [job.params["path"]]
    page = client.get("/beneficiaries/import/")
    assert page.context["plan"] is None and f'id="job-{job.pk}"' in page.content.decode()
    assert 'name="sheet"' not in page.content.decode()  # nothing to send while it works

    seen = []
    reading = importing._read_row

    def watched(line, row, **kwargs):
        seen.append(following.status(client, job)["done"])
        return reading(line, row, **kwargs)

    monkeypatch.setattr(importing, "_read_row", watched)
    run_jobs()
    assert seen == [0, 1, 2, 3, 4]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 5, 5)
    page = client.get("/beneficiaries/import/")
    assert [row.action for row in page.context["plan"]] == ["create"] * 2 + ["refuse"] * 3
    assert 'name="confirm"' in page.content.decode()
    # "Start again" shows the form, whatever was checked before.
    again = client.get("/beneficiaries/import/?new=1")
    assert again.context["plan"] is None and 'name="sheet"' in again.content.decode()


def test_a_second_sheet_sent_during_the_check_joins_it(client, coordinator, run_jobs, settings):
    first = send(client, csv_upload(GOOD))
    assert send(client, csv_upload(BAD)).pk == first.pk
    assert (Job.objects.count(), DBTaskResult.objects.count()) == (1, 1)
    assert [path.name for path in stored_sheets(settings)] == [first.params["path"]]
    page = client.get("/beneficiaries/import/").content.decode()
    assert "A sheet you sent is still being checked" in page
    run_jobs()
    plan = client.get("/beneficiaries/import/").context["plan"]
    assert [row.label for row in plan] == ["Youssef Benali", "Khadija Tazi"]


def test_a_sheet_that_cannot_be_imported_fails_the_check_with_the_reason_in_french(
    client, coordinator, run_jobs, settings
):
    User.objects.filter(pk=coordinator.pk).update(language="fr")
    job = send(client, SimpleUploadedFile("sheet.csv", b"name,phone\nAli,0612345678\n"))
    run_jobs()
    job.refresh_from_db()
    assert job.status == "failed"
    # Column names are isolated left to right (they would be scrambled inside Arabic).
    columns = ltr("first_name_ar, first_name_latin, last_name_ar, last_name_latin, sex")
    with translation.override("fr"):
        expected = translation.gettext("Columns missing from the first row: %(columns)s.")
    assert job.error == expected % {"columns": columns}
    assert job.error.startswith("Colonnes manquantes")
    assert stored_sheets(settings) == []  # an unreadable sheet is not kept
    page = client.get("/beneficiaries/import/")
    assert page.context["plan"] is None
    html = page.content.decode()
    assert "Colonnes manquantes" in html and 'name="sheet"' in html  # send a corrected one


def test_only_who_sent_the_sheet_follows_its_check(client, coordinator, users):
    job = send(client, csv_upload(GOOD))
    for role in ("national", "regional", "auditor"):
        client.force_login(users[role])
        assert client.get(reverse("job_status", args=[job.pk])).status_code == 404, role


def test_confirming_before_the_check_is_done_imports_nothing(client, coordinator):
    send(client, csv_upload(GOOD))
    token = client.session["beneficiary_import"]["token"]
    response = client.post("/beneficiaries/import/", {"confirm": "1", "token": token})
    assert response["Location"] == "/beneficiaries/import/"
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("encoding", ["cp1256", "utf-8", "utf-8-sig"])
def test_a_csv_saved_by_excel_in_arabic_reads_right(client, coordinator, dry_run, encoding):
    """Excel in Arabic saves "CSV" in Windows-1256 unless told UTF-8: names, accents and all
    read the same whichever it was."""
    lines = [
        "عبد الرحيم,الزياني,Abderrahim,Zyani,M,12/03/1988,AB123456,0612345678,01.511,,standard",
        "فاطمة الزهراء,بنعلي,Fatima-Zahra,Benaâli,F,01/07/1990,,0698765432,01.511,Réf. é,standard",
    ]
    sheet = SimpleUploadedFile("sheet.csv", (HEADER + "\n".join(lines) + "\n").encode(encoding))
    response = confirm(client, dry_run(sheet))
    assert response.status_code == 302
    people = Beneficiary.objects.order_by("first_name_latin")
    assert [(p.first_name_ar, p.last_name_ar, p.last_name_latin) for p in people] == [
        ("عبد الرحيم", "الزياني", "Zyani"),
        ("فاطمة الزهراء", "بنعلي", "Benaâli"),
    ]


def test_the_examples_of_the_import_page_read_in_order_in_arabic(client, users):
    """Inside an Arabic sentence, "1990-12-31" would read 31-12-1990 without its isolate,
    which the import refuses."""
    from reintegration.formatting import LRI, PDI

    User.objects.filter(pk=users["coordinator"].pk).update(language="ar")
    client.force_login(users["coordinator"])
    html = client.get("/beneficiaries/import/").content.decode()
    assert f"{LRI}1990-12-31{PDI}" in html and f"{LRI}31/12/1990{PDI}" in html
