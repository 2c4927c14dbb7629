"""The tasks that remind the file's referent to follow a referral up (``casework.milestones``):
a partner that has not answered, and an accepted referral whose outcome is not recorded. Each
finder is one query whatever the number of files; recording the answer, or the outcome,
settles the task.

The delays are those of the partners' own services: ANAPEC and Attawfiq answer a referral
within a fortnight, so a referral still waiting after ANSWER_DAYS needs a phone call; their
workshops, counselling sessions and microcredit files take about a month, so the outcome of an
accepted referral is due OUTCOME_DAYS after the acceptance."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from casework import milestones
from casework.milestones import Milestone
from casework.models import Task
from projects.models import Referral

# A referral waiting this many days for the partner's answer becomes a task.
ANSWER_DAYS = 14
# The outcome of an accepted referral is due this many days after the acceptance.
OUTCOME_DAYS = 30

REFERRAL_UNANSWERED = "referral_unanswered"
REFERRAL_OUTCOME = "referral_outcome"


def _referrals(
    status: str, ids: Collection[int] | None, since: datetime.date, *, field: str
) -> Iterator[tuple[int, int, datetime.date]]:
    rows = milestones.of_open_files(
        Referral.objects.filter(status=status, outcome="", **{f"{field}__lte": since}),
        "beneficiary",
        ids,
    )
    yield from rows.values_list("pk", "beneficiary_id", field)


def referrals_unanswered(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    waited = today - datetime.timedelta(days=ANSWER_DAYS)
    for pk, beneficiary_id, referred_on in _referrals(
        Referral.Status.REQUESTED, ids, waited, field="referred_on"
    ):
        yield Milestone(
            kind=REFERRAL_UNANSWERED,
            subject=f"referral:{pk}",
            beneficiary_id=beneficiary_id,
            project_id=None,
            due_on=referred_on + datetime.timedelta(days=ANSWER_DAYS),
            params={"referral": pk, "days": ANSWER_DAYS},
        )


def referrals_without_outcome(
    ids: Collection[int] | None, today: datetime.date
) -> Iterator[Milestone]:
    waited = today - datetime.timedelta(days=OUTCOME_DAYS)
    for pk, beneficiary_id, answered_on in _referrals(
        Referral.Status.ACCEPTED, ids, waited, field="answered_on"
    ):
        yield Milestone(
            kind=REFERRAL_OUTCOME,
            subject=f"referral:{pk}",
            beneficiary_id=beneficiary_id,
            project_id=None,
            due_on=answered_on + datetime.timedelta(days=OUTCOME_DAYS),
            params={"referral": pk, "days": OUTCOME_DAYS},
        )


def _answer_link(task: Task) -> str:
    return reverse("referral_answer", args=[task.params["referral"]])


def _outcome_link(task: Task) -> str:
    return reverse("referral_outcome", args=[task.params["referral"]])


def register() -> None:
    milestones.register(
        REFERRAL_UNANSWERED,
        label=_("Referral awaiting the partner's answer"),
        title=_("Ask the partner for its answer to the referral made more than %(days)s days ago"),
        find=referrals_unanswered,
        link=_answer_link,
    )
    milestones.register(
        REFERRAL_OUTCOME,
        label=_("Accepted referral without an outcome"),
        title=_("Record the outcome of the referral accepted more than %(days)s days ago"),
        find=referrals_without_outcome,
        link=_outcome_link,
    )
