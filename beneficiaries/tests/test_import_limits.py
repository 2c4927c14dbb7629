"""An import is bounded before it parses: a file too large is refused before it is stored, an
XLSX workbook that unpacks to too much or declares too many rows before openpyxl reads it, and
reading stops past the row limit whatever the file says. Every refusal says what to do, on the
import page, which keeps the user's choices. A dry run's stored sheet is deleted once it is
replaced, confirmed or cancelled, and ``prune_imports`` deletes those left behind."""

import io
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook

from benchmarks.imports import write_workbook
from beneficiaries import importing
from beneficiaries.models import Beneficiary
from reintegration.models import User

pytestmark = pytest.mark.django_db

TOO_MANY_ROWS = (
    "This sheet has more than 2000 rows. Split it into files of at most 2000 rows and import "
    "them one after the other; empty rows below the data count too, so delete them."
)
TOO_LARGE = (
    "The file is too large to import: 1 MB at most. Split the sheet into files of at most "
    "2000 rows, or save it without images and other sheets."
)
UNPACKS_TOO_LARGE = (
    "Once unpacked, this workbook is larger than an import may read (10 MB). Copy only the "
    "rows to import into a new workbook, without images or other sheets, and upload that one."
)
NOT_A_WORKBOOK = (
    "This file is not a readable XLSX workbook. Open it in your spreadsheet program, save it "
    "again as an Excel workbook (.xlsx) or as CSV (UTF-8), and upload that file."
)
NO_SHEET = (
    "This workbook has no sheet of cells to import. Open the sheet that holds the rows, save "
    "the workbook, and upload it again."
)
HEADER = (
    "first_name_ar,last_name_ar,first_name_latin,last_name_latin,sex,date_of_birth,"
    "residence_province\n"
)
ROW = "يوسف,بنعلي,Youssef,Benali,M,12/03/1988,01.511\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def coordinator(client, users):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    return users["coordinator"]


def xlsx(**shape) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    write_workbook(buffer, **shape)
    return SimpleUploadedFile("sheet.xlsx", buffer.getvalue())


def upload(client, sheet, **fields):
    response = client.post("/beneficiaries/import/", {"sheet": sheet, **fields})
    assert response.status_code == 200
    return response


def refusal(response) -> list[str]:
    assert response.context["plan"] is None
    return response.context["form"].errors["sheet"]


def traced(client, sheet) -> tuple[object, int]:
    """The response to uploading ``sheet``, and the peak of the memory allocated meanwhile.
    A first refusal loads the page, its template and translations, as a running server has."""
    upload(client, xlsx(rows=2001))
    tracemalloc.start()
    try:
        response = upload(client, sheet)
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def checked(client, run_jobs, sheet, **fields) -> tuple[object, int]:
    """Send a sheet that passes the checks made when it is received; the worker reads it (the
    dry run is a job). The import page as the user then sees it, and the peak of the memory
    allocated while the worker read the sheet."""
    sent = client.post("/beneficiaries/import/", {"sheet": sheet, **fields})
    assert sent.status_code == 302
    tracemalloc.start()
    try:
        run_jobs()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    response = client.get(sent["Location"])
    assert response.status_code == 200
    return response, peak


def job_refusal(response) -> str:
    """What the dry run said was wrong with the sheet as a whole."""
    assert response.context["plan"] is None
    check = response.context["check"]
    assert check.status == "failed"
    return check.error


def stored(settings) -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_workbook_declaring_too_many_rows_is_refused_before_it_is_read(
    client, coordinator, settings
):
    # 200,000 rows in 30 KB, unpacking to 9 MB: within the unpacked size an import accepts,
    # refused on the dimension it declares. Read by openpyxl, it took 40 MB (and 6 seconds).
    bomb = xlsx(rows=200_000)
    assert len(bomb) < 40_000
    response, peak = traced(client, bomb)
    assert refusal(response) == [TOO_MANY_ROWS]
    assert TOO_MANY_ROWS in response.content.decode()
    assert peak < 4 * 2**20
    assert stored(settings) == []


@pytest.mark.parametrize("declared_rows", [10, None], ids=["lying", "absent"])
def test_a_sheet_whose_dimension_lies_or_is_absent_is_refused_too(
    client, coordinator, settings, declared_rows
):
    bomb = xlsx(rows=150_000, declared_rows=declared_rows)
    response, peak = traced(client, bomb)
    assert refusal(response) == [TOO_MANY_ROWS]
    assert peak < 4 * 2**20
    assert stored(settings) == []


def test_reading_stops_past_the_limit_whatever_the_sheet_declares(client, coordinator, run_jobs):
    """Three rows in the file, the last numbered 100,000: openpyxl gives the empty rows in
    between, and reading stops at the first one past the limit."""
    buffer = io.BytesIO()
    write_workbook(buffer, rows=2, declared_rows=None)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData>", '<row r="100000"><c><v>1</v></c></row></sheetData>'
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    response, peak = checked(client, run_jobs, SimpleUploadedFile("far.xlsx", buffer.getvalue()))
    assert job_refusal(response) == TOO_MANY_ROWS
    assert peak < 4 * 2**20


def test_a_csv_longer_than_the_limit_is_refused_without_being_read_to_its_end(
    client, coordinator, settings, run_jobs
):
    sheet = (HEADER + ROW * 2001 + "\n" * 3_000_000).encode()
    response, peak = checked(client, run_jobs, SimpleUploadedFile("sheet.csv", sheet))
    assert job_refusal(response) == TOO_MANY_ROWS
    # The file itself is read whole (it is at most IMPORT_MAX_BYTES); its lines are not.
    assert peak < 16 * 2**20
    assert stored(settings) == []


def test_an_upload_over_the_size_limit_is_refused_before_it_is_stored(
    client, coordinator, settings
):
    settings.IMPORT_MAX_BYTES = 2**20
    response = upload(client, SimpleUploadedFile("sheet.csv", (HEADER + ROW * 30_000).encode()))
    assert refusal(response) == [TOO_LARGE]
    assert stored(settings) == []


def test_a_workbook_unpacking_beyond_the_limit_is_refused_before_it_is_read(
    client, coordinator, settings
):
    bomb = xlsx(rows=250_000, declared_rows=10)
    with zipfile.ZipFile(bomb) as archive:
        assert sum(member.file_size for member in archive.infolist()) > 10 * 2**20
    bomb.seek(0)
    assert refusal(upload(client, bomb)) == [UNPACKS_TOO_LARGE]
    assert stored(settings) == []


def test_a_part_cannot_unpack_to_more_than_the_zip_declares():
    """The unpacked size is read from the zip's directory: Python's zipfile, which openpyxl
    uses, stops at the declared size and fails on the checksum, so a file lying about it
    unpacks to no more than it says."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.xml", b"x" * 10_000_000)
    data = bytearray(buffer.getvalue())
    # The declared size, in the local header (offset 22) and the central directory.
    real = (10_000_000).to_bytes(4, "little")
    data[data.index(real) : data.index(real) + 4] = (1000).to_bytes(4, "little")
    data[data.rindex(real) : data.rindex(real) + 4] = (1000).to_bytes(4, "little")
    received = bytearray()
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("big.xml").file_size == 1000
        with archive.open("big.xml") as stream, pytest.raises(zipfile.BadZipFile, match="CRC"):
            while chunk := stream.read(100):
                received += chunk
    assert len(received) <= 1000


def test_a_file_that_is_not_a_workbook_is_refused(client, coordinator, settings):
    response = upload(client, SimpleUploadedFile("sheet.xlsx", (HEADER + ROW).encode()))
    assert refusal(response) == [NOT_A_WORKBOOK]
    assert stored(settings) == []


def test_a_workbook_without_its_sheet_is_refused(client, coordinator):
    with zipfile.ZipFile(xlsx(rows=3)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    del parts["xl/worksheets/sheet1.xml"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    response = upload(client, SimpleUploadedFile("sheet.xlsx", buffer.getvalue()))
    assert refusal(response) == [NO_SHEET]


def test_the_checks_look_at_the_sheet_openpyxl_reads_the_active_one(client, coordinator, run_jobs):
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Sent by the centre of Tanger"])
    rows = workbook.create_sheet("Rows")
    for line in [HEADER, ROW]:
        rows.append(line.strip().split(","))
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert importing._active_sheet(archive) == "xl/worksheets/sheet2.xml"
    response, _peak = checked(client, run_jobs, SimpleUploadedFile("sheet.xlsx", buffer.getvalue()))
    assert [row.action for row in response.context["plan"]] == ["create"]


def test_a_refused_sheet_keeps_the_chosen_centre(client, users, centre, settings):
    User.objects.filter(pk=users["national"].pk).update(language="en")
    client.force_login(users["national"])
    response = upload(client, SimpleUploadedFile("sheet.xlsx", b"not a zip"), centre=str(centre.pk))
    assert refusal(response) == [NOT_A_WORKBOOK]
    assert response.context["form"]["centre"].value() == str(centre.pk)
    assert f'<option value="{centre.pk}" selected>' in response.content.decode()


# --- The sheets that dry runs store --------------------------------------------------------


@pytest.fixture
def dry_run(client, run_jobs):
    def run():
        sheet = SimpleUploadedFile("sheet.csv", (HEADER + ROW).encode())
        response, _peak = checked(client, run_jobs, sheet)
        assert [row.action for row in response.context["plan"]] == ["create"]
        return response

    return run


def test_a_new_dry_run_deletes_the_sheet_of_the_previous_one(
    client, coordinator, settings, dry_run
):
    dry_run()
    first = stored(settings)
    dry_run()
    second = stored(settings)
    assert len(first) == len(second) == 1
    assert first != second


def test_confirming_deletes_the_stored_sheet(
    client, coordinator, settings, django_capture_on_commit_callbacks, dry_run
):
    token = dry_run().context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/beneficiaries/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 1
    assert stored(settings) == []


def test_starting_again_deletes_the_stored_sheet_and_forgets_the_import(
    client, coordinator, settings, dry_run
):
    token = dry_run().context["token"]
    response = client.post("/beneficiaries/import/", {"cancel": "1", "token": token})
    assert response.status_code == 302
    assert response["Location"] == "/beneficiaries/import/"
    assert stored(settings) == []
    response = client.post("/beneficiaries/import/", {"confirm": "1", "token": token}, follow=True)
    assert "This import expired: upload the sheet again." in response.content.decode()
    assert not Beneficiary.objects.exists()
    # Starting again from a page left open is only that.
    response = client.post("/beneficiaries/import/", {"cancel": "1", "token": token}, follow=True)
    assert response.redirect_chain == [("/beneficiaries/import/", 302)]
    assert "expired" not in response.content.decode()


def test_prune_imports_deletes_the_sheets_nobody_confirmed_for_hours(settings):
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True)
    four_hours_ago = time.time() - 4 * 3600
    for name in ("left.csv", "forgotten.xlsx"):
        (folder / name).write_text("first_name_ar\n")
        os.utime(folder / name, (four_hours_ago, four_hours_ago))
    (folder / "being-checked.csv").write_text("first_name_ar\n")
    out = io.StringIO()
    call_command("prune_imports", stdout=out)
    assert stored(settings) == ["being-checked.csv"]
    assert out.getvalue() == "2 unconfirmed import file(s) older than 3 hours deleted.\n"


def test_confirming_a_pruned_dry_run_says_it_expired(client, coordinator, settings, dry_run):
    token = dry_run().context["token"]
    call_command("prune_imports", hours=0, stdout=io.StringIO())
    assert stored(settings) == []
    response = client.post("/beneficiaries/import/", {"confirm": "1", "token": token}, follow=True)
    assert response.redirect_chain == [("/beneficiaries/import/", 302)]
    assert "This import expired: upload the sheet again." in response.content.decode()
    assert not Beneficiary.objects.exists()
