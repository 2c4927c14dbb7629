import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from beneficiaries import services
from beneficiaries.models import Beneficiary, Document
from beneficiaries.tests.factories import (
    PDF_BYTES,
    BeneficiaryFactory,
    consent_text,
    detention_for,
)
from casework import services as tasks
from projects.tests.factories import make_project
from projects.tests.referral_factories import refer
from reintegration.models import AccessEntry, AuditEntry, Province, User
from reintegration.tests.confirming import confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def form_data(person, **overrides):
    return {
        "version": person.version,
        "first_name_ar": person.first_name_ar,
        "last_name_ar": person.last_name_ar,
        "first_name_latin": person.first_name_latin,
        "last_name_latin": person.last_name_latin,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat(),
        "cin": person.cin or "",
        "phone": person.phone,
        "residence_province": person.residence_province_id,
        "commune": person.commune,
        "track": person.track_id,
        **overrides,
    }


def listed(client, query=""):
    response = client.get(f"/beneficiaries/{query}")
    assert response.status_code == 200
    return [b.file_number for b in response.context["page"].object_list]


def test_a_coordinator_lists_only_the_files_of_the_centre(client, users, person, elsewhere):
    other = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    client.force_login(users["coordinator"])
    assert listed(client) == [person.file_number]
    client.force_login(elsewhere["coordinator"])
    assert listed(client) == [other.file_number]
    client.force_login(users["national"])
    assert set(listed(client)) == {person.file_number, other.file_number}


@pytest.mark.parametrize(
    "query", ["فاطمه", "فاطمة الزهراء", "FATIMA", "zahra", "0612345678", "TNG-", "ab123"]
)
def test_search_finds_a_file_by_any_spelling_or_number(client, users, centre, query):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB1234")
    BeneficiaryFactory(
        centre=centre,
        by=users["coordinator"],
        first_name_ar="يوسف",
        first_name_latin="Youssef",
        last_name_ar="بنعلي",
        last_name_latin="Benali",
        phone="",
    )
    client.force_login(users["coordinator"])
    found = listed(client, f"?q={query}")
    assert person.file_number in found
    if query not in ("TNG-",):
        assert len(found) == 1


def test_a_cin_or_file_number_finds_that_file_and_no_name_sharing_its_letters(
    client, users, centre
):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB1234")
    # Another file of the same centre (same file number prefix) whose name holds "ab".
    other = BeneficiaryFactory(
        centre=centre,
        by=users["coordinator"],
        first_name_ar="عبد القادر",
        first_name_latin="Abdelkader",
        cin="K998877",
        phone="",
    )
    client.force_login(users["coordinator"])
    assert listed(client, "?q=AB1234") == [person.file_number]
    assert listed(client, f"?q={person.file_number}") == [person.file_number]
    assert listed(client, f"?q={other.file_number.lower()}") == [other.file_number]
    # A name is still found by its key, whatever its spelling.
    assert listed(client, "?q=abdelkader") == [other.file_number]


def test_filters_combine(client, users, centre):
    woman = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    BeneficiaryFactory(centre=centre, by=users["coordinator"], sex="M", first_name_latin="Ali")
    client.force_login(users["coordinator"])
    assert listed(client, "?sex=F") == [woman.file_number]
    assert listed(client, "?sex=F&status=closed") == []


def test_archived_files_leave_the_default_list_but_stay_searchable(client, users, person):
    services.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="moved")
    client.force_login(users["coordinator"])
    assert listed(client) == []
    assert listed(client, "?q=fatima&archived=on") == [person.file_number]


def test_sorting_by_name(client, users, centre):
    for last in ("Zyani", "Benali", "Merini"):
        BeneficiaryFactory(centre=centre, by=users["coordinator"], last_name_latin=last)
    client.force_login(users["coordinator"])
    response = client.get("/beneficiaries/?sort=name")
    names = [b.last_name_latin for b in response.context["page"].object_list]
    assert names == ["Benali", "Merini", "Zyani"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_queries_whatever_the_number_of_files(
    client, users, centre, count, django_assert_max_num_queries
):
    for _index in range(count):
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users["national"])
    # session, user, the filter choices (centres, tracks, provinces), the count kept in the
    # cache (a query with the default database cache), count, page ids, page rows with their
    # consents, the top bar's unread notifications
    with django_assert_max_num_queries(13):
        assert client.get("/beneficiaries/?q=fatima").status_code == 200


def test_a_coordinator_opens_a_file_in_the_own_centre_whatever_is_posted(
    client, users, centre, elsewhere
):
    client.force_login(users["coordinator"])
    data = form_data(
        Beneficiary(
            first_name_ar="يوسف",
            last_name_ar="بنعلي",
            first_name_latin="Youssef",
            last_name_latin="Benali",
            sex="M",
            date_of_birth=__import__("datetime").date(1985, 1, 1),
            phone="0612345678",
            residence_province=Province.objects.get(code="01.511"),
            track_id=1,
            version=1,
        ),
        centre=elsewhere["centre"].pk,
    )
    response = client.post("/beneficiaries/new/", data)
    assert response.status_code == 302
    created = Beneficiary.objects.get()
    assert created.centre == centre
    assert created.phone == "+212612345678"
    assert response["Location"] == f"/beneficiaries/{created.pk}/"


def test_a_form_with_errors_keeps_what_was_typed(client, users, person, english):
    client.force_login(users["coordinator"])
    response = client.post(
        f"/beneficiaries/{person.pk}/edit/",
        form_data(person, commune="حي جديد", phone="12", date_of_birth="2030-01-01"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="حي جديد"' in html
    assert "Enter a Moroccan phone number such as 0612345678 or +212612345678." in html
    person.refresh_from_db()
    assert person.commune == "بني مكادة"


def test_a_stale_edit_is_refused_and_keeps_the_second_users_input(client, users, person, english):
    opened = form_data(person)
    services.beneficiary_update(
        beneficiary=person, by=users["national"], data={"commune": "السواني"}, version=1
    )
    client.force_login(users["coordinator"])
    response = client.post(f"/beneficiaries/{person.pk}/edit/", {**opened, "notes": "visite"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this while you were working on it" in html
    assert "visite" in html
    person.refresh_from_db()
    assert (person.commune, person.notes) == ("السواني", "")


def test_opening_a_file_records_the_view_but_neither_shows_nor_records_its_detention_record(
    client, users, person
):
    detention_for(person)
    client.force_login(users["regional"])
    response = client.get(f"/beneficiaries/{person.pk}/", REMOTE_ADDR="203.0.113.7")
    html = response.content.decode()
    assert "لحام" not in html
    assert response.context["detention"] is None
    assert 'href="?show=detention#detention"' in html
    entry = AccessEntry.objects.get()
    assert (entry.user, entry.kind, entry.file_number, entry.ip_address) == (
        users["regional"],
        "file",
        person.file_number,
        "203.0.113.7",
    )
    assert not AuditEntry.objects.filter(action="detention.viewed").exists()


def test_showing_the_detention_record_displays_it_and_records_that_view(client, users, person):
    detention_for(person)
    client.force_login(users["regional"])
    html = client.get(f"/beneficiaries/{person.pk}/?show=detention").content.decode()
    assert "لحام" in html
    assert sorted(AccessEntry.objects.values_list("kind", "file_number", "user")) == [
        ("detention", person.file_number, users["regional"].pk),
        ("file", person.file_number, users["regional"].pk),
    ]
    # The move to the access log: the audit log keeps actions only.
    assert not AuditEntry.objects.filter(action="detention.viewed").exists()


def test_a_file_without_a_detention_record_offers_none_to_show_and_records_no_view(
    client, users, person
):
    client.force_login(users["coordinator"])
    response = client.get(f"/beneficiaries/{person.pk}/?show=detention")
    assert 'href="?show=detention#detention"' not in response.content.decode()
    assert list(AccessEntry.objects.values_list("kind", flat=True)) == ["file"]


def test_auditors_never_see_the_detention_record_and_leave_no_view_entry(client, users, person):
    detention_for(person)
    client.force_login(users["auditor"])
    html = client.get(f"/beneficiaries/{person.pk}/?show=detention").content.decode()
    assert "لحام" not in html
    assert 'href="?show=detention#detention"' not in html
    assert list(AccessEntry.objects.values_list("kind", "user")) == [("file", users["auditor"].pk)]


def test_the_file_page_costs_a_fixed_number_of_queries(
    client, users, person, django_assert_num_queries
):
    detention_for(person)
    client.force_login(users["coordinator"])
    client.get(f"/beneficiaries/{person.pk}/")  # the first request of a session records its time
    # session, user, the file (with whether it has a detention record, and whether each
    # section that may be empty has anything: consents, text messages, needs assessments, open
    # tasks, transfers between centres, referrals, placements, an open project), the access
    # entry's INSERT, projects, the top bar's unread notifications, the user's centre,
    # documents, timeline. Empty sections read nothing more. Recording the view adds its
    # INSERT and nothing else.
    with django_assert_num_queries(9):
        assert client.get(f"/beneficiaries/{person.pk}/").status_code == 200
    # Shown: the record itself; its entry goes in the same INSERT as the file page's.
    with django_assert_num_queries(10):
        assert client.get(f"/beneficiaries/{person.pk}/?show=detention").status_code == 200
    assert AccessEntry.objects.count() == 4


def test_sections_with_rows_read_and_show_them(client, users, person, english):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    url = f"/beneficiaries/{person.pk}/"
    client.get(url)
    empty = client.get(url).content.decode()
    assert "No consent recorded" in empty
    assert "Start a life project" in empty
    services.consent_record(
        beneficiary=person,
        by=coordinator,
        data={"given_on": person.created_at.date(), "language": "ar", "text": consent_text()},
    )
    tasks.task_create(
        beneficiary=person,
        project=None,
        title="Call the employer",
        due_on=person.created_at.date(),
        assignee=coordinator,
        by=coordinator,
    )
    refer(person, coordinator)
    make_project(person, coordinator)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url).content.decode()
    # The tables whose rows were read (not the file's flags, subqueries of its own query).
    read = {query["sql"].split(".")[0].removeprefix("SELECT ") for query in captured}
    assert {'"beneficiaries_consent"', '"casework_task"', '"projects_referral"'} <= read
    # Still empty: neither read nor shown.
    assert (
        not {
            '"beneficiaries_textmessage"',
            '"casework_transferrequest"',
            '"projects_placement"',
        }
        & read
    )
    assert "No consent recorded" not in html
    assert "Call the employer" in html
    assert 'id="referral-rows"' in html
    assert "Start a life project" not in html  # the project just started is open


def test_a_file_without_consent_is_flagged(client, users, person, english):
    client.force_login(users["coordinator"])
    html = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    assert "No consent recorded" in html
    response = client.post(
        f"/beneficiaries/{person.pk}/consent/",
        {"given_on": "2026-01-15", "language": "ar", "text": 1},
    )
    assert response.status_code == 302
    html = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    assert "No consent recorded" not in html


def test_documents_are_served_only_within_scope(client, users, person, elsewhere):
    client.force_login(users["coordinator"])
    response = client.post(
        f"/beneficiaries/{person.pk}/documents/",
        {"kind": "release", "file": SimpleUploadedFile("levee.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    url = f"/beneficiaries/{person.pk}/documents/{document.pk}/"
    client.force_login(elsewhere["coordinator"])
    assert client.get(url).status_code == 404
    client.force_login(users["coordinator"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    # Last: closing a streamed response ends the request, which closes the test's connection
    # on PostgreSQL.
    response.close()


def test_exports_hold_exactly_the_columns_the_role_may_see(client, users, person):
    detention_for(person)
    client.force_login(users["coordinator"])
    rows = list(csv.reader(io.StringIO(client.get("/beneficiaries/export.csv").content.decode())))
    assert "تاريخ الإيداع بالسجن" in rows[0] or "Date of entry" in rows[0]
    assert rows[1][0] == person.file_number
    client.force_login(users["auditor"])
    response = client.get("/beneficiaries/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values[0]) == len(rows[0]) - 4
    assert values[1][0] == person.file_number
    assert not any("لحام" in str(v) or "2018" in str(v) for v in values[1])


def test_archiving_from_the_file_page_needs_a_reason(client, users, person):
    client.force_login(users["coordinator"])
    confirm(client, f"/beneficiaries/{person.pk}/archive/", {"reason": ""})
    person.refresh_from_db()
    assert not person.is_archived
    confirm(client, f"/beneficiaries/{person.pk}/archive/", {"reason": "déménagé à Fès"})
    person.refresh_from_db()
    assert person.archive_reason == "déménagé à Fès"
    assert client.get(f"/beneficiaries/{person.pk}/edit/").status_code == 403
    client.post(f"/beneficiaries/{person.pk}/restore/")
    person.refresh_from_db()
    assert not person.is_archived


def test_the_right_of_access_pdf_holds_everything_about_the_person(client, users, person):
    from pypdf import PdfReader

    detention_for(person)
    client.force_login(users["coordinator"])
    response = client.get(f"/beneficiaries/{person.pk}/access-request.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert person.file_number in text
    assert "Fatima Zahra" in text
    assert "06 12 34 56 78" in text
    assert AuditEntry.objects.filter(action="beneficiary.access_exported").exists()


def test_after_a_conflict_saving_again_keeps_the_second_users_input(client, users, person):
    opened = form_data(person)
    services.beneficiary_update(
        beneficiary=person, by=users["national"], data={"commune": "السواني"}, version=1
    )
    client.force_login(users["coordinator"])
    refused = client.post(f"/beneficiaries/{person.pk}/edit/", {**opened, "notes": "visite"})
    retried = dict(opened, notes="visite", version=refused.context["form"].data["version"])
    assert client.post(f"/beneficiaries/{person.pk}/edit/", retried).status_code == 302
    person.refresh_from_db()
    assert person.notes == "visite"
