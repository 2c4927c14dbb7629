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
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from ceremonies import outcomes
from ceremonies.tests import outcome_counts as by_hand
from ceremonies.tests.outcome_stories import build_world, tell
from partners.models import Convention, LedgerMovement
from projects.models import LifeProject, Placement
from reintegration.tests.worlds import built_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from built_once(
        django_db_blocker, tmp_path_factory, lambda: build_world(timezone.localdate())
    )


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
    assert once == 7
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
