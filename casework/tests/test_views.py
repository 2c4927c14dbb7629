"""The task pages: my tasks, the tasks of a file and of a project, and the forms that add,
close, postpone and reassign them."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.tests.factories import BeneficiaryFactory
from casework import services
from casework.models import Task
from casework.tests.conftest import add_task, in_days
from projects.tests.factories import make_project
from reintegration.models import Notification
from reintegration.tests.confirming import confirm

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_my_tasks_come_overdue_first_with_a_link_to_each_file(client, person, users, colleague):
    coordinator = users["coordinator"]
    later = add_task(person, coordinator, title="Visit the workshop", days=9, assignee=coordinator)
    overdue = add_task(person, coordinator, title="Call the employer", assignee=coordinator)
    Task.objects.filter(pk=overdue.pk).update(due_on=in_days(-3))
    add_task(person, coordinator, title="Theirs", assignee=colleague)
    add_task(person, coordinator, title="Nobody's")
    client.force_login(coordinator)
    page = text(client.get(reverse("task_list")))
    assert page.index("Call the employer") < page.index("Visit the workshop")
    assert "overdue" in page
    assert "Theirs" not in page and "Nobody's" not in page
    assert reverse("beneficiary_detail", args=[person.pk]) in page
    unassigned = text(client.get(reverse("task_list") + "?show=unassigned"))
    assert "Nobody's" in unassigned and "Call the employer" not in unassigned
    everything = text(client.get(reverse("task_list") + "?show=all"))
    assert all(t in everything for t in ("Theirs", "Nobody's", "Call the employer"))
    assert later.title in text(client.get(reverse("task_list") + "?show=nonsense"))


def test_the_task_list_reads_the_same_number_of_queries_for_2_or_30_tasks(
    client, person, users, centre
):
    coordinator = users["coordinator"]
    client.force_login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("task_list") + "?show=all")
        assert response.status_code == 200
        return len(queries)

    client.get(reverse("task_list"))  # the session's first request does more
    for _ in range(2):
        add_task(person, coordinator, assignee=coordinator)
    few = count()
    assert few <= 6  # session, user, count, page (no query per row)
    for _ in range(28):
        other = BeneficiaryFactory(centre=centre, by=coordinator)
        add_task(other, coordinator, assignee=users["regional"])
    services.tasks_sync()  # and a system task for each file without consent
    assert count() == few


def test_the_file_page_shows_its_tasks_with_their_buttons_in_constant_queries(
    client, person, users
):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    url = reverse("beneficiary_detail", args=[person.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), text(response)

    client.get(url)  # the session's first request does more
    add_task(person, coordinator, title="Call the employer", assignee=coordinator)
    few, page = count()
    assert "Call the employer" in page
    assert reverse("task_add", args=[person.pk]) in page
    task = Task.objects.get()
    assert reverse("task_done", args=[task.pk]) in page
    assert reverse("task_postpone", args=[task.pk]) + "?back=file" in page
    for _ in range(5):
        add_task(person, coordinator, assignee=coordinator)
    services.tasks_sync()
    more, page = count()
    assert more == few
    assert "Collect the person's consent and record it" in page


def test_the_auditor_reads_the_tasks_without_buttons(client, person, users):
    add_task(person, users["coordinator"], title="Call the employer")
    client.force_login(users["auditor"])
    page = text(client.get(reverse("beneficiary_detail", args=[person.pk])))
    assert "Call the employer" in page
    assert "task-done" not in page and "task-postpone" not in page and "add-task" not in page


def test_the_project_page_shows_the_projects_tasks_and_adds_one_to_it(client, person, users):
    coordinator = users["coordinator"]
    project = make_project(person, coordinator)
    add_task(person, coordinator, title="About the file only")
    client.force_login(coordinator)
    page = text(client.get(reverse("project_detail", args=[project.pk])))
    assert "About the file only" not in page
    add_url = reverse("task_add", args=[person.pk]) + f"?project={project.pk}"
    assert add_url in page
    form = text(client.get(add_url))
    assert f'<option value="{project.pk}" selected>' in form
    response = client.post(
        add_url,
        {
            "title": "Ask for the supplier's quote",
            "due_on": in_days(5).isoformat(),
            "project": project.pk,
            "assignee": coordinator.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project_detail", args=[project.pk])
    task = Task.objects.get(title="Ask for the supplier's quote")
    assert (task.project, task.assignee, task.created_by) == (project, coordinator, coordinator)
    assert "Ask for the supplier's quote" in text(
        client.get(reverse("project_detail", args=[project.pk]))
    )


def test_adding_a_task_keeps_what_was_typed_when_it_is_refused(client, person, users, colleague):
    client.force_login(users["coordinator"])
    url = reverse("task_add", args=[person.pk])
    form = text(client.get(url))
    # The writer takes it by default; the people of the centre and the region are offered.
    assert f'<option value="{users["coordinator"].pk}" selected>' in form
    assert f'<option value="{colleague.pk}">' in form
    assert f'<option value="{users["regional"].pk}">' in form
    assert f'<option value="{users["national"].pk}">' not in form
    response = client.post(
        url,
        {"title": "Call the employer", "due_on": in_days(-1).isoformat(), "assignee": colleague.pk},
    )
    page = text(response)
    assert response.status_code == 200
    assert "The due date has passed: choose today or a later date." in page
    assert 'value="Call the employer"' in page
    assert f'<option value="{colleague.pk}" selected>' in page
    assert not Task.objects.exists()
    done = client.post(
        url,
        {"title": "Call the employer", "due_on": in_days(1).isoformat(), "assignee": colleague.pk},
    )
    assert done["Location"] == reverse("beneficiary_detail", args=[person.pk])
    assert Notification.objects.get().recipient == colleague


def test_a_coordinator_cannot_pick_a_coordinator_of_another_centre_in_the_form(
    client, person, users, elsewhere
):
    client.force_login(users["coordinator"])
    response = client.post(
        reverse("task_add", args=[person.pk]),
        {
            "title": "Call",
            "due_on": in_days(1).isoformat(),
            "assignee": elsewhere["coordinator"].pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Task.objects.exists()


def test_marking_done_asks_first_then_goes_back_to_the_page_it_came_from(client, person, users):
    task = add_task(person, users["coordinator"], title="Call the employer")
    client.force_login(users["coordinator"])
    url = reverse("task_done", args=[task.pk])
    asked = text(client.post(url, {"back": "file"}))
    assert "Mark this task done?" in asked
    assert f"“Call the employer”, on the file {person.file_number}." in asked
    assert Task.objects.get().status == Task.Status.OPEN
    response = confirm(client, url, {"back": "file"})
    assert response["Location"] == reverse("beneficiary_detail", args=[person.pk])
    assert Task.objects.get().status == Task.Status.DONE
    # Once done, nothing more may be done with it.
    assert client.get(url).status_code == 403
    assert client.get(reverse("task_postpone", args=[task.pk])).status_code == 403


def test_a_stale_confirmation_is_refused_with_a_message(client, person, users):
    task = add_task(person, users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("task_done", args=[task.pk])
    page = client.post(url)
    services.task_postpone(
        task=task, due_on=in_days(6), reason="Away", by=users["regional"], version=1
    )
    from reintegration.tests.confirming import carried

    response = client.post(url, {**carried(page), "confirmed": "1"}, follow=True)
    assert "Someone else saved this while you were working on it" in text(response)
    assert Task.objects.get().status == Task.Status.OPEN


def test_postponing_keeps_the_reason_typed_when_the_date_is_refused(client, person, users):
    task = add_task(person, users["coordinator"], title="Call the employer")
    client.force_login(users["coordinator"])
    url = reverse("task_postpone", args=[task.pk])
    form = text(client.get(url + "?back=list"))
    assert "Call the employer" in form and 'name="version" value="1"' in form
    response = client.post(
        url,
        {
            "due_on": in_days(0).isoformat(),
            "reason": "The employer is away",
            "version": 1,
            "back": "list",
        },
    )
    page = text(response)
    assert "Choose a new due date after today." in page
    assert "The employer is away" in page
    done = client.post(
        url,
        {
            "due_on": in_days(4).isoformat(),
            "reason": "The employer is away",
            "version": 1,
            "back": "list",
        },
    )
    assert done["Location"] == reverse("task_list")
    task.refresh_from_db()
    assert (task.due_on, task.postponed_reason) == (in_days(4), "The employer is away")


def test_reassigning_offers_the_people_of_the_file_and_tells_the_new_one(
    client, person, users, colleague
):
    task = add_task(person, users["coordinator"], assignee=users["coordinator"])
    client.force_login(users["coordinator"])
    url = reverse("task_reassign", args=[task.pk])
    form = text(client.get(url))
    assert f'<option value="{colleague.pk}">' in form
    response = client.post(url, {"assignee": colleague.pk, "version": 1})
    assert response.status_code == 302
    assert Task.objects.get().assignee == colleague
    assert Notification.objects.get().recipient == colleague


def test_another_centres_task_is_not_found(client, person, users, elsewhere):
    task = add_task(person, users["coordinator"])
    client.force_login(elsewhere["coordinator"])
    for name in ("task_done", "task_postpone", "task_reassign"):
        assert client.get(reverse(name, args=[task.pk])).status_code == 404
    assert client.get(reverse("task_add", args=[person.pk])).status_code == 404
    assert "Call the employer" not in text(client.get(reverse("task_list") + "?show=all"))


def test_a_system_task_offers_no_done_button_but_a_link_to_do_it(client, person, users):
    services.tasks_sync()
    client.force_login(users["coordinator"])
    page = text(client.get(reverse("task_list") + "?show=all"))
    assert reverse("consent_add", args=[person.pk]) in page
    assert "task-done" not in page
    task = Task.objects.get()
    assert client.get(reverse("task_done", args=[task.pk])).status_code == 403


def test_the_home_page_offers_tasks_to_those_who_read_them(client, users):
    for role, shown in (("coordinator", True), ("auditor", True), ("official", False)):
        client.force_login(users[role])
        assert (reverse("task_list") in client.get(reverse("home")).content.decode()) == shown
