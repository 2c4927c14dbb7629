"""What the life projects tell the person by text message (``beneficiaries/texting.py``): the
reminder of their next follow-up visit and the news that their project was approved; and the
daily text reminders of the visits due in the coming days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import texting
from beneficiaries.models import Beneficiary, TextMessage
from projects.models import FollowUpVisit, LifeProject, Status
from projects.permissions import FOLLOWED
from reintegration.formatting import format_date
from reintegration.refusals import Refused

# Approved and funded: the money is there, the equipment not handed over yet.
APPROVED = (Status.APPROVED, Status.FUNDED)


def next_visit(beneficiary: Beneficiary) -> FollowUpVisit | None:
    """The person's next follow-up visit still to make, from today on."""
    return (
        FollowUpVisit.objects.filter(
            project__beneficiary=beneficiary,
            project__status__in=FOLLOWED,
            done_on__isnull=True,
            due_on__gte=timezone.localdate(),
        )
        .order_by("due_on", "pk")
        .first()
    )


def visit_text(beneficiary: Beneficiary, visit: FollowUpVisit) -> str:
    centre = beneficiary.centre
    values = {
        "centre": centre.name,
        "date": format_date(visit.due_on),
        "phone": texting.number_for_text(centre.phone),
    }
    if centre.phone:
        return (
            _(
                "Reminder: the %(centre)s will visit you on %(date)s for the follow-up of your "
                "project. Questions: %(phone)s"
            )
            % values
        )
    return (
        _("Reminder: the %(centre)s will visit you on %(date)s for the follow-up of your project.")
        % values
    )


def approved_project(beneficiary: Beneficiary) -> LifeProject | None:
    return beneficiary.projects.filter(status__in=APPROVED).first()


def approved_text(beneficiary: Beneficiary, project: LifeProject) -> str:
    return _(
        "Good news: your life project was approved. The %(centre)s will call you about the "
        "handover of your equipment."
    ) % {"centre": beneficiary.centre.name}


KINDS = [
    texting.TextKind(TextMessage.Kind.VISIT_REMINDER, next_visit, visit_text),
    texting.TextKind(TextMessage.Kind.PROJECT_APPROVED, approved_project, approved_text),
]


def visit_key(visit: FollowUpVisit) -> str:
    # The visit and its date: a visit is reminded once, and again only if its date moves.
    return f"visit:{visit.pk}:{visit.due_on.isoformat()}"


@dataclass
class Reminded:
    sent: int = 0
    # Why the others were not texted: reason -> how many.
    skipped: dict[str, int] = field(default_factory=dict)


def visit_text_reminders_send(*, today: datetime.date | None = None) -> Reminded:
    """Text a reminder to each person who agreed to it whose follow-up visit is due within
    ``SMS_VISIT_REMINDER_DAYS`` days (from tomorrow), once per visit and date: a second run
    sends nothing. Each message is its own transaction."""
    today = today or timezone.localdate()
    due = (
        FollowUpVisit.objects.filter(
            done_on__isnull=True,
            project__status__in=FOLLOWED,
            due_on__gt=today,
            due_on__lte=today + datetime.timedelta(days=settings.SMS_VISIT_REMINDER_DAYS),
            project__beneficiary__sms_consent_at__isnull=False,
            project__beneficiary__archived_at__isnull=True,
        )
        .select_related("project__beneficiary__centre")
        .order_by("due_on", "pk")
    )
    visits = list(due)
    done = set(
        TextMessage.objects.filter(key__in=[visit_key(v) for v in visits]).values_list(
            "key", flat=True
        )
    )
    result = Reminded()
    for visit in visits:
        if visit_key(visit) in done:
            continue
        try:
            texting.text_send(
                beneficiary=visit.project.beneficiary,
                kind=TextMessage.Kind.VISIT_REMINDER,
                by=None,
                about=visit,
                key=visit_key(visit),
            )
        except Refused as refusal:  # no usable number: the file page says why
            result.skipped[refusal.message] = result.skipped.get(refusal.message, 0) + 1
        else:
            result.sent += 1
    return result
