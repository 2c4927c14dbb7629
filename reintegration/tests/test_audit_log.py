"""The audit log page: filters by user, period, file number and action, and its workbook."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from beneficiaries.tests.factories import BeneficiaryFactory
from projects.tests.factories import make_project
from reintegration import audit
from reintegration.models import AccessEntry, AuditEntry, User
from reintegration.tests.test_access_log import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def files(monkeypatch, users, centre):
    """Two files and a project opened through the services (their entries carry the labels
    the application really writes), then a failed sign-in, over three days."""
    coordinator = users["coordinator"]
    with clock(monkeypatch, timezone.make_aware(dt.datetime(2026, 5, 3, 10, 0))):
        first = BeneficiaryFactory(centre=centre, by=coordinator)
    with clock(monkeypatch, timezone.make_aware(dt.datetime(2026, 5, 4, 11, 0))):
        second = BeneficiaryFactory(
            centre=centre, by=coordinator, first_name_latin="Amal", cin="K12345", phone=""
        )
        project = make_project(first, coordinator)
    with clock(monkeypatch, timezone.make_aware(dt.datetime(2026, 5, 5, 8, 0))):
        audit.record("auth.login_failed", actor_label="Intruder")
    return {"first": first, "second": second, "project": project}


def shown(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(e.action, e.target_label) for e in response.context["page"].object_list]


def test_it_filters_by_the_file_number_and_finds_the_files_projects_too(client, users, files):
    client.force_login(users["auditor"])
    number = files["first"].file_number
    found = shown(client.get(f"/audit/?file_number={number.lower()}"))
    assert {action for action, _label in found} == {
        "beneficiary.created",
        "project.created",
        "project.budget_changed",
    }
    assert all(label == number or label.startswith(f"{number} #") for _action, label in found)
    # Only this file: the next number begins like it but is another file.
    assert files["second"].file_number.startswith(number[:-1])
    assert files["second"].file_number not in {label for _action, label in found}


def test_a_file_number_that_merely_begins_another_finds_nothing(client, users, files):
    client.force_login(users["auditor"])
    assert shown(client.get(f"/audit/?file_number={files['first'].file_number[:-1]}")) == []


def test_it_finds_a_target_by_its_own_label(client, users, files):
    audit.record("certificate.issued", actor=users["coordinator"], target_label="PV-2026-00042")
    client.force_login(users["auditor"])
    assert shown(client.get("/audit/?file_number=pv-2026-00042")) == [
        ("certificate.issued", "PV-2026-00042")
    ]


def test_it_filters_by_user_even_one_unknown_to_the_application(client, users, files):
    client.force_login(users["national"])
    assert shown(client.get("/audit/?user=intruder")) == [("auth.login_failed", "")]
    by_coordinator = shown(client.get(f"/audit/?user={users['coordinator'].username}"))
    assert len(by_coordinator) == 4


def test_it_filters_by_whole_days_and_keeps_the_action_filter(client, users, files):
    client.force_login(users["auditor"])
    day = shown(client.get("/audit/?date_from=2026-05-04&date_to=2026-05-04"))
    assert {action for action, _label in day} == {
        "beneficiary.created",
        "project.created",
        "project.budget_changed",
    }
    projects = shown(client.get("/audit/?date_from=2026-05-04&date_to=2026-05-04&action=project."))
    assert {action for action, _label in projects} == {"project.created", "project.budget_changed"}
    assert shown(client.get("/audit/?date_to=2026-05-03")) == [
        ("beneficiary.created", files["first"].file_number)
    ]


def test_the_filters_are_shown_as_they_were_typed(client, users, files, english):
    client.force_login(users["auditor"])
    html = client.get("/audit/?user=Intruder&date_from=2026-05-05&action=auth.").content.decode()
    assert 'value="Intruder"' in html and 'value="2026-05-05"' in html
    assert '<option value="auth." selected>' in html


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_a_few_entries_or_several_pages(client, users):
    client.force_login(users["auditor"])
    client.get("/audit/")  # the first request of a session records its activity time
    for _index in range(3):
        audit.record("auth.login", actor_label="samira")
    path = "/audit/?user=samira&date_from=2026-01-01"
    few = count_queries(client, path)
    # session, user, the count, the page's entries, the top bar's unread notifications
    assert few == 5
    for _index in range(120):
        audit.record("auth.login", actor_label="samira")
    assert count_queries(client, path) == few
    assert count_queries(client, f"{path}&page=3") == few


def test_the_workbook_holds_the_filtered_entries_as_sentences(client, users, files, english):
    client.force_login(users["auditor"])
    number = files["first"].file_number
    response = client.get(f"/audit/export.xlsx?file_number={number}&action=beneficiary.")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Time", "User", "Action", "What happened", "Target", "IP address"]
    coordinator = users["coordinator"].username
    assert rows[1:] == [
        [
            dt.datetime(2026, 5, 3, 10, 0),
            coordinator,
            "beneficiary.created",
            f"{users['coordinator'].display_name} opened the file {number}.",
            number,
            None,  # no address: the file was opened outside a request
        ]
    ]
    # Staff names and file numbers: the workbook is an export, recorded as such.
    export = AccessEntry.objects.get()
    assert (export.kind, export.user, export.rows) == ("export", users["auditor"], 1)
    assert export.reference.startswith("audit-log-")


def test_the_workbook_writes_a_formula_like_name_as_text(client, users):
    AuditEntry.objects.create(action="auth.login_failed", actor_label="=1+2")
    client.force_login(users["auditor"])
    sheet = load_workbook(
        io.BytesIO(client.get("/audit/export.xlsx?action=auth.login_failed").content)
    ).active
    cell = list(sheet.iter_rows())[1][1]
    assert (cell.value, cell.data_type) == ("=1+2", "s")
