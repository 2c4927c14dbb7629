"""The caseload page and the change of referents."""

import pytest
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from casework.caseload import referent_rows, referents_assign
from casework.models import Task
from projects.tests.factories import equipped, make_project
from reintegration.models import AuditEntry
from reintegration.refusals import Refused
from reintegration.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(centre):
    return UserFactory(coordinator=True, centre=centre, first_name="Omar", last_name="Tazi")


def files(centre, by, count):
    return [BeneficiaryFactory(centre=centre, by=by) for _ in range(count)]


def test_reassigning_moves_the_files_and_the_open_tasks_of_the_previous_referent(
    centre, users, colleague
):
    mine = files(centre, users["coordinator"], 2)
    today = timezone.localdate()
    theirs = Task.objects.create(
        beneficiary=mine[0], title="Appeler", due_on=today, assignee=users["coordinator"]
    )
    nobodys = Task.objects.create(beneficiary=mine[0], title="Visite", due_on=today)
    third = UserFactory(coordinator=True, centre=centre)
    taken = Task.objects.create(beneficiary=mine[0], title="Dossier", due_on=today, assignee=third)

    changed = referents_assign(beneficiaries=mine, to=colleague, by=users["coordinator"])

    assert changed == 2
    assert set(Beneficiary.objects.values_list("referent", flat=True)) == {colleague.pk}
    for task in (theirs, nobodys, taken):
        task.refresh_from_db()
    assert (theirs.assignee, nobodys.assignee, taken.assignee) == (colleague, colleague, third)
    entries = AuditEntry.objects.filter(action="beneficiary.referent_changed")
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(str(f.pk) for f in mine)
    assert entries.first().changes == {"referent": ["Amina Test", "Omar Tazi"]}


def test_a_file_already_followed_by_them_is_left_alone(centre, users, colleague):
    mine = files(centre, users["coordinator"], 1)
    assert referents_assign(beneficiaries=mine, to=users["coordinator"], by=colleague) == 0
    assert not AuditEntry.objects.filter(action="beneficiary.referent_changed").exists()


@pytest.mark.parametrize("who", ["other_centre", "inactive", "regional"])
def test_a_referent_is_an_active_coordinator_of_the_files_centre(centre, users, elsewhere, who):
    target = {
        "other_centre": elsewhere["coordinator"],
        "inactive": UserFactory(coordinator=True, centre=centre, is_active=False),
        "regional": users["regional"],
    }[who]
    mine = files(centre, users["coordinator"], 1)
    with pytest.raises(Refused) as refusal, translation.override("en"):
        referents_assign(beneficiaries=mine, to=target, by=users["coordinator"])
    assert "coordinator of" in refusal.value.message
    assert Beneficiary.objects.get().referent == users["coordinator"]


@pytest.mark.parametrize("role", ["regional", "auditor"])
def test_only_the_centre_and_headquarters_reassign(centre, users, colleague, role):
    mine = files(centre, users["coordinator"], 1)
    with pytest.raises(Refused):
        referents_assign(beneficiaries=mine, to=colleague, by=users[role])
    assert referents_assign(beneficiaries=mine, to=colleague, by=users["national"]) == 1


def test_another_centres_coordinator_cannot_reassign_files_they_do_not_see(
    centre, users, elsewhere, colleague
):
    mine = files(centre, users["coordinator"], 1)
    with pytest.raises(Refused):
        referents_assign(beneficiaries=mine, to=colleague, by=elsewhere["coordinator"])


def test_the_summary_counts_files_open_projects_and_overdue_visits(
    centre, users, colleague, convention
):
    mine = files(centre, users["coordinator"], 3)
    BeneficiaryFactory(centre=centre, by=users["national"])  # no referent
    # Handed over 13 months ago: the 3-, 6- and 12-month visits are overdue.
    long_ago = timezone.localdate().replace(day=1) - timezone.timedelta(days=400)
    equipped(make_project(mine[0], users["coordinator"]), users, long_ago)
    make_project(mine[1], users["coordinator"])
    referents_assign(beneficiaries=[mine[2]], to=colleague, by=users["coordinator"])

    rows = {row.referent: row for row in referent_rows(centre, users["coordinator"])}

    amina = rows[users["coordinator"]]
    assert (amina.files, amina.figures) == (2, {"open_projects": 2, "overdue_visits": 3})
    assert (rows[colleague].files, rows[colleague].figures["open_projects"]) == (1, 0)
    assert rows[None].files == 1
    assert list(rows)[-1] is None  # "no referent" last


def test_the_page_keeps_what_was_ticked_when_the_reassignment_is_refused(
    client, centre, users, colleague
):
    mine = files(centre, users["coordinator"], 3)
    client.force_login(users["coordinator"])
    url = f"/caseload/{centre.pk}/"
    page = client.post(url, {"files": [mine[0].pk, mine[2].pk], "to": ""})
    assert page.status_code == 200
    text = page.content.decode()
    assert f'value="{mine[0].pk}" id="file-{mine[0].pk}" checked' in text
    assert f'value="{mine[2].pk}" id="file-{mine[2].pk}" checked' in text
    assert f'value="{mine[1].pk}" id="file-{mine[1].pk}">' in text
    page = client.post(url, {"files": [mine[0].pk, mine[2].pk], "to": colleague.pk})
    assert page.status_code == 302
    assert set(Beneficiary.objects.filter(referent=colleague)) == {mine[0], mine[2]}


def test_the_page_refuses_files_of_another_centre(client, centre, users, elsewhere, colleague):
    theirs = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    client.force_login(users["coordinator"])
    page = client.post(f"/caseload/{centre.pk}/", {"files": [theirs.pk], "to": colleague.pk})
    assert page.status_code == 200
    theirs.refresh_from_db()
    assert theirs.referent == elsewhere["coordinator"]


def test_regional_staff_read_the_page_without_the_form(client, centre, users):
    files(centre, users["coordinator"], 1)
    client.force_login(users["regional"])
    page = client.get(f"/caseload/{centre.pk}/")
    assert page.status_code == 200
    assert 'name="files"' not in page.content.decode()
    assert client.post(f"/caseload/{centre.pk}/", {}).status_code == 403


def test_the_caseload_page_reads_a_constant_number_of_queries(
    client, centre, users, colleague, convention, django_assert_max_num_queries
):
    client.force_login(users["coordinator"])
    url = f"/caseload/{centre.pk}/"
    files(centre, users["coordinator"], 1)
    client.get(url)  # session, caches
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    mine = files(centre, users["coordinator"], 6)
    make_project(mine[0], users["coordinator"])
    referents_assign(beneficiaries=mine[:3], to=colleague, by=users["coordinator"])
    BeneficiaryFactory(centre=centre, by=users["national"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200


def test_the_transfer_list_reads_a_constant_number_of_queries(
    client, centre, users, elsewhere, django_assert_max_num_queries
):
    from casework.transfers import transfer_request

    client.force_login(elsewhere["coordinator"])

    def ask():
        person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
        transfer_request(
            beneficiary=person, to_centre=elsewhere["centre"], reason="x", by=users["coordinator"]
        )

    ask()
    client.get("/transfers/")
    with django_assert_max_num_queries(10) as few:
        client.get("/transfers/")
    for _ in range(4):
        ask()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/transfers/")
    assert page.content.decode().count("/transfers/") >= 5


def test_a_coordinator_is_sent_to_their_centre(client, centre, users):
    client.force_login(users["coordinator"])
    assert client.get("/caseload/")["Location"] == f"/caseload/{centre.pk}/"


def test_files_opened_before_referents_get_their_creator_when_still_a_coordinator_there(
    centre, users, elsewhere
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("casework.migrations.0003_referents_from_creators")
    by_coordinator = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    by_national = BeneficiaryFactory(centre=centre, by=users["national"])
    moved_away = UserFactory(coordinator=True, centre=centre)
    by_moved = BeneficiaryFactory(centre=centre, by=moved_away)
    moved_away.centre = elsewhere["centre"]
    moved_away.save(update_fields=["centre"])
    Beneficiary.objects.update(referent=None)

    migration.referents_from_creators(apps, None)

    referents = dict(Beneficiary.objects.values_list("pk", "referent"))
    assert referents == {
        by_coordinator.pk: users["coordinator"].pk,
        by_national.pk: None,
        by_moved.pk: None,
    }
