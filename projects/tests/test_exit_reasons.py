"""Closing a project after its follow-up records why, as a coded exit reason beside the free
text: the service, the form on the project page and the page that shows it."""

import datetime

import pytest
from django.utils import timezone, translation

from projects import services
from projects.models import Decision, LifeProject, Status
from projects.tests.factories import equipped
from reintegration.models import AuditEntry, User
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def followed(project, users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    return equipped(project, users, timezone.localdate() - datetime.timedelta(days=400))


def test_closing_records_the_outcome_the_exit_reason_and_the_free_text(followed, users):
    closed = services.project_close(
        project=followed,
        by=users["coordinator"],
        outcome="failed",
        exit_reason="moved_away",
        reason="Installé à Agadir chez sa sœur",
    )
    closed.refresh_from_db()
    assert (closed.status, closed.outcome, closed.exit_reason) == (
        Status.CLOSED,
        "failed",
        "moved_away",
    )
    assert closed.closing_reason == "Installé à Agadir chez sa sœur"
    assert Decision.objects.filter(project=closed, to_status=Status.CLOSED).count() == 1
    entry = AuditEntry.objects.filter(action="project.close").get()
    assert entry.changes["status"][1] == Status.CLOSED
    # The coded outcome and exit reason are in the log; the free text about the person is not.
    assert (entry.changes["outcome"], entry.changes["exit_reason"]) == ("failed", "moved_away")
    assert "Agadir" not in str(entry.changes)


@pytest.mark.parametrize(
    ("outcome", "reason", "message"),
    [
        ("failed", "", "Choose why the follow-up ends."),
        ("failed", "bored", "Choose why the follow-up ends."),
        (
            "active",
            "business_failed",
            "A business that failed closes with the outcome “business failed”.",
        ),
    ],
)
def test_closing_refuses_a_missing_or_contradictory_reason(
    followed, users, outcome, reason, message
):
    with translation.override("en"), pytest.raises(Refused) as refused:
        services.project_close(
            project=followed,
            by=users["coordinator"],
            outcome=outcome,
            exit_reason=reason,
            reason="—",
        )
    assert refused.value.message == message
    assert LifeProject.objects.get(pk=followed.pk).status != Status.CLOSED


def test_the_page_offers_the_reasons_and_keeps_what_was_typed_on_an_error(client, followed, users):
    client.force_login(users["coordinator"])
    page = client.get(f"/projects/{followed.pk}/").content.decode()
    assert 'name="exit_reason"' in page and 'value="deceased"' in page
    response = client.post(
        f"/projects/{followed.pk}/close/",
        {"outcome": "active", "exit_reason": "business_failed", "reason": "Atelier fermé en mai"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "A business that failed closes with the outcome" in html
    assert "Atelier fermé en mai" in html
    assert LifeProject.objects.get(pk=followed.pk).status != Status.CLOSED
    response = client.post(
        f"/projects/{followed.pk}/close/",
        {"outcome": "failed", "exit_reason": "business_failed", "reason": "Atelier fermé en mai"},
    )
    assert response.status_code == 302
    page = client.get(f"/projects/{followed.pk}/").content.decode()
    assert "business failed · business failed · Atelier fermé en mai" in page
