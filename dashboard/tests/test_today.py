"""The today panel (dashboard/today.py): each block against an independent count of the same
rows, its links, and a number of queries that does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from beneficiaries.models import Beneficiary, Consent
from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import Task
from ceremonies.models import Certificate, Handover
from ceremonies.tests.factories import plan_ceremony
from dashboard.today import today_panel
from partners.models import Convention
from projects import services
from projects.models import FollowUpVisit, LifeProject, Status
from projects.tests.factories import approved, equipped, make_project
from reintegration.formatting import LRI, PDI
from reintegration.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("convention")]

TODAY = datetime.date(2026, 6, 15)
BIG = (("معدات", "1", "52000.00"),)  # above the regional ceiling: headquarters decides


def grow(users, centre, n: int) -> None:
    """``n`` more rows for every block of every role."""
    coordinator, regional = users["coordinator"], users["regional"]
    for index in range(n):
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        # Equipped 200 days ago: its 6-month visit is overdue, its certificate not issued.
        equipped(make_project(person, coordinator), users, TODAY - datetime.timedelta(days=200))
        returned = make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
        services.project_submit(project=returned, by=coordinator)
        services.project_return(project=returned, by=regional, comment="Devis manquant")
        waiting = make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
        approved(waiting, users)
        submitted = make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
        services.project_submit(project=submitted, by=coordinator)
        big = make_project(
            BeneficiaryFactory(centre=centre, by=coordinator),
            coordinator,
            lines=BIG,
            ceiling_justification="Four industriel",
        )
        services.project_submit(project=big, by=coordinator)
        services.project_approve(
            project=big,
            by=regional,
            allocations=[(Convention.objects.get(reference="CPDH-TNG-TEST"), big.requested_total)],
        )
        plan_ceremony(coordinator, held_on=TODAY + datetime.timedelta(days=10 + index))
        Task.objects.create(
            beneficiary=person,
            title=f"Appeler {index}",
            due_on=TODAY - datetime.timedelta(days=index),
            assignee=coordinator if index % 2 else None,
        )
        OutboxMessage.objects.create(
            reason="test", to=f"p{index}@example.org", subject="Copie", body="-", status="failed"
        )
        ending = Convention.objects.create(
            reference=f"END-{centre.pk}-{Convention.objects.count()}",
            title="Convention qui se termine",
            starts_on=datetime.date(2024, 1, 1),
            ends_on=TODAY + datetime.timedelta(days=30),
            envelope=Decimal("1000.00"),
            status=Convention.Status.ACTIVE,
        )
        ending.provinces.add(centre.province)


def blocks(user, language="en"):
    with translation.override(language):
        panel = today_panel(user, TODAY)
    return {block.key: block for block in panel.blocks}


def queries(user) -> int:
    with CaptureQueriesContext(connection) as captured, translation.override("ar"):
        panel = today_panel(user, TODAY)
        for block in panel.blocks:
            list(block.items)
    return len(captured)


@pytest.fixture
def world(users, centre):
    grow(users, centre, 1)


def test_each_role_has_its_blocks_and_auditors_none(users, world):
    assert list(blocks(users["coordinator"])) == [
        "visits",
        "returned",
        "consent",
        "ceremony_wait",
        "certificates",
        "tasks",
    ]
    assert list(blocks(users["regional"])) == ["inbox", "ceremonies"]
    assert list(blocks(users["official"])) == ["ceremonies"]
    assert list(blocks(users["national"])) == ["inbox", "outbox", "conventions"]
    assert today_panel(users["auditor"], TODAY) is None


def test_the_visits_block_counts_overdue_and_this_weeks_visits_with_name_phone_and_lateness(
    users, centre, world
):
    person = BeneficiaryFactory(
        centre=centre, by=users["coordinator"], first_name_latin="Omar", last_name_latin="Fassi"
    )
    # Handed over three months before the day after tomorrow: its first visit is due then.
    handed_over = datetime.date(2026, 3, 17)
    project = equipped(make_project(person, users["coordinator"]), users, handed_over)
    soon = project.visits.order_by("due_on").first()
    assert soon.due_on == TODAY + datetime.timedelta(days=2)
    expected = FollowUpVisit.objects.filter(
        done_on=None,
        due_on__lte=TODAY + datetime.timedelta(days=7),
        project__beneficiary__centre=centre,
        project__status__in=[Status.EQUIPPED, Status.FOLLOW_UP],
    )
    block = blocks(users["coordinator"])["visits"]
    # The world's project has its 3- and 6-month visits overdue.
    assert block.count == expected.count() == 3
    late, _later, due = block.items
    overdue = expected.order_by("due_on").first()
    assert late.url == f"/projects/{overdue.project_id}/visits/{overdue.pk}/"
    assert late.late and late.note == f"{(TODAY - overdue.due_on).days} days late"
    assert late.phone == "06 12 34 56 78" and late.dial == "+212612345678"
    assert (due.title, due.late) == ("Omar Fassi", False)
    assert due.note == f"due on {soon.due_on:%d/%m/%Y}"
    arabic = blocks(users["coordinator"], "ar")["visits"].items[0]
    assert arabic.title == "فاطمة الزهراء"
    assert f"{LRI}{(TODAY - overdue.due_on).days}{PDI}" in arabic.note


def test_a_recorded_visit_leaves_the_panel(users, world):
    first, second = FollowUpVisit.objects.filter(done_on=None, due_on__lt=TODAY)
    services.visit_record(
        visit=first,
        by=users["coordinator"],
        data={"done_on": TODAY, "kind": "phone", "business_active": True},
    )
    [left] = blocks(users["coordinator"])["visits"].items
    assert left.url.endswith(f"/visits/{second.pk}/")


def test_the_coordinators_blocks_match_an_independent_count(users, centre, world):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    Consent.objects.create(
        beneficiary=person,
        given_on=TODAY,
        collected_by=users["coordinator"],
        language="ar",
        text_id=1,
    )
    found = blocks(users["coordinator"])
    consented = Consent.objects.filter(withdrawn_on=None).values("beneficiary")
    assert (
        found["consent"].count
        == Beneficiary.objects.filter(centre=centre).exclude(pk__in=consented).count()
    )
    assert person.file_number not in [item.code for item in found["consent"].items]
    assert found["consent"].items[0].url.endswith("/consent/")
    assert found["returned"].count == LifeProject.objects.filter(status=Status.RETURNED).count()
    assert found["ceremony_wait"].count == (
        LifeProject.objects.filter(
            status__in=[Status.APPROVED, Status.FUNDED], handover__isnull=True
        ).count()
    )
    assert found["certificates"].count == (
        Handover.objects.filter(ceremony__status="held").count() - Certificate.objects.count()
    )
    assert found["certificates"].items[0].note == "1 certificate to issue"
    assert found["tasks"].count == Task.objects.filter(status="open").count() == 1


def test_tasks_assigned_to_a_colleague_are_not_in_the_panel(users, centre, world):
    from reintegration.tests.factories import UserFactory

    colleague = UserFactory(coordinator=True, centre=centre)
    Task.objects.update(assignee=colleague)
    assert blocks(users["coordinator"])["tasks"].count == 0
    assert blocks(colleague)["tasks"].count == 1


def test_the_regional_and_official_blocks_match_an_independent_count(users, world):
    regional = blocks(users["regional"])
    assert regional["inbox"].count == LifeProject.objects.filter(status=Status.SUBMITTED).count()
    assert regional["ceremonies"].count == 1
    official = blocks(users["official"])["ceremonies"]
    assert official.count == 1
    # Aggregates only: the place and how many people, never a name or a file number.
    [planned] = official.items
    assert planned.note.endswith("0 beneficiaries")
    assert "Zahra" not in repr(official)


def test_the_national_blocks_match_an_independent_count(users, world):
    national = blocks(users["national"])
    assert national["inbox"].count == (
        LifeProject.objects.filter(status=Status.AWAITING_NATIONAL).count()
    )
    assert national["outbox"].count == OutboxMessage.objects.filter(status="failed").count()
    assert national["outbox"].items[0].url == "/outbox/"
    [ending] = national["conventions"].items
    assert ending.code.startswith("END-")
    assert ending.url == f"/conventions/{Convention.objects.get(reference=ending.code).pk}/"


def test_a_convention_is_watched_from_ninety_per_cent_of_its_envelope(users, convention):
    # The test convention ends in 2030; only its consumption can bring it to the panel.
    assert blocks(users["national"])["conventions"].count == 0
    Convention.objects.filter(pk=convention.pk).update(committed=Decimal("8999999.99"))
    assert blocks(users["national"])["conventions"].count == 0
    Convention.objects.filter(pk=convention.pk).update(committed=Decimal("9000000.00"))
    assert blocks(users["national"])["conventions"].count == 1


def test_the_home_page_shows_the_panel_live_above_the_figures(client, users, world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    client.force_login(users["coordinator"])
    html = client.get("/").content.decode()
    assert html.index('id="today"') < html.index('id="dashboard"')
    assert 'id="today-visits"' in html
    assert 'id="today-tasks"' in html
    Task.objects.update(status="done")
    html = client.get("/").content.decode()
    assert 'id="today-tasks"' not in html


def test_the_auditors_home_page_has_no_panel(client, users):
    client.force_login(users["auditor"])
    assert 'id="today"' not in client.get("/").content.decode()
