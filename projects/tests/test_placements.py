"""Placements in employment: recorded, ended (after a confirmation), and checked at the
follow-up visits in the visit's own transaction."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from projects import placements
from projects.models import Placement, PlacementCheck
from projects.referral_forms import PlacementCheckForm, VisitPlacementsForm
from projects.tests.factories import equipped, make_project
from projects.tests.referral_factories import accepted, days_ago, place, refer
from reintegration.models import AuditEntry
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> str:
    with pytest.raises(Refused) as caught, translation.override("en"):
        call(**kwargs)
    return caught.value.message


def test_a_placement_is_recorded_checked_and_ended(person, users):
    coordinator = users["coordinator"]
    referral = accepted(person, coordinator, referred_on=days_ago(250))
    job = place(person, coordinator, started_on=days_ago(200), referral=referral)
    assert (job.employer, job.job, job.monthly_pay, job.referral) == (
        "Tanger Textile SARL",
        "Couturier",
        Decimal("3500.00"),
        referral,
    )
    check = placements.placement_check(
        placement=job,
        checked_on=days_ago(20),
        answer=placements.Answer(employed=True, monthly_pay=Decimal("3800.50")),
        by=coordinator,
    )
    assert (check.employed, check.monthly_pay, check.visit) == (True, Decimal("3800.50"), None)
    # The same day again replaces the answer rather than adding a second one.
    placements.placement_check(
        placement=job,
        checked_on=days_ago(20),
        answer=placements.Answer(employed=True, monthly_pay=Decimal("3900.00")),
        by=coordinator,
    )
    assert list(job.checks.values_list("monthly_pay", flat=True)) == [Decimal("3900.00")]
    ended = placements.placement_end(placement=job, ended_on=days_ago(5), by=coordinator, version=1)
    assert (ended.ended_on, ended.version) == (days_ago(5), 2)
    assert list(
        AuditEntry.objects.filter(action__startswith="placement.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["placement.created", "placement.checked", "placement.checked", "placement.ended"]


def test_the_placement_services_refuse_what_does_not_fit(person, users):
    coordinator = users["coordinator"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(Refused, match="once the job has started"), translation.override("en"):
        place(person, coordinator, started_on=tomorrow)
    waiting = refer(person, coordinator)
    with pytest.raises(Refused, match="Only an accepted referral"), translation.override("en"):
        place(person, coordinator, referral=waiting)
    job = place(person, coordinator, started_on=days_ago(100))
    with translation.override("en"):
        start = placements.format_date(days_ago(100))
    assert refused(
        placements.placement_check,
        placement=job,
        checked_on=days_ago(101),
        answer=placements.Answer(employed=True),
        by=coordinator,
    ) == (f"The job started on {start}: a check cannot come before it.")
    placements.placement_check(
        placement=job,
        checked_on=days_ago(10),
        answer=placements.Answer(employed=True),
        by=coordinator,
    )
    with translation.override("en"):
        checked = placements.format_date(days_ago(10))
    assert refused(
        placements.placement_end, placement=job, ended_on=days_ago(30), by=coordinator
    ) == (f"The person still held this job on {checked}, as checked then: give a later end date.")
    assert (
        refused(placements.placement_end, placement=job, ended_on=tomorrow, by=coordinator)
        == "The end date cannot be in the future."
    )
    placements.placement_end(placement=job, ended_on=days_ago(2), by=coordinator)
    with pytest.raises(Refused, match="already ended"), translation.override("en"):
        placements.placement_end(placement=job, ended_on=days_ago(1), by=coordinator)
    with pytest.raises(Refused, match="has ended"), translation.override("en"):
        placements.placement_check(
            placement=job,
            checked_on=days_ago(1),
            answer=placements.Answer(employed=False),
            by=coordinator,
        )
    with pytest.raises(Refused, match="You may not"), translation.override("en"):
        place(person, users["regional"])


@pytest.fixture
def followed(person, users):
    """A person with an equipped project, whose 3-month visit is overdue, and a job."""
    project = equipped(make_project(person, users["coordinator"]), users, days_ago(100))
    return project, project.visits.get(milestone_months=3)


def visit_data(**extra):
    return {
        "done_on": days_ago(1).strftime("%d/%m/%Y"),
        "kind": "home",
        "business_active": "true",
        "equipment_in_use": "true",
        "version": "1",
        **extra,
    }


def test_the_visit_asks_about_each_open_placement_and_saves_the_answers_with_it(
    client, person, users, followed
):
    project, visit = followed
    coordinator = users["coordinator"]
    job = place(person, coordinator, started_on=days_ago(90))
    gone = place(person, coordinator, started_on=days_ago(91))
    placements.placement_end(placement=gone, ended_on=days_ago(40), by=coordinator)
    client.force_login(coordinator)
    url = reverse("visit_record", args=[project.pk, visit.pk])
    page = client.get(url)
    html = page.content.decode()
    assert list(page.context["jobs"].fields) == [f"employed_{job.pk}", f"pay_{job.pk}"]
    # "Still employed?" starts empty.
    assert f'name="employed_{job.pk}"' in html
    assert page.context["jobs"][f"employed_{job.pk}"].value() is None
    response = client.post(
        url, visit_data(**{f"employed_{job.pk}": "true", f"pay_{job.pk}": "3 500,00"})
    )
    assert response.status_code == 302
    [check] = PlacementCheck.objects.all()
    assert (check.placement, check.visit, check.checked_on, check.employed, check.monthly_pay) == (
        job,
        visit,
        days_ago(1),
        True,
        Decimal("3500.00"),
    )
    # Corrected later: the visit's answer is shown again, and replaced, not duplicated.
    page = client.get(url)
    assert page.context["jobs"][f"employed_{job.pk}"].value() == "true"
    client.post(
        url, visit_data(version="2", **{f"employed_{job.pk}": "false", f"pay_{job.pk}": ""})
    )
    check = PlacementCheck.objects.get()
    assert (check.employed, check.monthly_pay) == (False, None)


def test_a_missing_answer_keeps_the_visit_and_what_was_typed(client, person, users, followed):
    project, visit = followed
    job = place(person, users["coordinator"], started_on=days_ago(90))
    client.force_login(users["coordinator"])
    url = reverse("visit_record", args=[project.pk, visit.pk])
    response = client.post(
        url, visit_data(difficulties="Clients rares", **{f"pay_{job.pk}": "3 500,00"})
    )
    assert response.status_code == 200
    assert set(response.context["jobs"].errors) == {f"employed_{job.pk}"}
    html = response.content.decode()
    assert "Clients rares" in html and "3 500,00" in html
    visit.refresh_from_db()
    assert visit.done_on is None


def test_a_visit_dated_before_a_job_started_is_not_asked_about_it(client, person, users, followed):
    # Visits are often typed in days later: a job that started after the visit's day has
    # nothing to answer at that visit, and must not keep the visit from being recorded.
    project, visit = followed
    coordinator = users["coordinator"]
    early = place(person, coordinator, started_on=days_ago(90))
    late = place(person, coordinator, started_on=days_ago(3))
    client.force_login(coordinator)
    url = reverse("visit_record", args=[project.pk, visit.pk])
    response = client.post(
        url,
        visit_data(
            done_on=days_ago(5).strftime("%d/%m/%Y"),
            **{f"employed_{early.pk}": "true", f"employed_{late.pk}": "true"},
        ),
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.done_on == days_ago(5)
    [check] = PlacementCheck.objects.all()
    assert (check.placement, check.visit, check.checked_on) == (early, visit, days_ago(5))
    # Corrected, the visit asks again about the job that had started by then only.
    page = client.get(url)
    assert list(page.context["jobs"].fields) == [f"employed_{early.pk}", f"pay_{early.pk}"]


def test_a_refused_check_saves_neither_the_visit_nor_any_answer(client, person, users, followed):
    project, visit = followed
    coordinator = users["coordinator"]
    job = place(person, coordinator, started_on=days_ago(90))
    client.force_login(coordinator)
    response = client.post(
        reverse("visit_record", args=[project.pk, visit.pk]),
        visit_data(**{f"employed_{job.pk}": "true", f"pay_{job.pk}": "-1"}),
    )
    assert response.status_code == 200
    assert set(response.context["jobs"].errors) == {f"pay_{job.pk}"}
    visit.refresh_from_db()
    assert visit.done_on is None
    assert not PlacementCheck.objects.exists()


def test_the_visit_service_refuses_answers_for_placements_that_changed_meanwhile(
    person, users, followed
):
    _project, visit = followed
    coordinator = users["coordinator"]
    job = place(person, coordinator, started_on=days_ago(90))
    place(person, coordinator, started_on=days_ago(80))  # added since the page was opened
    with (
        pytest.raises(Refused, match="changed since the page was opened"),
        translation.override("en"),
    ):
        placements.visit_record_with_checks(
            visit=visit,
            by=coordinator,
            data={"done_on": days_ago(1), "kind": "home", "business_active": True},
            version=None,
            answers={job.pk: placements.Answer(employed=True)},
        )
    visit.refresh_from_db()
    assert visit.done_on is None


def test_a_placement_is_recorded_through_its_page(client, person, users):
    referral = accepted(person, users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("placement_create", args=[person.pk])
    form = client.get(url).context["form"]
    assert form["referral"].value() is None  # starts on "none"
    response = client.post(
        url,
        {
            "employer": "Renault Tanger Med",
            "job": "Cariste",
            "started_on": days_ago(3).strftime("%d/%m/%Y"),
            "monthly_pay": "3 500,00",
            "referral": referral.pk,
        },
    )
    assert response.status_code == 302
    job = Placement.objects.get()
    assert (job.employer, job.monthly_pay, job.referral, job.created_by) == (
        "Renault Tanger Med",
        Decimal("3500.00"),
        referral,
        users["coordinator"],
    )


def test_ending_a_placement_asks_first_and_keeps_a_wrong_date(client, person, users):
    job = place(person, users["coordinator"], started_on=days_ago(60))
    client.force_login(users["coordinator"])
    url = reverse("placement_end", args=[job.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="confirm"' in page.content.decode()
    fingerprint = page.context["confirmation"].fingerprint
    wrong = days_ago(61).strftime("%d/%m/%Y")
    response = client.post(
        url, {"confirmed": "1", "fingerprint": fingerprint, "ended_on": wrong, "version": "1"}
    )
    assert response.status_code == 400
    assert wrong in response.content.decode()
    job.refresh_from_db()
    assert job.ended_on is None
    response = client.post(
        url,
        {
            "confirmed": "1",
            "fingerprint": fingerprint,
            "ended_on": days_ago(1).strftime("%d/%m/%Y"),
            "version": "1",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.ended_on == days_ago(1)


def test_a_check_is_recorded_through_its_page(client, person, users):
    job = place(person, users["coordinator"], started_on=days_ago(60))
    client.force_login(users["coordinator"])
    url = reverse("placement_check", args=[job.pk])
    assert client.get(url).context["form"]["employed"].value() is None
    bad = client.post(
        url,
        {"checked_on": days_ago(1).strftime("%d/%m/%Y"), "employed": "false", "monthly_pay": "10"},
    )
    assert set(bad.context["form"].errors) == {"monthly_pay"}
    client.post(
        url,
        {
            "checked_on": days_ago(1).strftime("%d/%m/%Y"),
            "employed": "true",
            "monthly_pay": "3 600",
        },
    )
    check = PlacementCheck.objects.get()
    assert (check.employed, check.monthly_pay, check.recorded_by) == (
        True,
        Decimal("3600.00"),
        users["coordinator"],
    )


def moroccan(amount: Decimal, grouping: str) -> str:
    whole, cents = f"{amount:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{grouping.join(groups)},{cents}"


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2),
    grouping=st.sampled_from(["", " ", ".", "\u00a0"]),
)
def test_a_pay_typed_the_moroccan_way_is_read_exactly(amount, grouping):
    typed = moroccan(amount, grouping)
    check = PlacementCheckForm(
        {"checked_on": "01/01/2026", "employed": "true", "monthly_pay": typed}
    )
    assert check.is_valid(), (typed, check.errors)
    assert check.cleaned_data["monthly_pay"] == amount
    visit = VisitPlacementsForm(
        {"employed_7": "true", "pay_7": typed}, placements=[Placement(pk=7)]
    )
    assert visit.is_valid(), (typed, visit.errors)
    assert visit.answers()[7].monthly_pay == amount


def test_the_same_placement_recorded_twice_is_refused(person, users):
    coordinator = users["coordinator"]
    first = place(person, coordinator, started_on=days_ago(10))
    with translation.override("en"):
        expected = (
            "This placement is already recorded (Couturier at Tanger Textile SARL, since "
            f"{placements.format_date(days_ago(10))})."
        )
    assert (
        refused(
            placements.placement_create,
            beneficiary=person,
            employer=" tanger textile sarl ",
            job="COUTURIER",
            started_on=days_ago(10),
            monthly_pay=None,
            by=coordinator,
        )
        == expected
    )
    assert list(Placement.objects.all()) == [first]


def test_anonymising_the_file_clears_the_employers_of_its_placements(person, users):
    # The employer typed in is often a relative or a small shop of the person's street: it
    # points to them as surely as their name. The job, dates and pay stay for the figures.
    from beneficiaries.models import Beneficiary
    from beneficiaries.services import anonymise_archived
    from reintegration import audit

    job = place(person, users["coordinator"])
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    assert anonymise_archived(years=10) == 1
    job.refresh_from_db()
    assert (job.employer, job.job, job.monthly_pay) == (
        audit.REDACTED,
        "Couturier",
        Decimal("3500.00"),
    )
    summary = AuditEntry.objects.get(action="beneficiary.redacted")
    assert summary.changes["placements"] == [job.pk]
