"""Needs assessments: recording one (the service), loading a questionnaire version, and the
reads the pages and the dashboard need (the person's latest assessment with its change, the
counts by domain for a scope).

The rules themselves (domains, scores, checking a questionnaire, scoring answers) are pure
functions in ``beneficiaries/needs.py``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import hooks, needs
from beneficiaries.models import Beneficiary, DomainScore, NeedsAssessment, Questionnaire
from beneficiaries.permissions import can_record_assessment
from reintegration import audit
from reintegration.concurrency import lock_rows
from reintegration.formatting import format_date
from reintegration.refusals import Refused

if TYPE_CHECKING:
    from reintegration.models import User

Occasion = NeedsAssessment.Occasion


def active_questionnaire(code: str = "needs") -> Questionnaire | None:
    return Questionnaire.objects.filter(code=code, active=True).first()


@transaction.atomic
def questionnaire_load(*, definition: Any) -> Questionnaire:
    """Store a new version of a questionnaire and offer it to new assessments. A malformed
    one is refused with every reason, one per line; a version already loaded is refused
    (assessments rely on it unchanged)."""
    definition = needs.checked(definition)
    code, version = definition["code"], definition["version"]
    existing = Questionnaire.objects.select_for_update().filter(code=code)
    if existing.filter(version=version).exists():
        raise Refused(
            _("Version %(version)d of the questionnaire “%(code)s” is already loaded.")
            % {"version": version, "code": code}
        )
    latest = existing.order_by("-version").values_list("version", flat=True).first()
    if latest is not None and version < latest:
        raise Refused(
            _("Version %(version)d is older than version %(latest)d, already loaded.")
            % {"version": version, "latest": latest}
        )
    # The new version replaces the one in use for new assessments.
    existing.filter(active=True).update(active=False)
    loaded = Questionnaire.objects.create(
        code=code, version=version, active=True, definition=definition
    )
    audit.record("questionnaire.loaded", target=loaded, changes={"code": code, "version": version})
    return loaded


def assessment_record(
    *,
    beneficiary: Beneficiary,
    questionnaire: Questionnaire,
    occasion: str,
    assessed_on: datetime.date,
    answers: Mapping[str, str],
    by: User,
    visit_id: int | None = None,
) -> NeedsAssessment:
    """Record the person's needs by domain as answered in ``questionnaire`` (question id ->
    answer id, every question answered), scored by the questionnaire's own rules."""
    with transaction.atomic():
        # The file's lock orders two recordings for the same person, so that exactly one
        # assessment stays marked as their latest.
        lock_rows(Beneficiary, beneficiary.pk)
        found = Beneficiary.objects.visible_to(by).filter(pk=beneficiary.pk).first()
        if found is None or not can_record_assessment(by, found):
            raise Refused(_("You may not record a needs assessment for this file."))
        beneficiary = found
        if occasion not in Occasion.values:
            raise Refused(_("Choose when the assessment was made."))
        today = timezone.localdate()
        if assessed_on > today:
            raise Refused(_("The date of the assessment cannot be in the future."))
        if beneficiary.date_of_birth and assessed_on < beneficiary.date_of_birth:
            raise Refused(_("The date of the assessment is before the person's birth."))
        visit = _visit(beneficiary, occasion, visit_id, assessed_on)
        if visit is None and _already(beneficiary, occasion, assessed_on):
            # The form sent twice (or a colleague typing the same sheet): one assessment.
            raise Refused(
                _("A needs assessment %(occasion)s is already recorded for %(date)s.")
                % {"occasion": Occasion(occasion).label, "date": format_date(assessed_on)}
            )
        missing = needs.unanswered(questionnaire.definition, answers)
        if missing:
            raise Refused(
                _("Answer every question: %(count)d left unanswered.") % {"count": len(missing)}
            )
        results = needs.score(questionnaire.definition, answers)
        assessment = NeedsAssessment.objects.create(
            beneficiary=beneficiary,
            questionnaire=questionnaire,
            occasion=occasion,
            assessed_on=assessed_on,
            visit=visit,
            recorded_by=by,
        )
        DomainScore.objects.bulk_create(
            DomainScore(
                assessment=assessment,
                domain=domain,
                score=result.score,
                points=result.points,
                answers=result.answers,
            )
            for domain, result in results.items()
        )
        _mark_latest(beneficiary)
        audit.record(
            "beneficiary.needs_assessed",
            actor=by,
            target=beneficiary,
            changes={
                "occasion": occasion,
                "assessed_on": assessed_on.isoformat(),
                "questionnaire": f"{questionnaire.code} v{questionnaire.version}",
                "visit": visit.pk if visit else None,
                **{f"score_{domain}": result.score for domain, result in results.items()},
            },
        )
        hooks.files_changed([beneficiary.pk])
    return assessment


def _visit(
    beneficiary: Beneficiary, occasion: str, visit_id: int | None, assessed_on: datetime.date
) -> Any:
    """The follow-up visit an assessment is made at: one of the person's recorded visits,
    not assessed yet. Projects sit above this app: the model is reached through the relation."""
    if occasion != Occasion.VISIT:
        if visit_id is not None:
            raise Refused(_("Only an assessment made at a follow-up visit names a visit."))
        return None
    if visit_id is None:
        raise Refused(_("Choose the follow-up visit the assessment was made at."))
    visit_model: Any = NeedsAssessment._meta.get_field("visit").related_model
    visit: Any = (
        visit_model._default_manager.filter(pk=visit_id, project__beneficiary=beneficiary)
        .select_related("needs_assessment")
        .first()
    )
    if visit is None:
        raise Refused(_("This follow-up visit is not one of this person's."))
    if visit.done_on is None:
        raise Refused(_("Record the follow-up visit first, then its needs assessment."))
    if getattr(visit, "needs_assessment", None) is not None:
        raise Refused(_("The needs assessment of this visit is already recorded."))
    if assessed_on != visit.done_on:
        raise Refused(
            _("An assessment made at a follow-up visit is dated the day of the visit, %(date)s.")
            % {"date": format_date(visit.done_on)}
        )
    return visit


def _already(beneficiary: Beneficiary, occasion: str, assessed_on: datetime.date) -> bool:
    return NeedsAssessment.objects.filter(
        beneficiary=beneficiary, occasion=occasion, assessed_on=assessed_on
    ).exists()


def _mark_latest(beneficiary: Beneficiary) -> None:
    """Mark the person's most recent assessment (by date, then by recording) as their latest.
    Called under the file's row lock."""
    mine = NeedsAssessment.objects.filter(beneficiary=beneficiary)
    newest = mine.order_by("-assessed_on", "-pk").values_list("pk", flat=True).first()
    mine.filter(latest=True).exclude(pk=newest).update(latest=False)
    mine.filter(pk=newest).update(latest=True)


# --- Reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainRow:
    """One domain of an assessment as a page shows it, with its change from the previous one."""

    domain: str
    score: str
    points: int
    previous: str | None = None

    @property
    def label(self) -> str:
        return str(needs.Domain(self.domain).label)

    @property
    def score_label(self) -> str:
        return str(needs.Score(self.score).label)

    @property
    def change(self) -> str | None:
        return needs.change(self.previous, self.score) if self.previous else None

    @property
    def change_label(self) -> str:
        return str(needs.Change(self.change).label) if self.change else ""

    @property
    def previous_label(self) -> str:
        return str(needs.Score(self.previous).label) if self.previous else ""


def domain_rows(
    assessment: NeedsAssessment, previous: NeedsAssessment | None = None
) -> list[DomainRow]:
    """The assessment's scores in the domains' order, each with the previous assessment's
    score of the same domain (``scores`` prefetched on both saves queries)."""
    before = {s.domain: s.score for s in previous.scores.all()} if previous else {}
    mine = {s.domain: s for s in assessment.scores.all()}
    return [
        DomainRow(domain, mine[domain].score, mine[domain].points, before.get(domain))
        for domain in needs.DOMAINS
        if domain in mine
    ]


def assessments_of(beneficiary: Beneficiary) -> QuerySet[NeedsAssessment]:
    return (
        NeedsAssessment.objects.filter(beneficiary=beneficiary)
        .select_related("questionnaire", "recorded_by", "visit")
        .prefetch_related("scores")
        .order_by("-assessed_on", "-pk")
    )


def latest_two(beneficiary: Beneficiary) -> tuple[NeedsAssessment | None, NeedsAssessment | None]:
    """The person's latest assessment and the one before it (two queries)."""
    found = list(assessments_of(beneficiary)[:2])
    return (found[0] if found else None, found[1] if len(found) > 1 else None)


def previous_of(assessment: NeedsAssessment) -> NeedsAssessment | None:
    """The assessment made just before this one, in the order the person's assessments
    follow each other."""
    return (
        assessments_of(assessment.beneficiary)
        .filter(assessed_on__lte=assessment.assessed_on)
        .exclude(assessed_on=assessment.assessed_on, pk__gte=assessment.pk)
        .first()
    )


@dataclass(frozen=True)
class QuestionRow:
    question: str
    answer: str
    points: int


def answered_questions(assessment: NeedsAssessment, domain_score: DomainScore) -> list[QuestionRow]:
    """A domain's questions with the answers given, in the assessment's own version and the
    reader's language."""
    definition = assessment.questionnaire.definition
    return [
        QuestionRow(*row)
        for row in needs.answered(definition, domain_score.domain, domain_score.answers)
    ]


# --- Counts for a scope ------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainCounts:
    domain: str
    red: int
    amber: int
    green: int
    none: int

    @property
    def label(self) -> str:
        return str(needs.Domain(self.domain).label)

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.none


def needs_by_domain(people: QuerySet[Beneficiary]) -> list[DomainCounts]:
    """For each domain, how many of ``people`` (open files) are red, amber or green on their
    latest assessment, and how many have none. Two queries whatever the number of people."""
    people = people.filter(archived_at__isnull=True)
    counted = (
        DomainScore.objects.filter(
            assessment__latest=True, assessment__beneficiary__in=people.values("pk")
        )
        .values("domain", "score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    scored = {(row["domain"], row["score"]): row["n"] for row in counted}
    return domain_counts(scored, people.count())


def domain_counts(scored: Mapping[tuple[str, str], int], people: int) -> list[DomainCounts]:
    """The rows of ``needs_by_domain`` from how many of ``people`` open files have each
    (domain, score) on their latest assessment: the dashboard adds these up centre by centre."""
    rows = []
    for domain in needs.DOMAINS:
        red, amber, green = (
            scored.get((domain, score), 0)
            for score in (needs.Score.RED.value, needs.Score.AMBER.value, needs.Score.GREEN.value)
        )
        rows.append(
            DomainCounts(
                domain, red=red, amber=amber, green=green, none=people - red - amber - green
            )
        )
    return rows
