"""Demo needs assessments: most open files have one, made at intake or before release; many
have a second or third showing change (mostly better, sometimes worse), and some follow-up
visits already recorded carry the assessment made at them. Deterministic: a seeded generator
picks the answers, and the service scores them by the questionnaire's rules."""

import datetime
import random

from django.utils import timezone

from beneficiaries import needs
from beneficiaries.assessments import active_questionnaire, assessment_record
from beneficiaries.models import Beneficiary, NeedsAssessment
from projects.models import FollowUpVisit
from reintegration.models import Role

SEED = 2026


def _first(rng: random.Random, questionnaire) -> dict[str, int]:
    """Answer indexes for a first assessment: people leaving prison often start with needs."""
    picks = {}
    for question_id, question in needs.questions(questionnaire.definition).items():
        last = len(question["choices"]) - 1
        picks[question_id] = min(last, int(rng.triangular(0, last + 1, last * 0.6)))
    return picks


def _later(rng: random.Random, picks: dict[str, int], questionnaire) -> dict[str, int]:
    """A later assessment: most answers move one step better, a few one step worse."""
    moved = {}
    for question_id, question in needs.questions(questionnaire.definition).items():
        roll = rng.random()
        step = -1 if roll < 0.55 else 1 if roll > 0.88 else 0
        moved[question_id] = max(0, min(len(question["choices"]) - 1, picks[question_id] + step))
    return moved


def _answers(picks: dict[str, int], questionnaire) -> dict[str, str]:
    questions = needs.questions(questionnaire.definition)
    return {qid: questions[qid]["choices"][index]["id"] for qid, index in picks.items()}


def seed(**context) -> dict:
    if NeedsAssessment.objects.exists():
        return {}
    questionnaire = active_questionnaire()
    if questionnaire is None:
        return {}
    rng = random.Random(SEED)  # noqa: S311 (reproducible demo data, not security)
    users = context["users"]
    national = next(u for u in users if u.role == Role.NATIONAL)
    by_centre = {}
    for user in users:
        if user.role == Role.COORDINATOR:
            by_centre.setdefault(user.centre_id, user)
    today = timezone.localdate()
    people = Beneficiary.objects.filter(archived_at__isnull=True).order_by("pk")
    visited = {
        visit.project.beneficiary_id: visit
        for visit in FollowUpVisit.objects.filter(done_on__isnull=False)
        .select_related("project")
        .order_by("done_on", "pk")
    }
    for index, person in enumerate(people):
        if index % 7 == 6:
            continue  # not assessed yet
        by = by_centre.get(person.centre_id, national)
        visit = visited.get(person.pk)
        intake = today - datetime.timedelta(days=60 + rng.randrange(90))
        if visit is not None:
            intake = min(intake, visit.done_on - datetime.timedelta(days=30))
        # Before release (the prison's preparation service) for two people in three, then
        # intake at the centre, then the follow-up visit already recorded, if any.
        occasions = [("intake", intake, None)]
        if index % 3 != 2:
            occasions.insert(0, ("before_release", intake - datetime.timedelta(days=45), None))
        if visit is not None:
            occasions.append(("visit", visit.done_on, visit.pk))
        picks = _first(rng, questionnaire)
        for number, (occasion, assessed_on, visit_id) in enumerate(occasions):
            if number:
                picks = _later(rng, picks, questionnaire)
            assessment_record(
                beneficiary=person,
                questionnaire=questionnaire,
                occasion=occasion,
                assessed_on=assessed_on,
                answers=_answers(picks, questionnaire),
                by=by,
                visit_id=visit_id,
            )
    return {}
