"""Every outcome of ``ceremonies.outcomes`` compared with the same outcome counted one object at
a time in plain Python (``outcome_counts``, written from docs/outcomes.md) on files, handovers,
visits, closures and placements made through the services and factories."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import outcomes
from ceremonies.tests import outcome_counts as by_hand
from partners import services as money
from partners.models import Convention, LedgerMovement
from projects import services
from projects.models import LifeProject, Placement, PlacementCheck
from projects.tests.factories import make_project
from reintegration.tests.worlds import built_once, make_centre, make_convention, make_users

pytestmark = pytest.mark.django_db

# (months since the handover, days more, visits {milestone: (active, re-incarcerated on: days
# after the handover, or "12m"/"12m-1" for the day 12 months after it or the day before)},
# closure (outcome, exit reason) or None, convention)
STORIES = [
    (1, 0, {}, None, "A"),
    (4, 3, {3: (True, None)}, None, "A"),
    (7, 10, {3: (True, None), 6: (True, None)}, None, "A"),
    (7, 40, {6: (False, 150)}, ("failed", "reincarcerated"), "A"),
    (8, 0, {}, None, "A"),  # every visit overdue: unknown, never a failure
    (13, 5, {6: (True, None), 12: (True, None)}, None, "A"),
    (13, 20, {6: (True, None), 12: (False, None)}, ("failed", "business_failed"), "A"),
    (14, 0, {6: (True, None)}, None, "A"),  # the 12-month visit overdue
    (15, 0, {6: (True, None), 12: (True, "12m-1")}, None, "A"),  # within 12 months, just
    (20, 0, {6: (True, None), 12: (True, "12m")}, ("active", "moved_away"), "A"),  # not within
    (26, 0, {6: (True, None), 12: (True, None), 24: (True, None)}, ("active", "completed"), "A"),
    (27, 15, {6: (False, None)}, ("failed", "business_failed"), "A"),
    (25, 0, {12: (True, None), 24: (False, 400)}, ("failed", "reincarcerated"), "A"),
    (2, 0, {}, None, "B"),  # a convention too young for 12 months
    (5, 0, {3: (True, None)}, None, "B"),
    (13, 0, {6: (False, None), 12: (False, 200)}, ("failed", "reincarcerated"), "C"),
    (14, 0, {6: (False, None)}, ("failed", "deceased"), "C"),
]
# (months since the start, days more, checks: (months after the start, days more, employed),
# months after the start it ended, or None)
PLACEMENTS = [
    (2, 0, [], None),  # too young for both milestones
    (7, 0, [(6, 0, True)], None),
    (7, 0, [(5, 2, True), (6, 10, False)], None),  # the last check of the window decides
    (8, 0, [(3, 0, True)], None),  # no check in the window: not known
    (9, 0, [], 4),  # ended before 6 months, no check: not employed
    (13, 0, [(6, 0, True), (11, 5, True)], None),
    (14, 0, [(6, 0, True), (12, 20, False)], None),
    (20, 0, [(7, 0, True), (13, 0, True)], None),  # 7 months: still in the 6-month window
]


def _another_convention(like: Convention, reference: str) -> Convention:
    """A convention like ``like`` (fresh: nothing charged to it yet) under another reference."""
    provinces = list(like.provinces.all())
    like.pk, like.reference = None, reference
    like.save()
    like.provinces.set(provinces)
    return like


def _handed_over(person, users, convention, handover):
    coordinator, regional, national = (users[r] for r in ("coordinator", "regional", "national"))
    project = make_project(person, coordinator)
    services.project_submit(project=project, by=coordinator)
    project.refresh_from_db()
    services.project_approve(
        project=project, by=regional, allocations=[(convention, project.requested_total)]
    )
    services.project_fund(project=project, by=national)
    project.refresh_from_db()
    # What a held ceremony does to each of its projects (ceremonies.services.ceremony_hold).
    with transaction.atomic():
        money.disburse(project=project, amount=project.approved_total, by=national)
        services.project_equip(project=project, by=national, handover_date=handover)
    project.refresh_from_db()
    return project


def tell(centre, users, conventions, today):
    """Every story once: a file, its project handed over, its visits, its closure; then the
    placements with their checks."""
    coordinator = users["coordinator"]
    for months, days, visits, closure, code in STORIES:
        handover = services.add_months(today, -months) - datetime.timedelta(days=days)
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        project = _handed_over(person, users, conventions[code], handover)
        for visit in project.visits.order_by("milestone_months"):
            if visit.milestone_months not in visits:
                continue
            active, back = visits[visit.milestone_months]
            if back == "12m":
                back_on = services.add_months(handover, 12)
            elif back == "12m-1":
                back_on = services.add_months(handover, 12) - datetime.timedelta(days=1)
            else:
                back_on = handover + datetime.timedelta(days=back) if back else None
            services.visit_record(
                visit=visit,
                by=coordinator,
                data={
                    "done_on": visit.due_on,
                    "kind": "home",
                    "business_active": active,
                    "equipment_in_use": active,
                    "reincarcerated_on": back_on,
                    "reincarceration_source": "الأسرة" if back_on else "",
                },
            )
        if closure:
            project.refresh_from_db()
            outcome, reason = closure
            services.project_close(
                project=project, by=coordinator, outcome=outcome, exit_reason=reason, reason="—"
            )
    for months, days, checks, ended in PLACEMENTS:
        started = services.add_months(today, -months) - datetime.timedelta(days=days)
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        placement = Placement.objects.create(
            beneficiary=person,
            employer="Atelier Nord",
            job="Soudeur",
            started_on=started,
            ended_on=services.add_months(started, ended) if ended else None,
            created_by=coordinator,
        )
        for after, more, employed in checks:
            PlacementCheck.objects.create(
                placement=placement,
                checked_on=services.add_months(started, after) + datetime.timedelta(days=more),
                employed=employed,
                recorded_by=coordinator,
            )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    def build():
        centre = make_centre()
        users = make_users(centre)
        make_convention(centre)
        test = Convention.objects.get(reference="CPDH-TNG-TEST")
        conventions = {
            "A": test,
            "B": _another_convention(Convention.objects.get(pk=test.pk), "CPDH-TNG-JEUNE"),
            "C": _another_convention(Convention.objects.get(pk=test.pk), "CPDH-TNG-ECHEC"),
        }
        tell(centre, users, conventions, timezone.localdate())
        return {"centre": centre, "users": users, "conventions": conventions}

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def today():
    return timezone.localdate()


def handed_over():
    return list(LifeProject.objects.filter(handover_date__isnull=False).order_by("pk"))


def test_the_stories_reach_every_case(world, today):
    """The world has what the comparisons need: known, unknown, too young and edge cases."""
    found = outcomes.project_outcomes(LifeProject.objects.all(), today)
    business = {row["months"]: row for row in found["business"]}
    assert business[6]["unknown"] and business[6]["inactive"] and business[6]["active"]
    assert business[24]["eligible"] == 3
    reincarceration = {row["months"]: row for row in found["reincarceration"]}
    assert reincarceration[12]["reincarcerated"] == 2 and reincarceration[24]["reincarcerated"] == 1


def test_business_active_is_the_count_by_hand(world, today):
    projects = handed_over()
    found = outcomes.project_outcomes(LifeProject.objects.all(), today)["business"]
    for row in found:
        eligible, active, stopped = by_hand.business_counts(projects, today, row["months"])
        assert (row["eligible"], row["active"], row["inactive"]) == (eligible, active, stopped)
        assert row["unknown"] == eligible - active - stopped
        assert row["share"] == (Decimal(active) / (active + stopped) if active + stopped else None)


def test_an_overdue_visit_is_unknown_not_a_failure(world, today):
    overdue = LifeProject.objects.filter(visits__done_on__isnull=True).exclude(
        visits__done_on__isnull=False
    )
    only = outcomes.project_outcomes(overdue.filter(status="equipped"), today)["business"]
    six = next(row for row in only if row["months"] == 6)
    assert six["eligible"] >= 1 and six["inactive"] == 0 and six["unknown"] == six["eligible"]


def test_reincarceration_is_the_count_by_hand(world, today):
    projects = handed_over()
    found = outcomes.project_outcomes(LifeProject.objects.all(), today)["reincarceration"]
    for row in found:
        eligible, back = by_hand.reincarceration_counts(projects, today, row["months"])
        assert (row["eligible"], row["reincarcerated"]) == (eligible, back)
        assert row["not_reincarcerated"] == eligible - back


def test_a_reincarceration_twelve_months_to_the_day_is_not_within_twelve_months(world, today):
    twelve_to_the_day = LifeProject.objects.filter(outcome="active", exit_reason="moved_away")
    found = outcomes.project_outcomes(twelve_to_the_day, today)["reincarceration"]
    assert [(r["months"], r["reincarcerated"]) for r in found] == [(12, 0), (24, 0)]
    # Handed over 20 months ago: too young for 24 months, so not counted there at all.
    assert [r["eligible"] for r in found] == [1, 0]


def test_cohorts_are_the_count_by_hand(world, today):
    projects = handed_over()
    visits = by_hand.visits_of(projects)
    rows = outcomes.cohorts(LifeProject.objects.all(), today)
    quarters = sorted(
        {(p.handover_date.year, (p.handover_date.month - 1) // 3 + 1) for p in projects}
    )
    assert [(r.year, r.quarter) for r in rows] == quarters
    for row in rows:
        members = [
            p
            for p in projects
            if (p.handover_date.year, (p.handover_date.month - 1) // 3 + 1)
            == (row.year, row.quarter)
        ]
        assert row.size == len(members)
        last_month = 3 * row.quarter
        last_day = datetime.date(row.year, last_month, calendar.monthrange(row.year, last_month)[1])
        for cell in row.active:
            young = last_day > by_hand.months_back(today, cell.months)
            assert cell.too_young == young
            if not young:
                states = [by_hand.business_state(p, visits[p.pk], cell.months) for p in members]
                known = states.count(True) + states.count(False)
                assert (cell.count, cell.known) == (states.count(True), known)
                assert cell.share == (Decimal(states.count(True)) / known if known else None)
            else:
                assert cell.share is None
        for cell in row.reincarcerated:
            young = last_day > by_hand.months_back(today, cell.months)
            assert cell.too_young == young
            if not young:
                back = sum(
                    by_hand.reincarcerated_within(p, visits[p.pk], cell.months) for p in members
                )
                assert cell.share == Decimal(back) / len(members)
        assert row.reincarcerated_ever == sum(
            any(v.reincarcerated_on for v in visits[p.pk]) for p in members
        )
    # The newest cohorts are too young for 24 months: shown as such, not as zero.
    assert rows[-1].active[-1].too_young and rows[-1].active[-1].share is None


def test_employment_is_the_count_by_hand(world, today):
    placements = list(Placement.objects.prefetch_related("checks"))
    for row in outcomes.employment(Placement.objects.all(), today):
        eligible, employed, not_employed = by_hand.employment_counts(
            placements, today, row["months"]
        )
        assert (row["eligible"], row["employed"], row["not_employed"]) == (
            eligible,
            employed,
            not_employed,
        )
        assert row["unknown"] == eligible - employed - not_employed
    six = outcomes.employment(Placement.objects.all(), today)[0]
    assert six["employed"] and six["not_employed"] and six["unknown"]


def test_closures_are_counted_by_exit_reason(world):
    expected = Counter(
        p.exit_reason or None for p in LifeProject.objects.all() if p.status == "closed"
    )
    found = dict(outcomes.exit_reasons(LifeProject.objects.all()))
    assert {reason: n for reason, n in found.items() if n} == {
        (LifeProject.ExitReason(r) if r else None): n for r, n in expected.items()
    }
    assert found[LifeProject.ExitReason.BUSINESS_FAILED] == 2
    assert found[LifeProject.ExitReason.WITHDREW] == 0


def _half_up(amount: Decimal, count: int) -> Decimal:
    centimes = Fraction(int(amount * 100), count)
    whole = int(centimes)
    if centimes - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


def test_the_cost_per_sustained_outcome_of_each_convention_is_the_count_by_hand(world, today):
    conventions = list(Convention.objects.order_by("reference"))
    found = outcomes.convention_outcomes({c.pk: c.disbursed for c in conventions}, today)
    projects = handed_over()
    visits = by_hand.visits_of(projects)
    for convention in conventions:
        paid = [
            p
            for p in projects
            if p.allocations.filter(convention=convention, released_at__isnull=True).exists()
        ]
        disbursed = sum(
            (
                m.amount
                for m in LedgerMovement.objects.filter(convention=convention, kind="disburse")
            ),
            Decimal("0.00"),
        )
        old = [p for p in paid if by_hand.old_enough(p.handover_date, 12, today)]
        active = sum(by_hand.business_state(p, visits[p.pk], 12) is True for p in old)
        free = sum(not by_hand.reincarcerated_within(p, visits[p.pk], 12) for p in old)
        row = found[convention.pk]
        assert row.disbursed == disbursed
        assert row.beneficiaries == len({p.beneficiary_id for p in paid})
        assert (row.eligible_people, row.active, row.not_reincarcerated) == (len(old), active, free)
        assert row.per_active.amount == (_half_up(disbursed, active) if active else None)
        assert row.per_not_reincarcerated.amount == (_half_up(disbursed, free) if free else None)
    by_reference = {c.reference: found[c.pk] for c in conventions}
    # Nothing handed over 12 months ago: too young, not zero, and no division.
    assert by_reference["CPDH-TNG-JEUNE"].per_active.missing == "too_young"
    assert by_reference["CPDH-TNG-JEUNE"].disbursed > 0
    # Old enough, but no business active at 12 months: nothing to divide by.
    assert by_reference["CPDH-TNG-ECHEC"].per_active.missing == "none"
    assert by_reference["CPDH-TNG-ECHEC"].per_not_reincarcerated.amount is not None
    assert by_reference["CPDH-TNG-TEST"].per_active.amount is not None


def test_every_outcome_costs_the_same_queries_for_twice_the_files(world, today):
    conventions = world["conventions"]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            outcomes.project_outcomes(LifeProject.objects.all(), today)
            outcomes.cohorts(LifeProject.objects.all(), today)
            outcomes.employment(Placement.objects.all(), today)
            outcomes.exit_reasons(LifeProject.objects.all())
            outcomes.convention_outcomes({c.pk: c.disbursed for c in conventions.values()}, today)
        return len(captured)

    once = queries()
    assert once == 5
    tell(world["centre"], world["users"], conventions, today)
    assert queries() == once


@given(
    centimes=st.integers(min_value=0, max_value=99_999_999_999_999),
    count=st.integers(min_value=1, max_value=1_000_000),
)
def test_the_cost_division_is_exact_to_the_centime_half_up(centimes, count):
    amount = Decimal(centimes).scaleb(-2)
    result = outcomes.per(amount, count)
    assert isinstance(result, Decimal) and result.as_tuple().exponent == -2
    assert result == _half_up(amount, count)
    # Never more than half a centime from the exact quotient.
    assert abs(Fraction(result) - Fraction(amount) / count) <= Fraction(1, 200)


def test_the_cost_division_refuses_a_zero_count():
    with pytest.raises(ValueError):
        outcomes.per(Decimal("100.00"), 0)


def test_half_a_centime_rounds_up():
    assert outcomes.per(Decimal("0.01"), 2) == Decimal("0.01")
    assert outcomes.per(Decimal("1000.00"), 3) == Decimal("333.33")
    assert outcomes.per(Decimal("2.00"), 3) == Decimal("0.67")
    assert outcomes.per(Decimal("0.05"), 2) == Decimal("0.03")
