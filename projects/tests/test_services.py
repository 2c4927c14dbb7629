import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import translation

from projects import services
from projects.models import Decision, FollowUpVisit, LifeProject, Status
from projects.tests.factories import charge, decide, equipped, fund, make_project
from reintegration import notifications
from reintegration.concurrency import ConcurrentEdit
from reintegration.models import AuditEntry, OutboxMessage, User
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # The messages below are pinned in the source language; the catalogues are tested elsewhere.
    with translation.override("en"):
        yield


def step(project, user, action, **data):
    if action == "approve":
        project.refresh_from_db()
        data.setdefault("allocations", charge(project))
    return decide(project, user, action, **data)


def test_the_total_is_the_sum_of_the_lines_to_the_centime(person, users):
    project = make_project(
        person,
        users["coordinator"],
        lines=[("آلة", "2", "6800.00"), ("أقمشة", "3.5", "120.33"), ("مقص", "1", "85.50")],
    )
    # 13,600.00 + 421.155 -> 421.16 + 85.50
    assert project.requested_total == Decimal("14106.66")


def test_a_submission_needs_a_diagnosis_lines_and_a_justification_above_the_ceiling(person, users):
    coordinator = users["coordinator"]
    project = make_project(person, coordinator, lines=(), market_fit="")
    with pytest.raises(Refused) as error:
        step(project, coordinator, "submit")
    assert error.value.message == (
        "Complete the diagnosis and the plan before submitting: market fit."
    )
    services.project_update(
        project=project, by=coordinator, version=project.version, data={"market_fit": "x"}
    )
    with pytest.raises(Refused, match="at least one budget line"):
        step(project, coordinator, "submit")
    project.refresh_from_db()
    services.budget_line_save(
        project=project,
        by=coordinator,
        version=project.version,
        data={
            "designation": "دراجة",
            "category": "vehicle",
            "quantity": 1,
            "unit_price": Decimal("36000"),
        },
    )
    with pytest.raises(Refused, match="exceeds the ceiling"):
        step(project, coordinator, "submit")
    project.refresh_from_db()
    services.project_update(
        project=project,
        by=coordinator,
        version=project.version,
        data={"ceiling_justification": "ضروري"},
    )
    assert step(project, coordinator, "submit").status == Status.SUBMITTED


def test_regional_staff_approve_within_their_ceiling(project, users, settings):
    settings.REGIONAL_APPROVAL_CEILING = Decimal("40000")
    step(project, users["coordinator"], "submit")
    approved = step(project, users["regional"], "approve", comment="ok")
    assert (approved.status, approved.approved_total) == (Status.APPROVED, Decimal("13600.00"))
    assert list(Decision.objects.values_list("from_status", "to_status", "actor__username")) == [
        ("draft", "submitted", users["coordinator"].username),
        ("submitted", "approved", users["regional"].username),
    ]


def test_above_the_regional_ceiling_headquarters_must_approve_too(project, users, settings):
    settings.REGIONAL_APPROVAL_CEILING = Decimal("10000")
    step(project, users["coordinator"], "submit")
    with pytest.raises(Refused, match="Your role does not allow"):
        step(project, users["national"], "approve")
    assert step(project, users["regional"], "approve").status == Status.AWAITING_NATIONAL
    assert LifeProject.objects.get().approved_total is None
    approved = step(project, users["national"], "approve")
    assert approved.status == Status.APPROVED
    assert AuditEntry.objects.filter(action="project.approve_regional").count() == 1


@pytest.mark.parametrize("action", ["return", "reject"])
def test_returning_or_rejecting_needs_a_comment(project, users, action):
    step(project, users["coordinator"], "submit")
    with pytest.raises(Refused, match="Write a comment"):
        step(project, users["regional"], action, comment="  ")
    decided = step(project, users["regional"], action, comment="عرض أثمان ثان")
    assert decided.status == {"return": Status.RETURNED, "reject": Status.REJECTED}[action]
    entry = AuditEntry.objects.get(action=f"project.{action}")
    assert entry.changes["comment"] == "عرض أثمان ثان"


def test_a_second_approval_is_told_the_project_was_already_decided(project, users):
    step(project, users["coordinator"], "submit")
    stale = LifeProject.objects.get(pk=project.pk)
    step(project, users["regional"], "approve")
    with pytest.raises(Refused) as error:
        step(stale, users["national"], "approve")
    assert error.value.message == "This project was already decided: it is now approved."
    assert Decision.objects.filter(action="approve").count() == 1


def test_an_approval_outside_the_region_is_refused(project, users, elsewhere):
    step(project, users["coordinator"], "submit")
    with pytest.raises(Refused) as error:
        step(project, elsewhere["regional"], "approve")
    assert error.value.message == "This project is outside your area of work."


def test_one_open_project_per_person(project, person, users):
    with pytest.raises(Exception, match="already has an open project"):
        make_project(person, users["coordinator"])
    with pytest.raises(IntegrityError), transaction.atomic():
        LifeProject.objects.create(beneficiary=person, title="x", created_by=users["coordinator"])


def test_equipping_schedules_visits_and_the_first_visit_starts_follow_up(project, users):
    equipped(project, users, datetime.date(2025, 8, 31))
    visits = list(FollowUpVisit.objects.order_by("milestone_months"))
    assert [(v.milestone_months, v.due_on) for v in visits] == [
        (3, datetime.date(2025, 11, 30)),
        (6, datetime.date(2026, 2, 28)),
        (12, datetime.date(2026, 8, 31)),
        (24, datetime.date(2027, 8, 31)),
    ]
    assert project.beneficiary.__class__.objects.get().status == "equipped"
    overdue = list(services.overdue_visits(users["regional"], today=datetime.date(2026, 3, 1)))
    assert [v.milestone_months for v in overdue] == [3, 6]
    services.visit_record(
        visit=visits[0],
        by=users["coordinator"],
        data={
            "done_on": datetime.date(2025, 12, 2),
            "kind": "workplace",
            "business_active": True,
            "monthly_income": Decimal("3200"),
            "equipment_in_use": True,
        },
    )
    assert LifeProject.objects.get().status == Status.FOLLOW_UP
    overdue = list(services.overdue_visits(users["coordinator"], today=datetime.date(2026, 3, 1)))
    assert [v.milestone_months for v in overdue] == [6]
    closed = step(
        project,
        users["coordinator"],
        "close",
        outcome="active",
        exit_reason="completed",
        reason="نهاية التتبع",
    )
    assert (closed.status, closed.outcome) == (Status.CLOSED, "active")


def test_the_centre_is_told_by_mail_through_the_outbox(project, users, run_jobs):
    User.objects.filter(pk=users["coordinator"].pk).update(
        email="samira@example.org", language="fr"
    )
    step(project, users["coordinator"], "submit")
    step(project, users["regional"], "return", comment="devis manquant")
    # Written with the decision, sent by the worker.
    message = OutboxMessage.objects.get(to="samira@example.org")
    assert (message.reason, message.status) == ("notification.project.return", "pending")
    assert mail.outbox == []
    run_jobs()
    assert [m.to for m in mail.outbox] == [["samira@example.org"]]
    assert mail.outbox[0].subject == "Projet de vie renvoyé au centre"
    assert f"Le projet de vie du dossier {project.beneficiary.file_number}" in mail.outbox[0].body
    message.refresh_from_db()
    assert message.status == "sent"
    # The same event is in the coordinator's inbox, linking to the project, in any language.
    [note] = notifications.inbox(users["coordinator"])
    assert note.url == f"/projects/{project.pk}/"
    with translation.override("ar"):
        assert "أُعيد مشروع الحياة" in notifications.text(note)


def test_a_decision_rolled_back_leaves_no_message(project, users):
    User.objects.filter(pk=users["coordinator"].pk).update(email="samira@example.org")
    step(project, users["coordinator"], "submit")
    with pytest.raises(RuntimeError), transaction.atomic():
        step(project, users["regional"], "return", comment="devis manquant")
        raise RuntimeError
    assert not OutboxMessage.objects.filter(to="samira@example.org").exists()


def test_budget_changes_after_submission_are_refused(project, users):
    step(project, users["coordinator"], "submit")
    with pytest.raises(Refused, match="can no longer be changed"):
        services.budget_line_save(
            project=project,
            by=users["coordinator"],
            version=2,
            data={"designation": "x", "category": "tools", "quantity": 1, "unit_price": 1},
        )


def test_a_stale_plan_edit_is_refused(project, users):
    version = project.version
    services.project_update(
        project=project, by=users["coordinator"], version=version, data={"location": "a"}
    )
    with pytest.raises(ConcurrentEdit):
        services.project_update(
            project=project, by=users["national"], version=version, data={"location": "b"}
        )
    assert LifeProject.objects.get().location == "a"


def test_a_rejected_project_lets_the_person_start_again(project, person, users):
    step(project, users["coordinator"], "submit")
    step(project, users["regional"], "reject", comment="non")
    assert make_project(person, users["coordinator"]).status == Status.DRAFT


def test_headquarters_hears_of_a_project_that_awaits_it(project, users, settings, run_jobs):
    settings.REGIONAL_APPROVAL_CEILING = Decimal("10000")
    User.objects.filter(pk=users["national"].pk).update(email="hq@example.org")
    User.objects.filter(pk=users["coordinator"].pk).update(email="centre@example.org")
    step(project, users["coordinator"], "submit")
    step(project, users["regional"], "approve")
    run_jobs()
    assert [m.to for m in mail.outbox] == [["hq@example.org"]]


def test_only_who_may_hold_a_ceremony_records_the_handover(project, users):
    fund(project, users)
    for role in ("coordinator", "official", "auditor"):
        with pytest.raises(Refused) as error:
            services.project_equip(
                project=project, by=users[role], handover_date=datetime.date(2026, 1, 15)
            )
        assert error.value.message in (
            "Your role does not allow this action on this project.",
            "This project is outside your area of work.",  # officials see no project
        )
    assert not FollowUpVisit.objects.exists()
    equipped_now = services.project_equip(
        project=project, by=users["regional"], handover_date=datetime.date(2026, 1, 15)
    )
    assert (equipped_now.status, equipped_now.handover_date) == (
        Status.EQUIPPED,
        datetime.date(2026, 1, 15),
    )
    assert FollowUpVisit.objects.count() == 4
    with pytest.raises(Refused) as error:
        services.project_equip(
            project=project, by=users["national"], handover_date=datetime.date(2026, 1, 16)
        )
    assert error.value.message == "This project was already decided: it is now equipped."


def test_the_visit_schedule_keeps_the_day_or_the_month_end(settings):
    settings.FOLLOW_UP_MILESTONES = [1, 12]
    assert services.visit_schedule(datetime.date(2024, 1, 31)) == [
        (1, datetime.date(2024, 2, 29)),
        (12, datetime.date(2025, 1, 31)),
    ]


def test_only_the_project_stages_that_the_person_reaches_change_their_status():
    assert services.person_status(Status.SUBMITTED) == "project"
    assert services.person_status(Status.FUNDED) == "funded"
    # Back to the centre, waiting for headquarters, approved or rejected: still at the project.
    for status in (Status.RETURNED, Status.AWAITING_NATIONAL, Status.APPROVED, Status.REJECTED):
        assert services.person_status(status) is None
