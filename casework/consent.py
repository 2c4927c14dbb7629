"""The milestone casework knows itself: a file still without consent (law 09-08), whose
task is settled when the consent is recorded or the file archived."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary, Consent
from casework import milestones
from casework.milestones import Milestone
from casework.models import Task

CONSENT_MISSING = "consent_missing"


def files_without_consent(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    """Open files with no consent in force. The consent is collected when the file is
    opened: the task is due that day."""
    given = Consent.objects.filter(beneficiary=OuterRef("pk"), withdrawn_on__isnull=True)
    files = milestones.of_open_files(Beneficiary.objects.filter(~Exists(given)), "", ids)
    for pk, created_at in files.values_list("pk", "created_at"):
        yield Milestone(
            kind=CONSENT_MISSING,
            subject=f"file:{pk}",
            beneficiary_id=pk,
            project_id=None,
            due_on=timezone.localdate(created_at),
        )


def _consent_link(task: Task) -> str:
    return reverse("consent_add", args=[task.beneficiary_id])


def register() -> None:
    milestones.register(
        CONSENT_MISSING,
        label=_("File without consent"),
        title=_("Collect the person's consent and record it"),
        find=files_without_consent,
        link=_consent_link,
    )
