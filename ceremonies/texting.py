"""What the ceremonies tell the person by text message (``beneficiaries/texting.py``): the
reminder of the ceremony where their equipment is handed over, one person at a time from the
file or to every beneficiary of a planned ceremony at once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import texting
from beneficiaries.models import Beneficiary, TextMessage
from ceremonies import permissions
from ceremonies.models import Ceremony
from reintegration.formatting import format_date
from reintegration.models import User
from reintegration.refusals import Refused


def planned_ceremony(beneficiary: Beneficiary) -> Ceremony | None:
    """The planned ceremony, today or later, where the person's equipment is handed over."""
    return (
        Ceremony.objects.filter(
            handovers__project__beneficiary=beneficiary,
            status=Ceremony.Status.PLANNED,
            held_on__gte=timezone.localdate(),
        )
        .order_by("held_on", "pk")
        .first()
    )


def ceremony_text(beneficiary: Beneficiary, ceremony: Ceremony) -> str:
    return _(
        "Reminder: your equipment will be handed over at the ceremony on %(date)s, %(place)s. "
        "Please bring your CIN."
    ) % {"date": format_date(ceremony.held_on), "place": ceremony.place}


KINDS = [texting.TextKind(TextMessage.Kind.CEREMONY_REMINDER, planned_ceremony, ceremony_text)]


def reminder_key(ceremony: Ceremony, person: Beneficiary, day: datetime.date) -> str:
    # One reminder per person, ceremony and day: a second click the same day sends nothing.
    return f"ceremony:{ceremony.pk}:{person.pk}:{day.isoformat()}"


@dataclass
class Audience:
    """Who a ceremony's reminder goes to, who is left out and why, and the text each language
    gets (the text names no person: everyone in one language reads the same words)."""

    recipients: list[Beneficiary] = field(default_factory=list)
    skipped: list[tuple[Beneficiary, str]] = field(default_factory=list)
    drafts: dict[str, texting.Draft] = field(default_factory=dict)
    refused: str = ""


def ceremony_audience(ceremony: Ceremony, *, today: datetime.date | None = None) -> Audience:
    today = today or timezone.localdate()
    audience = Audience()
    if ceremony.status != Ceremony.Status.PLANNED:
        audience.refused = _("Only a planned ceremony can be reminded to its beneficiaries.")
        return audience
    if ceremony.held_on < today:
        audience.refused = _("The date of this ceremony has passed: no reminder can be sent.")
        return audience
    people = [
        handover.project.beneficiary
        for handover in ceremony.handovers.select_related(
            "project__beneficiary__centre", "project__beneficiary__sms_consent_by"
        ).order_by("project__beneficiary__file_number")
    ]
    keys = {reminder_key(ceremony, person, today): person for person in people}
    reminded = set(TextMessage.objects.filter(key__in=keys).values_list("key", flat=True))
    for key, person in keys.items():
        if reason := texting.refusal(person):
            audience.skipped.append((person, reason))
        elif key in reminded:
            audience.skipped.append((person, _("Already reminded today.")))
        else:
            audience.recipients.append(person)
            if person.message_language not in audience.drafts:
                audience.drafts[person.message_language] = texting.text_draft(
                    beneficiary=person, kind=TextMessage.Kind.CEREMONY_REMINDER, about=ceremony
                )
    if not people:
        audience.refused = _("No beneficiary is on this ceremony yet.")
    elif not audience.recipients:
        audience.refused = _("Nobody on this ceremony can receive the reminder now.")
    return audience


def ceremony_remind(*, ceremony: Ceremony, by: User) -> int:
    """Text the ceremony's reminder to each of its beneficiaries who agreed to text messages,
    once a day. Each message is its own transaction; returns how many were queued."""
    if not permissions.can_remind_ceremony(by, ceremony):
        raise Refused(_("Your role does not allow reminding this ceremony's beneficiaries."))
    today = timezone.localdate()
    audience = ceremony_audience(ceremony, today=today)
    if audience.refused:
        raise Refused(audience.refused)
    sent = 0
    for person in audience.recipients:
        try:
            texting.text_send(
                beneficiary=person,
                kind=TextMessage.Kind.CEREMONY_REMINDER,
                by=by,
                about=ceremony,
                key=reminder_key(ceremony, person, today),
            )
        except Refused:  # changed since the list was read (agreement withdrawn meanwhile)
            continue
        sent += 1
    return sent


def ceremony_texts(ceremony: Ceremony) -> list[TextMessage]:
    """The reminders of this ceremony sent so far (from its page or from a person's file), with
    their delivery status."""
    return list(
        TextMessage.objects.filter(
            kind=TextMessage.Kind.CEREMONY_REMINDER,
            beneficiary__projects__handover__ceremony=ceremony,
        )
        .select_related("beneficiary", "message", "sent_by")
        .order_by("-created_at", "-pk")
    )
