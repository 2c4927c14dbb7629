"""Demo text messages: a few people of Tanger agreed to receive them (in Arabic or in French),
the centre has a phone number for its reminders, a ceremony is planned in ten days for the
approved projects waiting for one, and the outbox holds their messages, sent, waiting and one
refused by the gateway."""

import datetime

from django.utils import timezone

from beneficiaries import texting
from beneficiaries.models import Beneficiary, TextMessage
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from partners.models import Allocation
from projects.models import LifeProject, Status
from reintegration.models import OutboxMessage

NEXT_CEREMONY_PLACE = "قاعة الندوات بمقر ولاية جهة طنجة تطوان الحسيمة"


def _plan_next_ceremony(centre, coordinator) -> None:
    """The next ceremony of Tanger, for up to three approved projects charged to one convention."""
    waiting = LifeProject.objects.filter(
        beneficiary__centre=centre, status=Status.APPROVED, handover__isnull=True
    ).order_by("pk")
    allocation = (
        Allocation.objects.filter(project__in=waiting, released_at__isnull=True)
        .select_related("convention")
        .order_by("pk")
        .first()
    )
    if allocation is None:
        return
    convention = allocation.convention
    projects = list(waiting.filter(allocations__convention=convention)[:3])
    ceremony = ceremonies.ceremony_save(
        by=coordinator,
        data={
            "centre": centre,
            "held_on": timezone.localdate() + datetime.timedelta(days=10),
            "place": NEXT_CEREMONY_PLACE,
            "presided_by": "يونس التازي",
            "authority": Ceremony.Authority.WALI,
            "conventions": [convention],
        },
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in projects]
    )


def seed(**context) -> dict:
    if TextMessage.objects.exists():
        return {}
    users = {u.username: u for u in context["users"]}
    coordinator = users["coordinator"]
    centre = context["centres"]["TNG"]
    if not centre.phone:
        centre.phone = "0539 94 12 30"
        centre.save(update_fields=["phone"])
    if not Ceremony.objects.filter(place=NEXT_CEREMONY_PLACE).exists():
        _plan_next_ceremony(centre, coordinator)

    # People with something to be told: a visit to come, an approved project, a ceremony.
    people = [
        person
        for person in Beneficiary.objects.filter(centre=centre, archived_at__isnull=True)
        .exclude(phone="")
        .order_by("pk")
        if texting.kinds_for(person)
    ][:8]
    for index, person in enumerate(people):
        # Most agree, in Arabic more often than in French; the last one never agreed.
        if index == len(people) - 1:
            break
        person = texting.text_contact_update(
            beneficiary=person,
            by=coordinator,
            language="fr" if index % 3 == 1 else "ar",
            consent=True,
        )
        for kind, about in texting.kinds_for(person):
            texting.text_send(beneficiary=person, kind=kind.code, by=coordinator, about=about)

    # What the outbox went through: most were sent, the newest waits for the worker, and one
    # number was refused by the gateway (headquarters sees it under Unsent messages).
    messages = list(OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).order_by("pk"))
    now = timezone.now()
    for index, message in enumerate(messages[:-1]):
        if index == 1:
            message.status = OutboxMessage.Status.FAILED
            message.attempts = 1
            message.last_error = 'gateway answered 400: {"error": "unknown destination"}'
        else:
            message.status = OutboxMessage.Status.SENT
            message.attempts = 1
            message.sent_at = now
            message.gateway_id = f"demo-{message.pk:05d}"
        message.save(update_fields=["status", "attempts", "last_error", "sent_at", "gateway_id"])
    return {}
