"""The access log: who opened which person's data (law 09-08 art. 24). How it is written, that
it cannot be rewritten, and the page and workbook national administrators and auditors read."""

import datetime as dt
import io
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from reintegration import access_log, audit, logs
from reintegration.models import AccessEntry, User
from reintegration.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@contextmanager
def clock(monkeypatch, moment: dt.datetime):
    """Entries written inside the block carry ``moment`` as their time."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def karim(db):
    return UserFactory(coordinator=True, username="karim", first_name="Karim", last_name="Alaoui")


# --- Writing ------------------------------------------------------------------------------


def test_an_entry_records_the_user_what_was_opened_and_the_client_address(karim):
    with audit.client_address("203.0.113.5"):
        (entry,) = access_log.record(
            AccessEntry.Kind.DOCUMENT, by=karim, file_number="TNG-2026-0042", reference="#3 cin"
        )
    entry.refresh_from_db()
    assert (entry.user, entry.kind, entry.file_number, entry.reference) == (
        karim,
        "document",
        "TNG-2026-0042",
        "#3 cin",
    )
    assert entry.ip_address == "203.0.113.5"
    assert entry.rows is None


def test_outside_a_request_an_entry_has_no_address(karim):
    (entry,) = access_log.record(AccessEntry.Kind.FILE, by=karim, file_number="TNG-2026-0042")
    entry.refresh_from_db()
    assert entry.ip_address is None


def test_a_detention_record_shown_with_a_page_is_an_entry_of_its_own_in_the_same_insert(
    karim, django_assert_num_queries
):
    with django_assert_num_queries(1):
        access_log.record(
            AccessEntry.Kind.FILE, by=karim, file_number="TNG-2026-0042", detention_records=1
        )
    assert sorted(AccessEntry.objects.values_list("kind", "file_number", "rows")) == [
        ("detention", "TNG-2026-0042", None),
        ("file", "TNG-2026-0042", None),
    ]


def test_an_export_is_one_entry_with_its_number_of_rows(karim, django_assert_num_queries):
    with django_assert_num_queries(1):
        access_log.record(
            AccessEntry.Kind.EXPORT,
            by=karim,
            reference="beneficiaries-2026-05-04.xlsx",
            rows=120,
            detention_records=80,
        )
    assert sorted(AccessEntry.objects.values_list("kind", "file_number", "rows")) == [
        ("detention", "", 80),
        ("export", "", 120),
    ]


def test_it_refuses_a_kind_it_does_not_know(karim):
    with pytest.raises(ValueError, match="Unknown access kind"):
        access_log.record("telepathy", by=karim)
    assert not AccessEntry.objects.exists()


def test_entries_cannot_be_changed_or_deleted(karim):
    (entry,) = access_log.record(AccessEntry.Kind.FILE, by=karim, file_number="TNG-2026-0042")
    entry.file_number = "TNG-2026-0001"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessEntry.objects.update(file_number="")
    with pytest.raises(PermissionError):
        AccessEntry.objects.all().delete()
    assert AccessEntry.objects.get().file_number == "TNG-2026-0042"


# --- The page -----------------------------------------------------------------------------


def opened(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200
    return [
        (entry.user.username, entry.kind, entry.file_number)
        for entry in response.context["page"].object_list
    ]


@pytest.fixture
def history(monkeypatch, users, karim):
    """Karim and the regional staff open files over three days (times in Morocco)."""
    regional = users["regional"]
    regional.username = "samira"
    regional.save(update_fields=["username"])
    for moment, user, kind, number in (
        (dt.datetime(2026, 5, 3, 23, 30), karim, "file", "TNG-2026-0001"),
        (dt.datetime(2026, 5, 4, 9, 0), regional, "file", "TNG-2026-0002"),
        (dt.datetime(2026, 5, 4, 9, 1), regional, "detention", "TNG-2026-0002"),
        (dt.datetime(2026, 5, 5, 0, 10), karim, "document", "TNG-2026-0002"),
    ):
        with clock(monkeypatch, timezone.make_aware(moment)):
            access_log.record(kind, by=user, file_number=number)


def test_the_page_shows_the_most_recent_first(client, users, history):
    client.force_login(users["auditor"])
    assert opened(client.get("/access-log/")) == [
        ("karim", "document", "TNG-2026-0002"),
        ("samira", "detention", "TNG-2026-0002"),
        ("samira", "file", "TNG-2026-0002"),
        ("karim", "file", "TNG-2026-0001"),
    ]


def test_it_filters_by_user_whatever_the_case(client, users, history):
    client.force_login(users["national"])
    assert opened(client.get("/access-log/?user=KARIM")) == [
        ("karim", "document", "TNG-2026-0002"),
        ("karim", "file", "TNG-2026-0001"),
    ]


def test_it_filters_by_file_number_typed_in_small_letters(client, users, history):
    client.force_login(users["auditor"])
    assert [e[:2] for e in opened(client.get("/access-log/?file_number=+tng-2026-0002+"))] == [
        ("karim", "document"),
        ("samira", "detention"),
        ("samira", "file"),
    ]


def test_it_filters_by_whole_days_of_moroccan_time(client, users, history):
    client.force_login(users["auditor"])
    day = opened(client.get("/access-log/?date_from=2026-05-04&date_to=2026-05-04"))
    assert [e[1] for e in day] == ["detention", "file"]
    since = opened(client.get("/access-log/?date_from=2026-05-04"))
    assert len(since) == 3
    until = opened(client.get("/access-log/?date_to=2026-05-03"))
    assert until == [("karim", "file", "TNG-2026-0001")]


def test_filters_combine_with_what_was_opened(client, users, history):
    client.force_login(users["auditor"])
    found = opened(client.get("/access-log/?kind=detention&file_number=TNG-2026-0002&user=samira"))
    assert found == [("samira", "detention", "TNG-2026-0002")]
    assert opened(client.get("/access-log/?kind=detention&user=karim")) == []


def test_an_end_before_the_start_is_explained_and_the_other_filters_still_apply(
    client, users, history, english
):
    client.force_login(users["auditor"])
    response = client.get("/access-log/?user=karim&date_from=2026-05-05&date_to=2026-05-01")
    assert "The end date is before the start date." in response.content.decode()
    # The end date is left out; the user and the start still filter.
    assert opened(response) == [("karim", "document", "TNG-2026-0002")]


def test_the_page_reads_in_the_users_language(client, users, history, english):
    client.force_login(users["auditor"])
    html = client.get("/access-log/").content.decode()
    assert "detention record" in html and "restricted" in html
    assert "Karim Alaoui" in html


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/access-log/", "/access-log/?user=karim&kind=file"])
def test_the_page_costs_the_same_queries_for_a_few_entries_or_several_pages(
    client, users, karim, path
):
    client.force_login(users["auditor"])
    client.get("/access-log/")  # the first request of a session records its activity time
    for index in range(3):
        access_log.record("file", by=karim, file_number=f"TNG-2026-{index:04d}")
    few = count_queries(client, path)
    # session, user, the count, the page's entries with their users, the top bar's unread
    # notifications
    assert few == 5
    for index in range(120):
        access_log.record("file", by=karim, file_number=f"TNG-2026-{index:04d}")
    assert count_queries(client, path) == few
    assert count_queries(client, f"{path}{'&' if '?' in path else '?'}page=3") == few


def test_pages_hold_a_worklist_each(client, users, karim):
    for index in range(51):
        access_log.record("file", by=karim, file_number=f"TNG-2026-{index:04d}")
    client.force_login(users["national"])
    assert len(opened(client.get("/access-log/"))) == 50
    assert opened(client.get("/access-log/?page=2")) == [("karim", "file", "TNG-2026-0000")]


def test_the_home_page_has_a_tile_for_those_who_read_the_log(client, users):
    for role, shown in (("national", True), ("auditor", True), ("coordinator", False)):
        client.force_login(users[role])
        assert ('href="/access-log/"' in client.get("/").content.decode()) is shown, role


# --- The workbook -------------------------------------------------------------------------


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == logs.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows()]


def test_the_workbook_holds_the_filtered_entries_and_is_itself_recorded(
    client, users, history, english
):
    client.force_login(users["auditor"])
    response = client.get("/access-log/export.xlsx?user=samira")
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = workbook_rows(response)
    assert [cell.value for cell in rows[0]] == [
        "Time",
        "User",
        "Name",
        "What was opened",
        "File number",
        "Reference",
        "Rows",
        "IP address",
    ]
    assert [[cell.value for cell in row][1:5] for row in rows[1:]] == [
        ["samira", "Amina Test", "detention record", "TNG-2026-0002"],
        ["samira", "Amina Test", "file page", "TNG-2026-0002"],
    ]
    # The time in Morocco, as a date the spreadsheet can sort and filter.
    assert rows[1][0].value == dt.datetime(2026, 5, 4, 9, 1)
    assert rows[1][0].is_date
    export = AccessEntry.objects.get(kind="export")
    assert (export.user, export.rows, export.reference) == (
        users["auditor"],
        2,
        response["Content-Disposition"].split('"')[1],
    )


def test_no_cell_of_the_workbook_is_a_formula(client, users, karim):
    access_log.record("export", by=karim, reference='=HYPERLINK("http://x.example","y")')
    client.force_login(users["auditor"])
    rows = workbook_rows(client.get("/access-log/export.xlsx?kind=export"))
    cell = rows[1][5]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x.example","y")', "s")
    assert not any(c.data_type == "f" for row in rows for c in row)


def test_a_workbook_too_large_is_refused_with_a_way_out(client, users, karim, monkeypatch, english):
    monkeypatch.setattr(logs, "EXPORT_MAX_ROWS", 2)
    for index in range(3):
        access_log.record("file", by=karim, file_number=f"TNG-2026-{index:04d}")
    client.force_login(users["national"])
    response = client.get("/access-log/export.xlsx?user=karim", follow=True)
    assert response.redirect_chain == [("/access-log/?user=karim", 302)]
    assert "more than the 2 a workbook may hold: narrow the period" in response.content.decode()
    assert not AccessEntry.objects.filter(kind="export").exists()


def test_the_selector_gives_nothing_to_a_role_that_may_not_read_the_log(users, karim):
    access_log.record("file", by=karim, file_number="TNG-2026-0001")
    everything = logs.LogFilters()
    assert logs.access_entries(by=users["national"], filters=everything).count() == 1
    assert not logs.access_entries(by=users["coordinator"], filters=everything).exists()
    assert not logs.audit_entries(by=users["regional"], filters=everything).exists()
