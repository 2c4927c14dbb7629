"""The certificates to issue after a ceremony, for the task list (``casework.milestones``):
one per handover of a held ceremony without a current certificate, in one query."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework import milestones
from casework.milestones import Milestone
from casework.models import Task
from ceremonies.models import Ceremony, Certificate, Handover

CERTIFICATE_TO_ISSUE = "certificate_to_issue"


def certificates_to_issue(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    current = Certificate.objects.filter(handover=OuterRef("pk"), status=Certificate.Status.CURRENT)
    handovers = milestones.of_open_files(
        Handover.objects.filter(ceremony__status=Ceremony.Status.HELD).filter(~Exists(current)),
        "project__beneficiary",
        ids,
    )
    rows = handovers.values_list(
        "pk", "project_id", "project__beneficiary_id", "ceremony_id", "ceremony__held_on"
    )
    for pk, project_id, beneficiary_id, ceremony_id, held_on in rows:
        yield Milestone(
            kind=CERTIFICATE_TO_ISSUE,
            subject=f"handover:{pk}",
            beneficiary_id=beneficiary_id,
            project_id=project_id,
            due_on=held_on,
            params={"ceremony": ceremony_id},
        )


def _ceremony_link(task: Task) -> str:
    return reverse("ceremony_detail", args=[task.params["ceremony"]])


def register() -> None:
    milestones.register(
        CERTIFICATE_TO_ISSUE,
        label=_("Handover certificate to issue"),
        title=_("Issue the handover certificate of the ceremony"),
        find=certificates_to_issue,
        link=_ceremony_link,
    )
