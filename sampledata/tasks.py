"""Tasks for the demo centres: a few written by their coordinators (two of them late), and the
system's own for every milestone that needs action (files without consent, visits due,
projects returned or waiting for a ceremony, certificates to issue). Idempotent: a second run
finds the written tasks and the sync changes nothing."""

import datetime

from django.utils import timezone

from beneficiaries.models import Beneficiary
from casework import services
from casework.models import Task

# (title, days from today, assigned to the coordinator); negative days: written earlier and
# now overdue.
WRITTEN = [
    ("Appeler l'employeur pour l'entretien d'embauche", -3, True),
    ("التأكد من توفر المحل قبل حفل التسليم", -1, True),
    ("Récupérer la copie de la CIN", 2, True),
    ("مرافقة المستفيد إلى مكتب الوكالة الوطنية لإنعاش التشغيل", 5, False),
    ("Préparer le dossier pour le comité provincial", 12, True),
]


def seed(**context) -> dict:
    users = {u.username: u for u in context["users"]}
    centres = context["centres"]
    # Each centre's coordinator follows its files (the referent gets the system's tasks).
    for code, username in (("TNG", "coordinator"), ("CAS", "coordinator.casa")):
        Beneficiary.objects.filter(centre=centres[code], referent__isnull=True).update(
            referent=users[username]
        )
    coordinator = users["coordinator"]
    if not Task.objects.filter(kind=Task.MANUAL, created_by=coordinator).exists():
        today = timezone.localdate()
        people = Beneficiary.objects.filter(centre=centres["TNG"], archived_at__isnull=True)
        for (title, days, mine), person in zip(WRITTEN, people.order_by("pk"), strict=False):
            task = services.task_create(
                beneficiary=person,
                title=title,
                due_on=today + datetime.timedelta(days=max(days, 0)),
                assignee=coordinator if mine else None,
                by=coordinator,
            )
            if days < 0:
                # Written some days ago: its date has passed since (no page can set a past date).
                Task.objects.filter(pk=task.pk).update(due_on=today + datetime.timedelta(days))
    services.tasks_sync()
    return {}
