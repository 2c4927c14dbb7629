"""Tasks written, closed, postponed and reassigned by staff (casework/services.py)."""

import pytest
from django.utils import translation

from casework import selectors, services
from casework.models import Task
from casework.tests.conftest import add_task, in_days
from reintegration import notifications
from reintegration.concurrency import ConcurrentEdit
from reintegration.formatting import LRI, PDI
from reintegration.models import AuditEntry, Notification
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


def test_a_coordinator_gives_a_colleague_a_task_and_the_colleague_is_told(person, users, colleague):
    task = add_task(
        person, users["coordinator"], title="  Call   the employer ", assignee=colleague
    )
    task.refresh_from_db()
    assert (task.kind, task.title, task.status, task.due_on) == (
        Task.MANUAL,
        "Call the employer",
        Task.Status.OPEN,
        in_days(3),
    )
    assert (task.assignee, task.created_by, task.version) == (colleague, users["coordinator"], 1)
    entry = AuditEntry.objects.get(action="task.created")
    assert entry.target_label == f"{person.file_number} #{task.pk}"
    # The title may name the person: it is not copied into the append-only log.
    assert "employer" not in str(entry.changes)
    [told] = Notification.objects.filter(recipient=colleague)
    assert (told.kind, told.url, told.actor) == ("task.assigned", "/tasks/", users["coordinator"])
    with translation.override("en"):
        assert notifications.text(told) == (
            f"A task on the file {person.file_number} was assigned to you, due on "
            f"{in_days(3):%d/%m/%Y}."
        )
    with translation.override("ar"):
        assert f"{LRI}{person.file_number}{PDI}" in notifications.text(told)


def test_a_task_one_gives_oneself_notifies_nobody(person, users):
    add_task(person, users["coordinator"], assignee=users["coordinator"])
    assert not Notification.objects.exists()


def test_a_coordinator_cannot_give_a_task_to_a_coordinator_of_another_centre(
    person, users, elsewhere
):
    other = elsewhere["coordinator"]
    with pytest.raises(Refused) as refused:
        add_task(person, users["coordinator"], assignee=other)
    assert refused.value.message == (
        f"{other.get_full_name()} cannot be given this task: choose a coordinator of the file's "
        "centre or regional staff of its region."
    )
    assert not Task.objects.exists()
    assert not Notification.objects.exists()


def test_regional_staff_of_the_region_may_be_given_a_task_but_not_of_another(
    person, users, elsewhere
):
    task = add_task(person, users["coordinator"], assignee=users["regional"])
    assert task.assignee == users["regional"]
    with pytest.raises(Refused):
        add_task(person, users["coordinator"], assignee=elsewhere["regional"])
    # Nor headquarters, an official or an inactive colleague.
    for outsider in (users["national"], users["official"]):
        with pytest.raises(Refused):
            add_task(person, users["coordinator"], assignee=outsider)


def test_an_inactive_colleague_cannot_be_given_a_task(person, users, colleague):
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])
    with pytest.raises(Refused):
        add_task(person, users["coordinator"], assignee=colleague)


@pytest.mark.parametrize(
    ("title", "days", "message"),
    [
        ("   ", 3, "Say what is to be done."),
        ("x" * 301, 3, "Say what is to be done in 300 characters or fewer."),
        ("Call", -1, "The due date has passed: choose today or a later date."),
    ],
)
def test_a_task_needs_a_title_and_a_due_date_not_passed(person, users, title, days, message):
    with pytest.raises(Refused) as refused:
        add_task(person, users["coordinator"], title=title, days=days)
    assert refused.value.message == message


def test_a_task_may_be_due_today(person, users):
    assert add_task(person, users["coordinator"], days=0).due_on == in_days(0)


def test_a_task_about_a_project_must_be_about_a_project_of_the_file(person, users):
    from beneficiaries.tests.factories import BeneficiaryFactory
    from projects.tests.factories import make_project

    other = BeneficiaryFactory(centre=person.centre, by=users["coordinator"])
    theirs = make_project(other, users["coordinator"])
    with pytest.raises(Refused) as refused:
        add_task(person, users["coordinator"], project=theirs)
    assert refused.value.message == "This life project is not on this file."
    mine = make_project(person, users["coordinator"])
    assert add_task(person, users["coordinator"], project=mine).project_id == mine.pk


@pytest.mark.parametrize("role", ["official", "auditor"])
def test_officials_and_auditors_write_no_task(person, users, role):
    with pytest.raises(Refused):
        add_task(person, users[role])


def test_staff_of_another_centre_cannot_write_on_the_file(person, elsewhere):
    with pytest.raises(Refused) as refused:
        add_task(person, elsewhere["coordinator"])
    assert refused.value.message == "This file is outside your area of work."


def test_no_task_is_added_to_an_archived_file(person, users):
    from beneficiaries.services import beneficiary_archive

    beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="moved")
    person.refresh_from_db()
    with pytest.raises(Refused):
        add_task(person, users["coordinator"])


def test_marking_a_task_done_closes_it_once(person, users):
    task = add_task(person, users["coordinator"])
    done = services.task_done(task=task, by=users["regional"], version=1)
    done.refresh_from_db()
    assert (done.status, done.closed_by, done.version) == (Task.Status.DONE, users["regional"], 2)
    assert done.closed_at is not None
    assert AuditEntry.objects.filter(action="task.done", actor=users["regional"]).count() == 1
    with pytest.raises(Refused) as refused:
        services.task_done(task=task, by=users["coordinator"], version=2)
    assert refused.value.message == "This task is already closed: it is done."


def test_a_stale_page_does_not_overwrite_a_colleagues_change(person, users):
    task = add_task(person, users["coordinator"])
    services.task_postpone(
        task=task,
        due_on=in_days(10),
        reason="The person is away",
        by=users["coordinator"],
        version=1,
    )
    with pytest.raises(ConcurrentEdit):
        services.task_done(task=task, by=users["regional"], version=1)
    with pytest.raises(ConcurrentEdit):
        services.task_reassign(task=task, to=users["regional"], by=users["regional"], version=1)
    task.refresh_from_db()
    assert (task.status, task.assignee, task.version) == (Task.Status.OPEN, None, 2)


def test_postponing_needs_a_reason_and_a_date_after_today(person, users):
    task = add_task(person, users["coordinator"])
    coordinator = users["coordinator"]
    cases = [
        (in_days(5), "  ", "Say why the task is postponed."),
        (in_days(0), "Away", "Choose a new due date after today."),
        (in_days(-2), "Away", "Choose a new due date after today."),
        (in_days(5), "x" * 301, "Say why the task is postponed in 300 characters or fewer."),
    ]
    for due_on, reason, message in cases:
        with pytest.raises(Refused) as refused:
            services.task_postpone(
                task=task, due_on=due_on, reason=reason, by=coordinator, version=1
            )
        assert refused.value.message == message
    services.task_postpone(
        task=task, due_on=in_days(9), reason="Away  until Monday", by=coordinator, version=1
    )
    task.refresh_from_db()
    assert (task.due_on, task.postponed_reason, task.version) == (
        in_days(9),
        "Away until Monday",
        2,
    )
    entry = AuditEntry.objects.get(action="task.postponed")
    assert entry.changes == {
        "due_on": [in_days(3).isoformat(), in_days(9).isoformat()],
        "reason": "Away until Monday",
    }


def test_reassigning_tells_the_new_assignee_and_stays_in_scope(person, users, colleague, elsewhere):
    coordinator = users["coordinator"]
    task = add_task(person, coordinator, assignee=coordinator)
    with pytest.raises(Refused):
        services.task_reassign(task=task, to=elsewhere["coordinator"], by=coordinator, version=1)
    services.task_reassign(task=task, to=colleague, by=coordinator, version=1)
    task.refresh_from_db()
    assert (task.assignee, task.version) == (colleague, 2)
    assert Notification.objects.get(recipient=colleague).kind == "task.assigned"
    assert AuditEntry.objects.get(action="task.reassigned").changes == {
        "assignee": [coordinator.username, colleague.username]
    }
    # Taking it oneself tells nobody; giving it to nobody leaves it for whoever takes it.
    services.task_reassign(task=task, to=coordinator, by=coordinator, version=2)
    assert not Notification.objects.filter(recipient=coordinator).exists()
    services.task_reassign(task=task, to=None, by=coordinator, version=3)
    task.refresh_from_db()
    assert task.assignee is None


def test_an_auditor_cannot_change_a_task(person, users):
    task = add_task(person, users["coordinator"])
    with pytest.raises(Refused) as refused:
        services.task_done(task=task, by=users["auditor"], version=1)
    assert refused.value.message == "Your role does not allow changing this task."


def test_a_coordinator_of_another_centre_cannot_touch_the_task(person, users, elsewhere):
    task = add_task(person, users["coordinator"])
    with pytest.raises(Refused) as refused:
        services.task_done(task=task, by=elsewhere["coordinator"], version=1)
    assert refused.value.message == "This task is outside your area of work."


def test_a_coordinator_sees_only_their_centres_tasks(person, users, elsewhere):
    from beneficiaries.tests.factories import BeneficiaryFactory

    mine = add_task(person, users["coordinator"], assignee=users["coordinator"])
    theirs_file = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    theirs = add_task(theirs_file, elsewhere["coordinator"])
    assert list(selectors.open_tasks_for(users["coordinator"], selectors.ALL)) == [mine]
    assert list(selectors.open_tasks_for(elsewhere["coordinator"], selectors.ALL)) == [theirs]
    assert list(selectors.open_tasks_for(users["regional"], selectors.ALL)) == [mine]
    assert set(selectors.open_tasks_for(users["national"], selectors.ALL)) == {mine, theirs}
    assert list(selectors.open_tasks_for(users["official"], selectors.ALL)) == []


def test_overdue_tasks_come_first_then_by_due_date(person, users):
    coordinator = users["coordinator"]
    later = add_task(person, coordinator, days=9, assignee=coordinator)
    soon = add_task(person, coordinator, days=1, assignee=coordinator)
    unassigned = add_task(person, coordinator, days=2)
    overdue = add_task(person, coordinator, days=0, assignee=coordinator)
    Task.objects.filter(pk=overdue.pk).update(due_on=in_days(-4))
    assert list(selectors.open_tasks_for(coordinator)) == [overdue, soon, later]
    assert list(selectors.open_tasks_for(coordinator, selectors.UNASSIGNED)) == [unassigned]
    assert selectors.open_task_count(coordinator) == 3
