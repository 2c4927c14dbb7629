"""generate_scale at a tiny size: the rows it writes without the services must hold every
invariant the services keep."""

import itertools
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaries.models import Beneficiary
from ceremonies.models import Ceremony, Handover, HandoverItem, HandoverItemSerial
from dashboard import summary
from dashboard.models import CentreFigures
from dashboard.selectors import DASHBOARD_ROLES, Filters, _figures, can_view_dashboard
from partners.models import Allocation, Contribution, Convention, LedgerMovement, Tranche
from projects import services
from projects.models import OPEN_STATUSES, BudgetLine, Decision, FollowUpVisit, LifeProject, Status
from reintegration.models import Centre, User
from reintegration.tests.worlds import built_once, make_centre, make_convention

pytestmark = pytest.mark.django_db

COUNTS = {
    "beneficiaries": 120,
    "projects": 70,
    "lines": 230,
    "visits": 200,
    "conventions": 16,
    "ceremonies": 20,
}
ZERO = Decimal("0.00")
HANDED = (Status.EQUIPPED, Status.FOLLOW_UP, Status.CLOSED)
# The states each decision may start from, as the services check them (the first visit recorded
# moves an equipped project to follow-up).
STARTS_FROM = {
    "submit": services.SUBMIT_FROM,
    "approve": services.APPROVE_FROM,
    "return": services.RETURN_FROM,
    "reject": services.REJECT_FROM,
    "fund": services.FUND_FROM,
    "equip": services.EQUIP_FROM,
    "follow_up": (Status.EQUIPPED,),
    "close": services.CLOSE_FROM,
    "abandon": services.ABANDON_FROM,
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Generated once for the module (see worlds.py), on top of the projects tests' own
    convention, which must come out untouched: its primary key."""

    def build():
        convention = make_convention(make_centre())
        call_command("generate_scale", *(f"--{key}={value}" for key, value in COUNTS.items()))
        return convention.pk

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def convention(world, db):
    return Convention.objects.get(pk=world)


@pytest.fixture
def generated(convention):
    return Convention.objects.exclude(pk=convention.pk)


def test_the_requested_counts(generated):
    assert Beneficiary.objects.count() == COUNTS["beneficiaries"]
    assert LifeProject.objects.count() == COUNTS["projects"]
    assert BudgetLine.objects.count() == COUNTS["lines"]
    assert FollowUpVisit.objects.count() == COUNTS["visits"]
    assert generated.count() == COUNTS["conventions"]
    assert Ceremony.objects.count() == COUNTS["ceremonies"]
    handed = LifeProject.objects.filter(handover_date__isnull=False)
    assert handed.count() == COUNTS["visits"] // 4
    # Files in every region; projects in every state the inbox and dashboard show.
    regions = Beneficiary.objects.values("centre__province__region").distinct().count()
    assert regions == 12
    statuses = set(LifeProject.objects.values_list("status", flat=True))
    assert {Status.SUBMITTED, Status.FOLLOW_UP, Status.CLOSED} <= statuses


def test_budgets_add_up_and_approvals_are_charged(generated):
    totals = defaultdict(lambda: ZERO)
    for line in BudgetLine.objects.all():
        assert line.quantity > 0 and line.unit_price > 0
        totals[line.project_id] += line.total
    for project in LifeProject.objects.all():
        assert project.requested_total == totals[project.pk]
        assert project.requested_total.as_tuple().exponent == -2
        charged = Allocation.objects.filter(project=project)
        unreleased = sum((a.amount for a in charged if a.released_at is None), ZERO)
        if project.approved_total is None:
            assert not charged
            continue
        assert project.approved_total == project.requested_total
        assert sum((a.amount for a in charged), ZERO) == project.approved_total
        gone_back = project.status == Status.REJECTED or project.outcome == "abandoned"
        assert unreleased == (ZERO if gone_back else project.approved_total)
        for allocation in charged:
            # Only conventions covering the person's province pay for them.
            covered = allocation.convention.provinces.values_list("pk", flat=True)
            assert project.beneficiary.residence_province_id in covered
        if project.requested_total > Decimal("40000"):
            assert project.decisions.filter(to_status=Status.AWAITING_NATIONAL).exists()


def test_conventions_hold_their_money(generated):
    for convention in Convention.objects.all():
        allocations = Allocation.objects.filter(convention=convention)
        committed = sum(
            (a.amount if a.released_at is None else a.disbursed for a in allocations), ZERO
        )
        disbursed = sum((a.disbursed for a in allocations), ZERO)
        assert convention.committed == committed
        assert convention.disbursed == disbursed
        assert ZERO <= convention.disbursed <= convention.committed <= convention.envelope
        moves = Counter()
        for movement in LedgerMovement.objects.filter(convention=convention):
            moves[movement.kind] += movement.amount
        assert moves["commit"] - moves["release"] == committed
        assert moves["disburse"] == disbursed
    for convention in generated:
        cash = Contribution.objects.filter(convention=convention, kind="cash")
        assert sum((c.amount for c in cash), ZERO) == convention.envelope
        tranches = Tranche.objects.filter(convention=convention)
        assert sum((t.amount for t in tranches), ZERO) <= convention.envelope
    assert generated.filter(status=Convention.Status.ACTIVE).exists()


def test_ceremonies_hand_over_what_was_approved(generated):
    today = timezone.localdate()
    for ceremony in Ceremony.objects.select_related("centre"):
        assert ceremony.province_id == ceremony.centre.province_id
        covered = set(ceremony.conventions.values_list("provinces", flat=True))
        assert ceremony.province_id in covered
        if ceremony.status == Ceremony.Status.HELD:
            assert ceremony.held_on <= today and ceremony.held_by_id
        elif ceremony.status == Ceremony.Status.PLANNED:
            assert ceremony.held_on > today
        else:
            assert not ceremony.handovers.exists() and ceremony.cancel_reason
    for handover in Handover.objects.select_related("ceremony", "project__beneficiary"):
        project, ceremony = handover.project, handover.ceremony
        items = HandoverItem.objects.filter(handover=handover).prefetch_related("serials")
        assert handover.total == sum((i.total for i in items), handover.cheque_amount or ZERO)
        # A serial for every unit of a machine, or none.
        assert all(len(i.serials.all()) in (0, i.quantity) for i in items)
        assert handover.total == project.approved_total
        assert project.beneficiary.centre_id == ceremony.centre_id
        paying = set(project.allocations.values_list("convention", flat=True))
        assert paying <= set(ceremony.conventions.values_list("pk", flat=True))
        if ceremony.status == Ceremony.Status.HELD:
            assert project.status in HANDED and project.handover_date == ceremony.held_on
            assert all(a.disbursed == a.amount for a in project.allocations.all())
        else:
            assert project.status in (Status.APPROVED, Status.FUNDED)
            assert all(a.disbursed == ZERO for a in project.allocations.all())
    handed = LifeProject.objects.filter(handover_date__isnull=False)
    assert handed.count() == Handover.objects.filter(ceremony__status="held").count()
    assert HandoverItemSerial.objects.filter(unit=2).exists()  # lines of two machines


def test_visits_follow_the_handover(generated):
    today = timezone.localdate()
    for project in LifeProject.objects.filter(handover_date__isnull=False):
        visits = list(project.visits.order_by("milestone_months"))
        assert [v.milestone_months for v in visits] == [3, 6, 12, 24]
        done = [v for v in visits if v.done_on]
        schedule = services.visit_schedule(project.handover_date)
        assert [(v.milestone_months, v.due_on) for v in visits] == schedule
        for visit in done:
            assert project.handover_date < visit.done_on <= today
            assert visit.business_active is not None and visit.monthly_income is not None
            if visit.reincarcerated_on:
                assert not visit.business_active
        if not done:
            assert project.status == Status.EQUIPPED
        elif project.status == Status.CLOSED:
            assert project.outcome in ("active", "failed")
        else:
            assert project.status == Status.FOLLOW_UP
    assert not FollowUpVisit.objects.filter(project__handover_date__isnull=True).exists()


def test_histories_and_people_match_their_projects(generated):
    open_projects = Counter(
        LifeProject.objects.filter(status__in=OPEN_STATUSES).values_list("beneficiary", flat=True)
    )
    assert max(open_projects.values()) == 1
    for project in LifeProject.objects.select_related("beneficiary"):
        person = project.beneficiary
        assert not person.is_archived
        assert person.created_at < project.created_at <= project.updated_at
        decisions = list(Decision.objects.filter(project=project).order_by("created_at", "pk"))
        if project.status == Status.DRAFT:
            assert not decisions and project.submitted_at is None
            continue
        assert project.created_at < project.submitted_at
        assert decisions[0].from_status == Status.DRAFT
        assert decisions[-1].to_status == project.status
        for before, after in itertools.pairwise(decisions):
            assert before.to_status == after.from_status
        for decision in decisions:
            assert decision.from_status in STARTS_FROM[decision.action], decision
        # The person's status is the one their project's last step that sets one gave them.
        reached = [services.person_status(d.to_status) for d in decisions]
        assert person.status == next(s for s in reversed(reached) if s)
    # The inbox has something waiting, submitted in the past.
    waiting = LifeProject.objects.filter(status=Status.SUBMITTED)
    assert waiting.exists()
    assert all(p.submitted_at < timezone.now() for p in waiting)


def test_the_application_continues_after_the_generated_rows(generated):
    person = Beneficiary.objects.filter(projects__isnull=True, archived_at__isnull=True).first()
    coordinator = User.objects.get(role="coordinator", centre=person.centre_id)
    project = services.project_create(beneficiary=person, by=coordinator, data={"title": "Atelier"})
    assert project.pk > max(LifeProject.objects.exclude(pk=project.pk).values_list("pk", flat=True))


def test_the_dashboard_figures_are_kept_for_every_scope(generated):
    """The generator ends by computing every centre's kept figures: each role's dashboard
    reads them (no centre computed again) and they are the figures computed live."""
    assert CentreFigures.objects.count() == Centre.objects.count()
    computed = dict(CentreFigures.objects.values_list("pk", "computed_at"))
    readers = User.objects.filter(is_active=True).order_by("pk")
    roles = set()
    for reader in readers:
        if not can_view_dashboard(reader):
            continue
        with CaptureQueriesContext(connection) as queries:
            figures, _key = summary.figures_for(reader, Filters())
        # The rows, the waiting projects, the conventions, the centres' versions, and the cost
        # per sustained outcome when the cache (the database's here) has it not yet.
        assert (
            len(
                [
                    q
                    for q in queries
                    if "cache_table" not in q["sql"] and "SAVEPOINT" not in q["sql"]
                ]
            )
            <= 6
        ), reader
        live = _figures(reader, Filters())
        for block in ("people", "projects", "money", "outcomes"):
            assert figures[block] == live[block], (reader.username, block)
        roles.add(reader.role)
    assert roles == set(DASHBOARD_ROLES)
    assert dict(CentreFigures.objects.values_list("pk", "computed_at")) == computed


def test_it_refuses_a_production_database(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="production"):
        call_command("generate_scale", "--beneficiaries=0", "--projects=1")
