"""Referrals of a person to a partner's service: the services' rules, the pages, the tasks
that remind the referent, the file's section and the retention job."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from beneficiaries.models import Beneficiary
from beneficiaries.services import anonymise_archived, beneficiary_archive
from beneficiaries.tests.factories import BeneficiaryFactory
from casework import milestones
from casework.models import Task
from casework.services import tasks_sync
from partners.models import PartnerService
from projects import placements, referral_milestones, referrals
from projects.models import Referral
from projects.tests.referral_factories import accepted, days_ago, make_service, place, refer
from reintegration import audit
from reintegration.models import AuditEntry
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> str:
    with pytest.raises(Refused) as caught, translation.override("en"):
        call(**kwargs)
    return caught.value.message


def test_a_referral_is_requested_then_accepted_then_its_outcome_recorded(person, users):
    coordinator = users["coordinator"]
    referral = refer(person, coordinator, referred_on=days_ago(20))
    assert (referral.status, referral.answered_on, referral.outcome) == ("requested", None, "")
    answered = referrals.referral_answer(
        referral=referral, accepted=True, answered_on=days_ago(15), by=coordinator, version=1
    )
    assert (answered.status, answered.answered_on, answered.version) == (
        "accepted",
        days_ago(15),
        2,
    )
    done = referrals.referral_outcome(
        referral=referral,
        outcome="partly",
        comment="  A suivi 3 séances sur 5 ",
        outcome_on=days_ago(1),
        by=coordinator,
        version=2,
    )
    done.refresh_from_db()
    assert (done.outcome, done.outcome_comment, done.outcome_on) == (
        "partly",
        "A suivi 3 séances sur 5",
        days_ago(1),
    )
    actions = list(
        AuditEntry.objects.filter(action__startswith="referral.")
        .order_by("pk")
        .values_list("action", "changes")
    )
    assert actions == [
        (
            "referral.created",
            {"service": referral.service_id, "referred_on": days_ago(20).isoformat()},
        ),
        ("referral.answered", {"status": "accepted", "answered_on": days_ago(15).isoformat()}),
        ("referral.outcome", {"outcome": "partly", "outcome_on": days_ago(1).isoformat()}),
    ]
    # What was asked and the comment (free text about the person) never reach the audit log.
    assert "séances" not in str(actions) and "atelier" not in str(actions)


def test_a_declined_referral_has_no_outcome(person, users):
    coordinator = users["coordinator"]
    referral = refer(person, coordinator)
    referrals.referral_answer(
        referral=referral, accepted=False, answered_on=days_ago(2), by=coordinator
    )
    message = refused(
        referrals.referral_outcome,
        referral=referral,
        outcome="achieved",
        comment="",
        outcome_on=days_ago(1),
        by=coordinator,
    )
    assert message == "The partner declined this referral: it has no outcome."


def test_the_services_refuse_what_does_not_fit(person, users):
    coordinator = users["coordinator"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    service = make_service()
    common = {"beneficiary": person, "service": service, "by": coordinator}
    assert (
        refused(referrals.referral_create, request="x", referred_on=tomorrow, **common)
        == "The date of the referral cannot be in the future."
    )
    assert (
        refused(referrals.referral_create, request="  ", referred_on=days_ago(1), **common)
        == "Say what is asked of the partner."
    )
    closed = make_service(partner=service.partner, active=False)
    assert (
        refused(
            referrals.referral_create,
            beneficiary=person,
            service=closed,
            by=coordinator,
            request="x",
            referred_on=days_ago(1),
        )
        == "This service is no longer offered: choose another one."
    )
    referral = refer(person, coordinator, referred_on=days_ago(10))
    outcome = {"outcome": "achieved", "comment": "", "outcome_on": days_ago(1), "by": coordinator}
    assert (
        refused(referrals.referral_outcome, referral=referral, **outcome)
        == "Record the partner's answer first: an outcome follows an accepted referral."
    )
    with translation.override("en"):
        earlier = referrals.format_date(days_ago(10))
    assert refused(
        referrals.referral_answer,
        referral=referral,
        accepted=True,
        answered_on=days_ago(11),
        by=coordinator,
    ) == (f"The answer cannot come before the referral, made on {earlier}.")
    referrals.referral_answer(
        referral=referral, accepted=True, answered_on=days_ago(5), by=coordinator
    )
    assert refused(
        referrals.referral_answer,
        referral=referral,
        accepted=False,
        answered_on=days_ago(1),
        by=coordinator,
    ) == ("This referral was already answered (accepted by the partner): nothing was changed.")
    assert (
        refused(
            referrals.referral_outcome, referral=referral, **{**outcome, "outcome_on": tomorrow}
        )
        == "The date of the outcome cannot be in the future."
    )
    referrals.referral_outcome(referral=referral, **outcome)
    assert (
        refused(referrals.referral_outcome, referral=referral, **outcome)
        == "The outcome of this referral is already recorded (achieved)."
    )


def test_only_the_centre_and_headquarters_refer_and_only_within_their_scope(
    person, users, elsewhere
):
    service = make_service()
    ask = {"beneficiary": person, "service": service, "request": "x", "referred_on": days_ago(1)}
    for role in ("regional", "auditor"):
        assert (
            refused(referrals.referral_create, by=users[role], **ask)
            == "You may not refer this person to a partner."
        )
    assert (
        refused(referrals.referral_create, by=elsewhere["coordinator"], **ask)
        == "This file is no longer in your lists."
    )
    assert referrals.referral_create(by=users["national"], **ask).created_by == users["national"]


def test_an_archived_file_takes_no_referral(person, users):
    beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="parti")
    with pytest.raises(Refused, match="archived"), translation.override("en"):
        refer(person, users["coordinator"])


def test_an_answer_given_by_a_colleague_meanwhile_is_detected(person, users):
    coordinator = users["coordinator"]
    referral = refer(person, coordinator)
    referrals.referral_answer(
        referral=referral, accepted=True, answered_on=days_ago(1), by=users["national"]
    )
    referral.refresh_from_db()
    with pytest.raises(Refused):
        referrals.referral_outcome(
            referral=referral,
            outcome="achieved",
            comment="",
            outcome_on=days_ago(1),
            by=coordinator,
            version=1,
        )


# The tasks that remind the referent.


def open_tasks(kind):
    return list(Task.objects.open().filter(kind=kind))


def test_a_referral_unanswered_for_two_weeks_becomes_a_task_that_the_answer_settles(
    person, users, django_capture_on_commit_callbacks
):
    coordinator = users["coordinator"]
    fresh = refer(person, coordinator, referred_on=days_ago(referral_milestones.ANSWER_DAYS - 1))
    old = refer(person, coordinator, referred_on=days_ago(referral_milestones.ANSWER_DAYS))
    tasks_sync()
    [task] = open_tasks(referral_milestones.REFERRAL_UNANSWERED)
    assert (task.subject, task.due_on, task.assignee, task.project) == (
        f"referral:{old.pk}",
        timezone.localdate(),
        person.referent,
        None,
    )
    assert milestones.link(task) == reverse("referral_answer", args=[old.pk])
    with translation.override("en"):
        assert milestones.title(task) == (
            "Ask the partner for its answer to the referral made more than 14 days ago"
        )
    assert fresh.pk != old.pk
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_answer(
            referral=old, accepted=True, answered_on=days_ago(1), by=coordinator
        )
    task.refresh_from_db()
    assert task.status == Task.Status.SETTLED
    # Accepted yesterday: its outcome is not due yet.
    assert open_tasks(referral_milestones.REFERRAL_OUTCOME) == []


def test_an_accepted_referral_without_outcome_after_a_month_becomes_a_task_the_outcome_settles(
    person, users, django_capture_on_commit_callbacks
):
    coordinator = users["coordinator"]
    days = referral_milestones.OUTCOME_DAYS
    late = accepted(person, coordinator, referred_on=days_ago(days + 5), answered_on=days_ago(days))
    accepted(person, coordinator, referred_on=days_ago(days + 5), answered_on=days_ago(days - 1))
    tasks_sync()
    [task] = open_tasks(referral_milestones.REFERRAL_OUTCOME)
    assert (task.subject, task.due_on) == (f"referral:{late.pk}", timezone.localdate())
    assert milestones.link(task) == reverse("referral_outcome", args=[late.pk])
    with django_capture_on_commit_callbacks(execute=True):
        referrals.referral_outcome(
            referral=late, outcome="achieved", comment="", outcome_on=days_ago(0), by=coordinator
        )
    task.refresh_from_db()
    assert task.status == Task.Status.SETTLED


def test_the_finders_read_one_query_whatever_the_number_of_referrals(users, centre):
    service, other = make_service(), make_service()

    def count(n):
        for _ in range(n):
            person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
            refer(person, users["coordinator"], service=service, referred_on=days_ago(60))
            accepted(person, users["coordinator"], service=other, referred_on=days_ago(60))
        with CaptureQueriesContext(connection) as queries:
            found = list(referral_milestones.referrals_unanswered(None, timezone.localdate()))
            found += list(referral_milestones.referrals_without_outcome(None, timezone.localdate()))
        return len(queries), len(found)

    assert count(1) == (2, 2)
    assert count(5) == (2, 12)


# Retention.


def test_anonymising_the_file_clears_what_was_asked_and_the_comments(person, users):
    coordinator = users["coordinator"]
    referral = accepted(person, coordinator, request="Fatima cherche un emploi de couturière")
    referrals.referral_outcome(
        referral=referral,
        outcome="achieved",
        comment="Embauchée chez son cousin",
        outcome_on=days_ago(1),
        by=coordinator,
    )
    untouched = refer(person, coordinator)
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    assert anonymise_archived(years=10) == 1
    referral.refresh_from_db()
    untouched.refresh_from_db()
    assert (referral.request, referral.outcome_comment, referral.outcome) == (
        audit.REDACTED,
        audit.REDACTED,
        "achieved",
    )
    assert (untouched.request, untouched.outcome_comment) == (audit.REDACTED, "")
    summary = AuditEntry.objects.get(action="beneficiary.redacted")
    assert summary.changes["referrals"] == sorted([referral.pk, untouched.pk])


# Pages.


def test_a_coordinator_refers_a_person_and_a_mistake_keeps_what_was_typed(client, person, users):
    service = make_service()
    client.force_login(users["coordinator"])
    url = reverse("referral_create", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    # The service starts on the blank prompt.
    assert 'value="" selected' in page.content.decode()
    typed = {"service": "", "request": "Atelier CV et entretien", "referred_on": "31/02/2026"}
    again = client.post(url, typed)
    assert again.status_code == 200
    form = again.context["form"]
    assert set(form.errors) == {"service", "referred_on"}
    assert "Atelier CV et entretien" in again.content.decode()
    done = client.post(
        url,
        {**typed, "service": service.pk, "referred_on": days_ago(2).strftime("%d/%m/%Y")},
    )
    assert done.status_code == 302
    assert done.url == reverse("beneficiary_detail", args=[person.pk]) + "#referrals"
    referral = Referral.objects.get()
    assert (referral.service, referral.request, referral.referred_on) == (
        service,
        "Atelier CV et entretien",
        days_ago(2),
    )


def test_the_answer_then_the_outcome_are_recorded_through_their_pages(client, person, users):
    referral = refer(person, users["coordinator"], referred_on=days_ago(10))
    client.force_login(users["coordinator"])
    answer = reverse("referral_answer", args=[referral.pk])
    assert 'value="" selected' in client.get(answer).content.decode()
    response = client.post(
        answer,
        {"answer": "accepted", "answered_on": days_ago(5).strftime("%d/%m/%Y"), "version": "1"},
    )
    assert response.status_code == 302
    # A second click on the same form is told it was already answered.
    again = client.get(answer)
    assert again.status_code == 302
    outcome = reverse("referral_outcome", args=[referral.pk])
    response = client.post(
        outcome,
        {
            "outcome": "achieved",
            "comment": "Inscrit à la formation",
            "outcome_on": days_ago(1).strftime("%d/%m/%Y"),
            "version": "2",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.outcome_comment) == (
        "accepted",
        "achieved",
        "Inscrit à la formation",
    )


def test_an_outcome_refused_by_the_service_is_shown_with_what_was_typed(client, person, users):
    referral = accepted(person, users["coordinator"], answered_on=days_ago(3))
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("referral_outcome", args=[referral.pk]),
        {
            "outcome": "achieved",
            "comment": "Commentaire tapé",
            "outcome_on": days_ago(5).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 200
    assert "Commentaire tapé" in response.content.decode()
    with translation.override("ar"):  # the coordinator's language
        expected = gettext(
            "The outcome cannot come before the partner's acceptance, on %(date)s."
        ) % {"date": referrals.format_date(days_ago(3))}
    assert response.context["form"].non_field_errors() == [expected]


def test_an_achieved_employment_referral_leads_to_recording_the_job(client, person, users):
    service = make_service(PartnerService.Kind.EMPLOYMENT, name_fr="Offre d'emploi")
    referral = accepted(person, users["coordinator"], service=service)
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("referral_outcome", args=[referral.pk]),
        {"outcome": "achieved", "outcome_on": days_ago(1).strftime("%d/%m/%Y")},
    )
    url = reverse("placement_create", args=[person.pk])
    assert response.url == f"{url}?referral={referral.pk}"
    form = client.get(response.url).context["form"]
    assert form.initial["referral"] == referral.pk
    # A referral number typed by hand that is not one (or not this person's) is ignored.
    for typed in ("abc", "99999", "١"):
        assert client.get(f"{url}?referral={typed}").context["form"].initial == {}


def test_the_file_section_lists_referrals_and_placements_in_constant_queries(client, person, users):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    url = reverse("beneficiary_detail", args=[person.pk])
    service = make_service()

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        return len(queries), page

    refer(person, coordinator, service=service)
    place(person, coordinator)
    count()  # the session's first save
    few, _ = count()
    for n in range(4):
        accepted(person, coordinator, service=make_service(partner=service.partner))
        job = place(person, coordinator, started_on=days_ago(100 + n))
        placements.placement_check(
            placement=job,
            checked_on=days_ago(10),
            answer=placements.Answer(employed=True),
            by=coordinator,
        )
    many, page = count()
    assert many == few
    section = page.context["referral_section"]
    assert len(section["referrals"]) == 5 and len(section["placements"]) == 5
    html = page.content.decode()
    assert html.count(reverse("referral_outcome", args=[section["referrals"][0].pk])) == 1
    assert 'id="referrals"' in html


def test_readers_see_the_section_without_its_buttons(client, person, users):
    refer(person, users["coordinator"])
    client.force_login(users["auditor"])
    page = client.get(reverse("beneficiary_detail", args=[person.pk]))
    html = page.content.decode()
    assert 'id="referrals"' in html
    assert 'id="refer"' not in html and "/answer/" not in html


def test_the_list_of_referrals_to_follow_up_reads_in_constant_queries_within_scope(
    client, users, centre, elsewhere
):
    service = make_service()
    client.force_login(users["coordinator"])
    url = reverse("referral_list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200
        return len(queries), page

    def file():
        return BeneficiaryFactory(centre=centre, by=users["coordinator"])

    refer(file(), users["coordinator"], service=service)
    count()  # the session's first save
    few, _ = count()
    waiting = refer(file(), users["coordinator"], service=service, referred_on=days_ago(50))
    to_record = accepted(file(), users["coordinator"], service=service)
    done = accepted(file(), users["coordinator"], service=service)
    referrals.referral_outcome(
        referral=done, outcome="achieved", comment="", outcome_on=days_ago(1), by=done.created_by
    )
    theirs = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    refer(theirs, elsewhere["coordinator"], service=service)
    many, page = count()
    assert many == few
    shown = list(page.context["page"].object_list)
    # Waiting for an answer first, the oldest first; no recorded outcome, no other centre.
    assert shown[0] == waiting and shown[-1] == to_record and len(shown) == 3
    html = page.content.decode()
    assert reverse("referral_outcome", args=[to_record.pk]) in html
    assert reverse("referral_answer", args=[waiting.pk]) in html


def test_a_second_open_referral_to_the_same_service_is_refused(person, users):
    # Save clicked twice, or a colleague referring the person at the same time: one referral.
    coordinator = users["coordinator"]
    first = refer(person, coordinator, referred_on=days_ago(3))
    message = refused(
        referrals.referral_create,
        beneficiary=person,
        service=first.service,
        request="Inscription à l'atelier",
        referred_on=days_ago(3),
        by=coordinator,
    )
    with translation.override("en"):
        day = referrals.format_date(days_ago(3))
    assert message == (
        f"This person's referral to this service, made on {day}, is still open: record its "
        "answer or outcome instead."
    )
    assert Referral.objects.count() == 1
    # Once declined, the person may be referred to it again.
    referrals.referral_answer(
        referral=first, accepted=False, answered_on=days_ago(1), by=coordinator
    )
    refer(person, coordinator, service=first.service, referred_on=days_ago(1))
    assert Referral.objects.count() == 2
