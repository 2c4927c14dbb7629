"""The daily reminder of follow-up visits, sent to coordinators through the outbox."""

import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from projects.tests.factories import equipped, make_project
from reintegration.models import OutboxMessage, User


def test_each_coordinator_hears_of_the_visits_late_or_due_this_week_once_a_day(
    person, users, convention, elsewhere, run_jobs
):
    User.objects.filter(pk=users["coordinator"].pk).update(
        email="samira@example.org", language="fr"
    )
    User.objects.filter(pk=elsewhere["coordinator"].pk).update(email="casa@example.org")
    today = timezone.localdate()
    # Handed over three months and ten days ago: the 3-month visit is about ten days late.
    handover = today - datetime.timedelta(days=101)
    project = equipped(make_project(person, users["coordinator"]), users, handover)
    visit = project.visits.get(milestone_months=3)
    late = (today - visit.due_on).days

    output = io.StringIO()
    call_command("send_visit_reminders", stdout=output)
    call_command("send_visit_reminders", stdout=output)  # the same day: nothing
    assert output.getvalue().splitlines() == [
        "Reminders queued for 1 coordinator(s).",
        "Text reminders queued for 0 beneficiary(ies).",
        "Reminders queued for 0 coordinator(s).",
        "Text reminders queued for 0 beneficiary(ies).",
    ]

    [message] = OutboxMessage.objects.filter(reason="visits.reminder")
    assert message.to == "samira@example.org"  # not Casablanca's coordinator: no visit there
    assert message.subject == "Visites de suivi à faire : 1"
    assert person.file_number in message.body
    assert f"{late} jours de retard" in message.body
    assert "Visite des 3 mois" in message.body
    run_jobs()
    reminders = [m for m in mail.outbox if m.subject == message.subject]
    assert [m.to for m in reminders] == [["samira@example.org"]]
    message.refresh_from_db()
    assert message.status == "sent"
