"""What the demo accounts find waiting for them on their home page's today panel, and in their
notifications: the histories of life_projects and handovers already leave returned, submitted
and approved projects, files without consent and overdue visits; this adds a ceremony held
last week whose certificates are still to issue, a ceremony planned in Tanger (announced to the
province), tasks, a message the mail server refused and a convention ending soon. Then it
marks each demo user's older notifications read, leaving the latest few unread."""

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from casework.models import Task
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from partners.models import Convention
from projects.models import LifeProject, Status
from reintegration.models import Notification, OutboxMessage
from sampledata.handovers import approved_sewing_project, hand_over

PLANNED_PLACE = "دار الثقافة بطنجة"
# Each demo user keeps this many of their latest notifications unread.
UNREAD = 3


def seed(**context) -> dict:
    if Ceremony.objects.filter(place=PLANNED_PLACE).exists():
        return {}
    users = {u.username: u for u in context["users"]}
    coordinator, regional = users["coordinator"], users["regional"]
    centre = context["centres"]["TNG"]
    today = timezone.localdate()
    convention = Convention.objects.get(reference="CPDH-TNG-2024-01")

    # Certificates to issue: the funded project of Tanger's histories, handed over last week.
    funded = LifeProject.objects.filter(
        beneficiary__centre=centre, status=Status.FUNDED, handover__isnull=True
    ).first()
    if funded is not None:
        hand_over(
            funded,
            by=coordinator,
            holder=regional,
            held_on=today - datetime.timedelta(days=5),
            certify=False,
        )

    # A ceremony planned in twelve days with one of two newly approved projects; the other
    # waits for the next ceremony.
    busy = LifeProject.objects.values("beneficiary")
    people = Beneficiary.objects.filter(centre=centre).exclude(pk__in=busy).order_by("pk")[:2]
    approved = [
        approved_sewing_project(
            person,
            coordinator=coordinator,
            approver=regional,
            convention=convention,
            stock_price="2750.00",
        )
        for person in people
    ]
    planned = ceremonies.ceremony_save(
        by=coordinator,
        data={
            "centre": centre,
            "held_on": today + datetime.timedelta(days=12),
            "place": PLANNED_PLACE,
            "presided_by": "عبد السلام بنعلي",
            "authority": Ceremony.Authority.WALI,
            "conventions": [convention],
        },
    )
    ceremonies.ceremony_add_projects(ceremony=planned, by=coordinator, project_ids=[approved[0].pk])

    # Tasks of the coordinator's centre: one late, one for nobody yet, one for next week.
    files = list(Beneficiary.objects.filter(centre=centre).order_by("pk")[:3])
    for person, (title, days, assignee) in zip(
        files,
        [
            ("الاتصال بالمستفيد لتحديد موعد زيارة التتبع", -4, coordinator),
            ("استكمال نسخة البطاقة الوطنية في الملف", 2, None),
            ("مرافقة المستفيد إلى الوكالة البنكية", 8, coordinator),
        ],
        strict=False,
    ):
        Task.objects.create(
            beneficiary=person,
            title=title,
            due_on=today + datetime.timedelta(days=days),
            assignee=assignee,
            created_by=coordinator,
        )

    # A reminder the mail server refused for good: headquarters sees it on its panel.
    OutboxMessage.objects.create(
        reason="visits.reminder",
        recipient=users["coordinator.casa"],
        to="y.benjelloun@car-casablanca.invalid",
        subject="Visites de suivi à faire : 3",
        body="Visites de suivi en retard ou prévues dans les 7 jours.",
        status=OutboxMessage.Status.FAILED,
        attempts=5,
        last_error="550 5.1.1 Mailbox unavailable",
    )

    # A convention whose period ends in seven weeks: time to prepare its amendment.
    ending = Convention.objects.create(
        reference="CPDH-TNG-2023-02",
        title="Appui aux micro-projets des anciens détenus — Tanger-Assilah (2023)",
        programme=convention.programme,
        signed_on=today - datetime.timedelta(days=700),
        starts_on=today - datetime.timedelta(days=680),
        ends_on=today + datetime.timedelta(days=50),
        envelope=Decimal("400000.00"),
        status=Convention.Status.ACTIVE,
    )
    ending.provinces.add(centre.province)

    # Older notifications read, the latest few not: the inbox shows both.
    for user in context["users"]:
        latest = Notification.objects.filter(recipient=user).values_list("pk", flat=True)[:UNREAD]
        Notification.objects.filter(recipient=user, read_at__isnull=True).exclude(
            pk__in=list(latest)
        ).update(read_at=timezone.now())
    return {}
