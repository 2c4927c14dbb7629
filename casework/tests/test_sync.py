"""The system's tasks: one per milestone that needs action, written once, settled when the
milestone is gone (casework.services.tasks_sync and the sources the apps register)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries import services as files
from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory, consent_text
from casework import milestones, services
from casework.models import Task
from casework.tests.conftest import add_task, in_days
from projects import services as projects
from projects.tests.factories import approved, equipped, make_project
from reintegration.formatting import LRI, PDI
from reintegration.models import AuditEntry, Notification

pytestmark = pytest.mark.django_db


def give_consent(person, by):
    return files.consent_record(
        beneficiary=person,
        by=by,
        data={
            "given_on": timezone.localdate(),
            "language": "ar",
            "text": consent_text(),
            "scan": SimpleUploadedFile("signed.pdf", PDF_BYTES),
        },
    )


def open_tasks(kind=None):
    tasks = Task.objects.open()
    if kind:
        tasks = tasks.filter(kind=kind)
    return list(tasks.order_by("pk"))


def test_a_file_without_consent_gets_one_task_however_often_the_sync_runs(person, users):
    assert services.tasks_sync() == (1, 0)
    assert services.tasks_sync() == (0, 0)
    [task] = open_tasks()
    assert (task.kind, task.subject, task.beneficiary, task.project) == (
        "consent_missing",
        f"file:{person.pk}",
        person,
        None,
    )
    assert task.due_on == timezone.localdate(person.created_at)
    # The person's referent (the coordinator who opened the file) gets it.
    assert task.assignee == person.referent is not None
    assert milestones.link(task) == reverse("consent_add", args=[person.pk])
    with translation.override("fr"):
        assert milestones.title(task) == (
            "Recueillir le consentement de la personne et l'enregistrer"
        )


def test_recording_the_consent_settles_the_task_on_commit(
    person, users, django_capture_on_commit_callbacks
):
    services.tasks_sync()
    with django_capture_on_commit_callbacks(execute=True):
        give_consent(person, users["coordinator"])
    [task] = Task.objects.all()
    assert task.status == Task.Status.SETTLED
    assert task.closed_at is not None and task.closed_by is None
    assert services.tasks_sync() == (0, 0)


def test_opening_a_file_writes_its_consent_task_for_the_referent(
    users, centre, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    [task] = open_tasks("consent_missing")
    assert task.beneficiary == person
    # A referent (a coordinator of the file's centre) gets the tasks written afterwards.
    Beneficiary.objects.filter(pk=person.pk).update(referent=users["coordinator"])
    Task.objects.all().delete()
    services.tasks_sync(beneficiaries=[person.pk])
    assert open_tasks()[0].assignee == users["coordinator"]


def test_a_referent_who_left_the_centre_is_not_given_the_task(person, users, elsewhere):
    Beneficiary.objects.filter(pk=person.pk).update(referent=elsewhere["coordinator"])
    services.tasks_sync()
    assert open_tasks()[0].assignee is None


def test_archiving_the_file_settles_its_system_tasks_but_not_those_staff_wrote(
    person, users, django_capture_on_commit_callbacks
):
    services.tasks_sync()
    written = add_task(person, users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        files.beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="moved")
    statuses = dict(Task.objects.values_list("kind", "status"))
    assert statuses == {"consent_missing": "settled", "manual": "open"}
    assert Task.objects.get(pk=written.pk).status == Task.Status.OPEN


@pytest.fixture
def consented(person, users):
    give_consent(person, users["coordinator"])
    return person


def test_an_overdue_visit_gets_a_task_that_recording_the_visit_settles(
    consented, users, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    project = equipped(
        make_project(consented, users["coordinator"]),
        users,
        today - datetime.timedelta(days=100),
    )
    # The ceremony's certificate is still to issue as well, and the sample of its handovers
    # to draw: a task each.
    assert services.tasks_sync() == (3, 0)
    [task] = open_tasks("visit_due")
    visit = project.visits.get(milestone_months=3)
    assert (task.kind, task.subject, task.project, task.due_on) == (
        "visit_due",
        f"visit:{visit.pk}",
        project,
        visit.due_on,
    )
    assert task.params == {"visit": visit.pk, "months": 3}
    # One click to the page that records it.
    assert milestones.link(task) == reverse("visit_record", args=[project.pk, visit.pk])
    with translation.override("en"):
        assert milestones.title(task) == "Make the 3-month follow-up visit"
    with translation.override("ar"):
        assert f"{LRI}3{PDI}" in milestones.title(task)
    with django_capture_on_commit_callbacks(execute=True):
        projects.visit_record(
            visit=visit,
            by=users["coordinator"],
            data={"done_on": today, "kind": "home", "business_active": True},
        )
    task.refresh_from_db()
    assert task.status == Task.Status.SETTLED
    assert open_tasks("visit_due") == []


def test_a_visit_due_within_the_week_gets_a_task_a_later_one_not_yet(consented, users):
    today = timezone.localdate()
    project = equipped(make_project(consented, users["coordinator"]), users, today)
    three_months = project.visits.get(milestone_months=3).due_on
    services.tasks_sync(today=three_months - datetime.timedelta(days=8))
    assert open_tasks("visit_due") == []
    services.tasks_sync(today=three_months - datetime.timedelta(days=7))
    assert len(open_tasks("visit_due")) == 1


def test_a_postponed_system_task_keeps_its_new_date_and_its_assignee(consented, users, colleague):
    today = timezone.localdate()
    equipped(
        make_project(consented, users["coordinator"]), users, today - datetime.timedelta(days=95)
    )
    services.tasks_sync()
    [task] = open_tasks("visit_due")
    task = services.task_postpone(
        task=task,
        due_on=in_days(4),
        reason="The person is travelling",
        by=users["coordinator"],
        version=1,
    )
    services.task_reassign(task=task, to=colleague, by=users["coordinator"], version=2)
    assert services.tasks_sync() == (0, 0)
    task.refresh_from_db()
    assert (task.due_on, task.assignee, task.status) == (in_days(4), colleague, "open")


def test_a_system_task_is_closed_by_its_milestone_not_by_hand(consented, users):
    from reintegration.refusals import Refused

    equipped(
        make_project(consented, users["coordinator"]),
        users,
        timezone.localdate() - datetime.timedelta(days=95),
    )
    services.tasks_sync()
    [task] = open_tasks("visit_due")
    with pytest.raises(Refused) as refused:
        services.task_done(task=task, by=users["coordinator"], version=1)
    assert refused.value.message == (
        "This task closes by itself once the work is recorded: open it and do what it asks."
    )


def test_a_returned_project_gets_a_task_that_resubmitting_settles(
    consented, users, django_capture_on_commit_callbacks
):
    project = make_project(consented, users["coordinator"])
    projects.project_submit(project=project, by=users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_return(project=project, by=users["regional"], comment="Devis manquant")
    [task] = open_tasks()
    assert (task.kind, task.subject, task.project) == (
        "project_returned",
        f"project:{project.pk}",
        project,
    )
    assert task.due_on == in_days(7)
    assert milestones.link(task) == reverse("project_detail", args=[project.pk])
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_submit(project=project, by=users["coordinator"])
    assert open_tasks() == []
    assert Task.objects.get().status == Task.Status.SETTLED


def test_an_approved_project_waits_for_a_ceremony_until_it_is_in_one(
    consented, users, django_capture_on_commit_callbacks
):
    from ceremonies import services as ceremonies
    from ceremonies.tests.factories import plan_ceremony

    with django_capture_on_commit_callbacks(execute=True):
        project = approved(make_project(consented, users["coordinator"]), users)
    [task] = open_tasks()
    assert (task.kind, task.project, task.due_on) == ("awaiting_ceremony", project, in_days(30))
    with django_capture_on_commit_callbacks(execute=True):
        projects.project_fund(project=project, by=users["national"])
    assert open_tasks() == [task]  # funding is still waiting for a ceremony
    ceremony = plan_ceremony(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        ceremonies.ceremony_add_projects(
            ceremony=ceremony, by=users["coordinator"], project_ids=[project.pk]
        )
    assert open_tasks() == []
    # The ceremony is cancelled: the project waits again, with a new task.
    with django_capture_on_commit_callbacks(execute=True):
        ceremonies.ceremony_cancel(ceremony=ceremony, by=users["coordinator"], reason="Report")
    [again] = open_tasks()
    assert again.pk != task.pk and again.kind == "awaiting_ceremony"


def test_a_held_ceremony_asks_for_certificates_until_they_are_issued(
    consented, users, no_pdf_layout, django_capture_on_commit_callbacks
):
    from ceremonies.certificates import certificates_issue

    with django_capture_on_commit_callbacks(execute=True):
        project = equipped(make_project(consented, users["coordinator"]), users, in_days(0))
    ceremony = project.handover.ceremony
    [task] = open_tasks("certificate_to_issue")
    assert (task.kind, task.subject, task.due_on) == (
        "certificate_to_issue",
        f"handover:{project.handover.pk}",
        ceremony.held_on,
    )
    assert milestones.link(task) == reverse("ceremony_detail", args=[ceremony.pk])
    with django_capture_on_commit_callbacks(execute=True):
        certificates_issue(ceremony=ceremony, by=users["coordinator"])
    assert open_tasks("certificate_to_issue") == []


def test_the_sync_reads_a_few_queries_per_source_whatever_the_number_of_files(users, centre):
    def sync_count(n):
        for _ in range(n):
            BeneficiaryFactory(centre=centre, by=users["coordinator"])
        Task.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            services.tasks_sync()
        return len(queries)

    assert sync_count(1) == sync_count(8) <= 2 * len(milestones.SOURCES) + 6


def test_the_daily_command_syncs_every_file(person, users, capsys):
    call_command("sync_tasks")
    assert capsys.readouterr().out.strip() == "Tasks created: 1; settled: 0."
    call_command("sync_tasks")
    assert capsys.readouterr().out.strip() == "Tasks created: 0; settled: 0."


def test_a_sync_limited_to_some_files_leaves_the_others_alone(users, centre):
    first = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    second = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    services.tasks_sync(beneficiaries=[first.pk])
    assert [t.beneficiary_id for t in open_tasks()] == [first.pk]
    assert services.tasks_sync(beneficiaries=[]) == (0, 0)
    services.tasks_sync(beneficiaries=[second.pk])
    assert len(open_tasks()) == 2


def test_system_tasks_are_written_without_notification_or_audit(person):
    services.tasks_sync()
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="task.").exists()


def test_anonymising_a_file_removes_what_staff_typed_on_its_tasks(person, users):
    from beneficiaries.models import Beneficiary
    from beneficiaries.services import anonymise_archived
    from reintegration import audit

    task = add_task(person, users["coordinator"], title="Call Fatima's brother")
    services.task_postpone(
        task=task, due_on=in_days(8), reason="Fatima is in Fès", by=users["coordinator"], version=1
    )
    Beneficiary.objects.filter(pk=person.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=365 * 11)
    )
    assert anonymise_archived(years=10) == 1
    task.refresh_from_db()
    assert (task.title, task.postponed_reason) == (audit.REDACTED, audit.REDACTED)
    entry = AuditEntry.objects.get(action="task.postponed")
    assert entry.changes["reason"] == audit.REDACTED
    # The retention job's own entry says which records it changed.
    summary = AuditEntry.objects.get(action="beneficiary.redacted")
    assert summary.changes["tasks"] == [task.pk]
    assert entry.pk in summary.changes["audit_entries"]
