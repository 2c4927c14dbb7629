"""Requests crafted by hand against transfers, tasks and caseloads: ids of another centre's
objects, people out of the file's scope, answers to one's own request, roles that only read."""

import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory, detention_for
from casework.models import Task, TransferRequest
from casework.tests.conftest import add_task, in_days
from casework.transfers import transfer_accept, transfer_request
from reintegration.models import Notification
from reintegration.tests.confirming import confirm
from reintegration.tests.factories import CentreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def casa(elsewhere):
    return elsewhere


def ask(person, users, casa):
    return transfer_request(
        beneficiary=person, to_centre=casa["centre"], reason="Déménagement", by=users["coordinator"]
    )


def test_the_requesting_coordinator_cannot_accept_their_own_request(client, person, users, casa):
    transfer = ask(person, users, casa)
    client.force_login(users["coordinator"])
    url = reverse("transfer_accept", args=[transfer.pk])
    assert client.get(url).status_code == 403
    assert confirm(client, url).status_code == 403
    decline = reverse("transfer_decline", args=[transfer.pk])
    assert confirm(client, decline, {"reason": "non"}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.REQUESTED


def test_the_receiving_coordinator_cannot_withdraw_the_request(client, person, users, casa):
    transfer = ask(person, users, casa)
    client.force_login(casa["coordinator"])
    url = reverse("transfer_cancel", args=[transfer.pk])
    assert confirm(client, url).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.REQUESTED


def test_a_third_centre_neither_sees_nor_answers(client, person, users, casa):
    transfer = ask(person, users, casa)
    rabat = CentreFactory(code="RBT", province__code="04.421")
    client.force_login(UserFactory(coordinator=True, centre=rabat))
    for name in ("transfer_detail", "transfer_accept", "transfer_decline", "transfer_cancel"):
        assert client.get(reverse(name, args=[transfer.pk])).status_code == 404, name
        assert client.post(reverse(name, args=[transfer.pk]), {"confirmed": "1"}).status_code == 404
    assert str(person.file_number) not in client.get(reverse("transfer_list")).content.decode()


def test_a_get_on_an_answer_changes_nothing(client, person, users, casa):
    transfer = ask(person, users, casa)
    client.force_login(casa["coordinator"])
    for name in ("transfer_accept", "transfer_decline"):
        assert client.get(reverse(name, args=[transfer.pk])).status_code == 200
    # A POST without the confirmation, as a forged form without the page's fingerprint.
    assert client.post(reverse("transfer_accept", args=[transfer.pk]), {"confirmed": "1"})
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.REQUESTED


def test_a_second_answer_is_refused_with_a_message(client, person, users, casa):
    transfer = ask(person, users, casa)
    client.force_login(casa["coordinator"])
    url = reverse("transfer_accept", args=[transfer.pk])
    page = client.post(url)
    from reintegration.tests.confirming import carried

    first = client.post(url, {**carried(page), "confirmed": "1"})
    assert first.status_code == 302
    second = client.post(url, {**carried(page), "confirmed": "1"})
    # Answered: the page of the transfer says so, and nothing moves twice.
    assert second["Location"] == reverse("transfer_detail", args=[transfer.pk])
    assert TransferRequest.objects.get(pk=transfer.pk).status == TransferRequest.Status.ACCEPTED


def test_the_old_centre_loses_the_detention_record_and_the_summary(client, person, users, casa):
    detention_for(person)
    transfer_accept(transfer=ask(person, users, casa), by=casa["coordinator"])
    client.force_login(users["coordinator"])
    for url in (
        reverse("detention_edit", args=[person.pk]),
        reverse("file_summary", args=[person.pk]),
        reverse("text_preview", args=[person.pk]),
        reverse("task_add", args=[person.pk]),
        reverse("transfer_request", args=[person.pk]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(users["regional"])
    assert client.get(reverse("file_summary", args=[person.pk])).status_code == 404


def test_a_task_cannot_go_to_someone_out_of_the_files_scope(client, person, users, casa):
    task = add_task(person, users["coordinator"], assignee=users["coordinator"])
    client.force_login(users["coordinator"])
    for outsider in (casa["coordinator"], casa["regional"], users["auditor"], users["official"]):
        response = client.post(
            reverse("task_reassign", args=[task.pk]),
            {"assignee": outsider.pk, "version": task.version},
        )
        assert response.status_code == 200, outsider.role  # the form again, with the error
    task.refresh_from_db()
    assert task.assignee == users["coordinator"]
    assert not Notification.objects.filter(kind="task.assigned").exclude(
        recipient=users["coordinator"]
    )


@pytest.mark.parametrize("role", ["auditor", "official"])
def test_readers_and_officials_cannot_act_on_tasks(client, person, users, role):
    task = add_task(person, users["coordinator"], assignee=users["coordinator"])
    client.force_login(users[role])
    v = task.version
    posts = {
        "task_done": {"confirmed": "1", "version": v},
        "task_postpone": {"due_on": in_days(9).strftime("%d/%m/%Y"), "reason": "x", "version": v},
        "task_reassign": {"assignee": users["regional"].pk, "version": v},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[task.pk]), data).status_code in (403, 404), name
    add = client.post(
        reverse("task_add", args=[person.pk]),
        {"title": "x", "due_on": in_days(3).strftime("%d/%m/%Y")},
    )
    assert add.status_code in (403, 404)
    task.refresh_from_db()
    assert (task.status, task.version) == (Task.Status.OPEN, v)


def test_a_task_cannot_be_hung_on_another_files_project(client, person, users, centre):
    from projects.tests.factories import make_project

    other = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = make_project(other, users["coordinator"])
    client.force_login(users["coordinator"])
    client.post(
        reverse("task_add", args=[person.pk]),
        {"title": "x", "due_on": in_days(3).strftime("%d/%m/%Y"), "project": project.pk},
    )
    assert not Task.objects.filter(project=project).exists()


def test_headquarters_cannot_mix_centres_or_name_an_outsider_on_a_caseload(
    client, centre, users, casa
):
    mine = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    theirs = BeneficiaryFactory(centre=casa["centre"], by=casa["coordinator"])
    client.force_login(users["national"])
    url = reverse("caseload_centre", args=[centre.pk])
    response = client.post(url, {"files": [mine.pk, theirs.pk], "to": users["coordinator"].pk})
    assert response.status_code == 200
    response = client.post(url, {"files": [mine.pk], "to": casa["coordinator"].pk})
    assert response.status_code == 200
    assert Beneficiary.objects.get(pk=theirs.pk).referent == casa["coordinator"]
    assert Beneficiary.objects.get(pk=mine.pk).referent == users["coordinator"]


def test_a_regional_reader_cannot_post_the_caseload_form(client, centre, users, colleague):
    mine = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users["regional"])
    url = reverse("caseload_centre", args=[centre.pk])
    assert client.post(url, {"files": [mine.pk], "to": colleague.pk}).status_code == 403
    assert Beneficiary.objects.get(pk=mine.pk).referent == users["coordinator"]


def test_an_answer_given_meanwhile_is_said_not_forbidden(client, person, users, casa):
    """Two coordinators of the receiving centre open the request; the first accepts. The
    second's confirmation is told what happened, not answered with a bare "forbidden"."""
    from django.contrib.messages import get_messages
    from django.utils import translation

    colleague = UserFactory(coordinator=True, centre=casa["centre"], language="en")
    transfer = ask(person, users, casa)
    client.force_login(colleague)
    url = reverse("transfer_decline", args=[transfer.pk])
    from reintegration.tests.confirming import carried

    page = carried(client.post(url, {"reason": "Pas chez nous"}))
    transfer_accept(transfer=transfer, by=casa["coordinator"])
    with translation.override("en"):
        response = client.post(url, {**page, "reason": "Pas chez nous", "confirmed": "1"})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("transfer_detail", args=[transfer.pk]),
    )
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["This transfer was already answered (accepted): nothing was changed."]
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.ACCEPTED
