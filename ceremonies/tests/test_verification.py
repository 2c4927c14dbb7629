"""Handover verification: the sample's size, the draw, the checks, the tasks they write, the
results per ceremony and per convention, and the pages."""

import datetime
import random
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import Task
from casework.services import tasks_sync
from ceremonies import verification
from ceremonies.models import VerificationCheck, VerificationRound
from ceremonies.tests.factories import held_ceremony
from projects.services import add_months
from projects.tests.factories import fund, make_project
from reintegration.formatting import format_date
from reintegration.models import AuditEntry
from reintegration.refusals import Refused

LEVELS = st.sampled_from(verification.CONFIDENCE_LEVELS)
MARGINS = st.sampled_from(verification.MARGINS)
POPULATIONS = st.integers(min_value=1, max_value=100_000)


# --- The size: a pure function --------------------------------------------------------------


@given(POPULATIONS, LEVELS, MARGINS)
def test_the_size_is_never_above_the_population_nor_below_one(population, confidence, margin):
    size = verification.sample_size(population, confidence=confidence, margin=margin)
    assert 1 <= size <= population


@given(POPULATIONS, MARGINS, LEVELS, LEVELS)
def test_more_confidence_never_asks_for_fewer(population, margin, one, other):
    low, high = sorted((one, other))
    assert verification.sample_size(
        population, confidence=low, margin=margin
    ) <= verification.sample_size(population, confidence=high, margin=margin)


@given(POPULATIONS, LEVELS, MARGINS, MARGINS)
def test_a_smaller_margin_never_asks_for_fewer(population, confidence, one, other):
    small, large = sorted((one, other))
    assert verification.sample_size(
        population, confidence=confidence, margin=large
    ) <= verification.sample_size(population, confidence=confidence, margin=small)


@given(POPULATIONS, POPULATIONS, LEVELS, MARGINS)
def test_a_larger_ceremony_never_asks_for_fewer(one, other, confidence, margin):
    small, large = sorted((one, other))
    assert verification.sample_size(
        small, confidence=confidence, margin=margin
    ) <= verification.sample_size(large, confidence=confidence, margin=margin)


@given(POPULATIONS, LEVELS, MARGINS)
def test_small_ceremonies_are_checked_whole_where_the_formula_says_so(
    population, confidence, margin
):
    # n = n0 N / (n0 + N - 1) exceeds N - 1 exactly when n0 > (N - 1)²: then everyone.
    z = verification.Z[confidence]
    n0 = z * z / 4 / Fraction(margin, 100) ** 2
    size = verification.sample_size(population, confidence=confidence, margin=margin)
    assert (size == population) == (n0 > (population - 1) ** 2)


def test_known_sizes_match_a_hand_computation():
    # 95 %, 5 %: n0 = 1.96² × 0.25 / 0.05² = 3.8416 × 0.25 / 0.0025 = 384.16.
    # N = 100: 384.16 × 100 / (384.16 + 99) = 38416 / 483.16 = 79.51... -> 80.
    assert verification.sample_size(100, confidence=95, margin=5) == 80
    # 95 %, 10 %: n0 = 96.04; N = 50: 4802 / 145.04 = 33.11... -> 34.
    assert verification.sample_size(50, confidence=95, margin=10) == 34
    # 90 %, 10 %: n0 = 1.645² × 25 = 67.650625; N = 200: 13530.125 / 266.650625 = 50.74 -> 51.
    assert verification.sample_size(200, confidence=90, margin=10) == 51
    # 99 %, 5 %: n0 = 2.576² × 100 = 663.5776; N = 10000: 6635776 / 10662.5776 = 622.3 -> 623.
    assert verification.sample_size(10_000, confidence=99, margin=5) == 623
    # 95 %, 5 %, N = 20: (N - 1)² = 361 < 384.16: all twenty. N = 21: 400 > 384.16: twenty.
    assert verification.sample_size(20, confidence=95, margin=5) == 20
    assert verification.sample_size(21, confidence=95, margin=5) == 20


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=60, unique=True), st.data())
def test_a_draw_is_repeatable_from_its_seed(ids, data):
    size = data.draw(st.integers(1, len(ids)))
    seed = f"{data.draw(st.integers(0, 2**128 - 1)):032x}"
    drawn = verification.draw(ids, size, seed)
    assert drawn == verification.draw(list(reversed(ids)), size, seed)
    assert len(set(drawn)) == size and set(drawn) <= set(ids)


# --- A held ceremony ------------------------------------------------------------------------


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def hold(users, centre, count, *, held_on=None, latin=None):
    coordinator = users["coordinator"]
    projects = []
    for index in range(count):
        person = BeneficiaryFactory(
            centre=centre,
            by=coordinator,
            phone=f"+2126612345{index:02d}",
            first_name_latin=(latin or "Person") + str(index),
        )
        projects.append(fund(make_project(person, coordinator), users))
    return held_ceremony(projects, users, held_on=held_on or timezone.localdate())


@pytest.fixture
def ceremony(db, users, centre, convention, english):
    """Held seven months ago, twelve beneficiaries."""
    return hold(users, centre, 12, held_on=add_months(timezone.localdate(), -7))


def record(check, by, *, received="received", equipment="in_use", comment="", version=None):
    return verification.check_record(
        check=check,
        method="phone",
        checked_on=timezone.localdate(),
        received=received,
        equipment=equipment,
        comment=comment,
        by=by,
        version=check.version if version is None else version,
    )


@pytest.mark.django_db
def test_regional_staff_draw_a_computed_sample_that_the_seed_draws_again(ceremony, users):
    drawn = verification.round_draw(
        ceremony=ceremony, months=0, by=users["regional"], confidence=95, margin=10
    )
    assert (drawn.population, drawn.size) == (12, 11)  # n0 = 96.04: 1152.48 / 107.04 -> 11
    picked = list(drawn.checks.order_by("position").values_list("handover_id", flat=True))
    population = ceremony.handovers.values_list("pk", flat=True)
    assert picked == verification.draw(population, drawn.size, drawn.seed)
    entry = AuditEntry.objects.get(action="ceremony.sample_drawn")
    assert entry.changes["seed"] == drawn.seed and entry.changes["handovers"] == picked


@pytest.mark.django_db
def test_a_round_is_drawn_once(ceremony, users):
    verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=3)
    with pytest.raises(Refused, match="already drawn"):
        verification.round_draw(ceremony=ceremony, months=0, by=users["national"], size=3)
    assert VerificationCheck.objects.count() == 3


@pytest.mark.django_db
def test_draws_are_refused_with_a_reason(ceremony, users, elsewhere):
    with pytest.raises(Refused, match="does not allow drawing"):
        verification.round_draw(ceremony=ceremony, months=0, by=users["coordinator"], size=3)
    with pytest.raises(Refused, match="outside your area"):
        verification.round_draw(ceremony=ceremony, months=0, by=elsewhere["regional"], size=3)
    with pytest.raises(Refused, match="can be drawn from"):
        verification.round_draw(ceremony=ceremony, months=12, by=users["regional"], size=3)
    with pytest.raises(Refused, match="between 1 and 12"):
        verification.round_draw(ceremony=ceremony, months=6, by=users["regional"], size=13)
    assert not VerificationRound.objects.exists()


@pytest.mark.django_db
def test_a_problem_found_writes_a_task_for_the_referent_saying_what(ceremony, users):
    coordinator = users["coordinator"]
    coordinator.language = "en"  # the task is written in its assignee's language
    coordinator.save(update_fields=["language"])
    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=2)
    first, second = drawn.checks.order_by("position")
    record(first, coordinator)
    assert not Task.objects.filter(kind=Task.MANUAL).exists()
    record(second, coordinator, received="problems", equipment="broken", comment="moteur")
    task = Task.objects.get(kind=Task.MANUAL)
    person = second.handover.project.beneficiary
    assert (task.beneficiary, task.project, task.assignee) == (
        person,
        second.handover.project,
        coordinator,
    )
    assert task.title == (
        f"Handover verification (after the ceremony) of the ceremony of "
        f"{format_date(ceremony.held_on, 'en')} found: received with problems, equipment "
        "broken. Follow it up with the person."
    )
    # Correcting the check without a new finding writes no second task.
    second.refresh_from_db()
    record(second, coordinator, received="problems", equipment="broken", comment="moteur HS")
    assert Task.objects.filter(kind=Task.MANUAL).count() == 1
    assert verification.ceremony_rounds(ceremony)[0].tally.complete


@pytest.mark.django_db
def test_checks_are_refused_with_clear_messages(ceremony, users, elsewhere):
    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=1)
    check = drawn.checks.get()
    coordinator = users["coordinator"]
    cases = [
        ({"received": "not_received", "equipment": "idle"}, coordinator, "leave the equipment"),
        ({"received": "received", "equipment": ""}, coordinator, "what became of"),
        ({"received": "problems", "equipment": "idle"}, coordinator, "what the problems are"),
        ({}, users["official"], "does not allow recording"),
        ({}, elsewhere["coordinator"], "outside your area"),
        ({}, coordinator, "Someone else saved"),
    ]
    for kwargs, by, message in cases:
        version = 99 if message == "Someone else saved" else None
        with pytest.raises(Refused, match=message):
            record(check, by, version=version, **kwargs)
    check.refresh_from_db()
    assert not check.is_checked


@pytest.mark.django_db
def test_a_check_of_a_later_sample_is_not_dated_before_its_milestone(ceremony, users):
    # A 6-month check dated a month after the ceremony says nothing of the 6 months: it was
    # a mistyped date, or the check of another sample.
    drawn = verification.round_draw(ceremony=ceremony, months=6, by=users["regional"], size=1)
    check = drawn.checks.get()
    due = verification.due_on(ceremony, 6)
    with pytest.raises(Refused) as refused:
        verification.check_record(
            check=check,
            method="phone",
            checked_on=due - datetime.timedelta(days=1),
            received="received",
            equipment="in_use",
            comment="",
            by=users["coordinator"],
            version=check.version,
        )
    assert refused.value.message == (
        f"The checks of this sample (at 6 months) cannot be dated before {format_date(due)}."
    )
    verification.check_record(
        check=check,
        method="phone",
        checked_on=due,
        received="received",
        equipment="in_use",
        comment="",
        by=users["coordinator"],
        version=check.version,
    )


@pytest.mark.django_db
def test_the_task_asking_for_a_sample_comes_with_its_milestone_and_goes_with_the_draw(
    ceremony, users, centre
):
    recent = hold(users, centre, 1, held_on=add_months(timezone.localdate(), -2))
    tasks_sync()
    due = Task.objects.filter(kind=verification.VERIFICATION_DUE, status="open")
    # Two months after: the round after the ceremony. Seven months after: the 6-month round;
    # the first one is no longer asked for (six months late), the 12-month one not yet.
    assert sorted((t.params["ceremony"], t.params["months"]) for t in due) == [
        (ceremony.pk, 6),
        (recent.pk, 0),
    ]
    assert {t.assignee for t in due} == {users["coordinator"]}
    first = ceremony.handovers.order_by("pk").first()
    assert due.get(params__months=6).beneficiary_id == first.project.beneficiary_id
    verification.round_draw(ceremony=ceremony, months=6, by=users["regional"], size=2)
    tasks_sync()
    assert [t.params["ceremony"] for t in due.all()] == [recent.pk]


def independent_counts(checks):
    """The tally counted row by row in Python."""
    done = [c for c in checks if c.checked_on is not None]
    return (
        len(checks),
        len(done),
        [sum(c.received == value for c in done) for value in VerificationCheck.Received.values],
        [sum(c.equipment == value for c in done) for value in VerificationCheck.Equipment.values],
    )


def as_counts(tally):
    return (
        tally.sampled,
        tally.checked,
        [count for _label, count, _percent in tally.received],
        [count for _label, count, _percent in tally.equipment],
    )


OUTCOMES = [
    ("received", "in_use", ""),
    ("received", "idle", ""),
    ("problems", "broken", "x"),
    ("not_received", "", ""),
    ("received", "sold", ""),
]


@pytest.mark.django_db
def test_the_figures_match_an_independent_count(ceremony, users, convention, centre):
    rng = random.Random(7)  # noqa: S311 (repeatable test data)
    for months, size in ((0, 9), (6, 5)):
        drawn = verification.round_draw(
            ceremony=ceremony, months=months, by=users["regional"], size=size
        )
        for check in drawn.checks.order_by("position")[: size - 2]:
            received, equipment, comment = rng.choice(OUTCOMES)
            record(
                check, users["coordinator"], received=received, equipment=equipment, comment=comment
            )
    # Another convention's ceremony, whose checks the first convention's section leaves out.
    other = hold(users, centre, 2, latin="Other")
    verification.round_draw(ceremony=other, months=0, by=users["regional"], size=2)
    for summary in verification.ceremony_rounds(ceremony):
        if summary.round is None:
            continue
        checks = list(VerificationCheck.objects.filter(round=summary.round))
        assert as_counts(summary.tally) == independent_counts(checks)
        done = summary.tally.checked
        for _label, count, percent in summary.tally.received:
            assert percent == str(round(Fraction(count * 100, done)))
    paid = {a.project_id for a in convention.allocations.filter(disbursed__gt=0)}
    by_milestone = dict(verification.convention_tally(convention))
    for months, label in VerificationRound.Milestone.choices:
        checks = [
            c
            for c in VerificationCheck.objects.filter(round__months=months).select_related(
                "handover"
            )
            if c.handover.project_id in paid
        ]
        if checks:
            assert as_counts(by_milestone[str(label)]) == independent_counts(checks)


@pytest.mark.django_db
def test_the_results_cost_the_same_queries_whatever_the_number_of_rounds_and_checks(
    ceremony, users, convention
):
    def cost():
        with CaptureQueriesContext(connection) as queries:
            verification.ceremony_rounds(ceremony)
            verification.convention_tally(convention)
        return len(queries)

    before = cost()
    for months in (0, 6):
        drawn = verification.round_draw(
            ceremony=ceremony, months=months, by=users["regional"], size=6
        )
        for check in drawn.checks.all():
            record(check, users["coordinator"])
    assert cost() == before == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_drawing_one_round_at_once_draw_it_once(
    reference_data, users, centre, convention
):
    import threading

    from django.db import connections

    ceremony = hold(users, centre, 4)
    barrier = threading.Barrier(2)
    outcomes = []

    def draw(user):
        try:
            barrier.wait(timeout=30)
            with translation.override("en"):
                verification.round_draw(ceremony=ceremony, months=0, by=user, size=2)
            outcomes.append("drawn")
        except Refused as error:
            outcomes.append("refused" if "already drawn" in error.message else error.message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=draw, args=(users[role],)) for role in ("regional", "national")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["drawn", "refused"], outcomes
    assert VerificationRound.objects.count() == 1
    assert VerificationCheck.objects.count() == 2


@pytest.mark.django_db
def test_anonymising_a_file_clears_the_comments_of_its_checks(ceremony, users):
    from beneficiaries.models import Beneficiary
    from beneficiaries.services import anonymise_archived
    from reintegration import audit

    drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=2)
    first, second = drawn.checks.order_by("position")
    record(first, users["coordinator"], received="problems", equipment="idle", comment="Fatima")
    record(second, users["coordinator"], comment="Youssef")
    person = first.handover.project.beneficiary
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    assert anonymise_archived(years=10) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.comment, first.received) == (audit.REDACTED, "problems")
    assert second.comment == "Youssef"
    summary = AuditEntry.objects.get(action="beneficiary.redacted")
    assert summary.changes["verification_checks"] == [first.pk]
    assert not AuditEntry.objects.filter(changes__icontains="Fatima").exists()
