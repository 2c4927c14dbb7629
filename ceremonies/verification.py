"""Handover verification: after a ceremony, and at 6 and 12 months, a random sample of its
beneficiaries is called or visited to check that the equipment arrived and is in use.

- ``sample_size``: how many to call for a confidence level and a margin of error (Cochran's
  formula with the finite population correction), never more than the ceremony's handovers.
- ``draw``: which handovers, from a stored seed, so that anyone can draw the same sample again.
- ``round_draw`` and ``check_record``: the two writes, under row locks, audited.
- ``ceremony_rounds`` and ``convention_tally``: the results, in one query each.
- ``verifications_due``: the system task asking for a round's sample once its milestone came.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import random
import secrets
from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries import hooks
from beneficiaries.access_request import Section
from beneficiaries.models import Beneficiary
from casework import milestones
from casework.milestones import Milestone
from casework.models import Task
from casework.services import task_create
from ceremonies import permissions
from ceremonies.models import Ceremony, Handover, VerificationCheck, VerificationRound
from partners.models import Allocation, Convention
from projects.services import add_months
from reintegration import audit
from reintegration.concurrency import ConcurrentEdit, lock_rows
from reintegration.formatting import format_date
from reintegration.models import Role, User
from reintegration.refusals import Refused

Received = VerificationCheck.Received
Equipment = VerificationCheck.Equipment
MILESTONES: tuple[int, ...] = tuple(VerificationRound.Milestone.values)

# --- The sample's size ----------------------------------------------------------------------

# The normal distribution's two-sided critical values, as statistics tables print them.
Z = {90: Fraction(Decimal("1.645")), 95: Fraction(Decimal("1.96")), 99: Fraction(Decimal("2.576"))}
CONFIDENCE_LEVELS: tuple[int, ...] = tuple(Z)
MARGINS: tuple[int, ...] = (3, 5, 10)


def sample_size(population: int, *, confidence: int, margin: int) -> int:
    """How many of ``population`` handovers to check so that a proportion found in the sample
    is within ``margin`` percent of the truth with ``confidence`` percent confidence.

    Cochran: n0 = z² p (1 - p) / e², with p = 0.5 (the most cautious guess); corrected for a
    finite population: n = n0 N / (n0 + N - 1), rounded up. Computed with fractions: no
    binary rounding may tip a whole number over to the next one."""
    if population < 1:
        return 0
    z = Z[confidence]
    error = Fraction(margin, 100)
    n0 = z * z * Fraction(1, 4) / (error * error)
    return min(population, math.ceil(n0 * population / (n0 + population - 1)))


def draw(handover_ids: Iterable[int], size: int, seed: str) -> list[int]:
    """The handovers drawn, in the order drawn: Python's Mersenne Twister seeded with the
    stored seed, sampling from the handovers sorted by id. The same seed and handovers give
    the same sample on any machine."""
    # Not for secrecy: the draw must be repeatable from its stored seed.
    return random.Random(int(seed, 16)).sample(sorted(handover_ids), size)  # noqa: S311


def due_on(ceremony: Ceremony, months: int) -> datetime.date:
    return add_months(ceremony.held_on, months)


# --- Writes ---------------------------------------------------------------------------------

DRAWABLE = (Ceremony.Status.HELD, Ceremony.Status.CLOSED)


def draw_refusal(ceremony: Ceremony, months: int, today: datetime.date | None = None) -> str:
    """Why this round's sample cannot be drawn now, or "" (the page and the service ask it)."""
    today = today or timezone.localdate()
    if ceremony.status not in DRAWABLE:
        return _("A sample is drawn once the ceremony is held.")
    if months not in MILESTONES:
        return _("Samples are drawn after the ceremony, at 6 months and at 12 months.")
    drawn = (
        VerificationRound.objects.filter(ceremony=ceremony, months=months)
        .select_related("drawn_by")
        .first()
    )
    if drawn is not None:
        return _(
            "This sample was already drawn on %(date)s by %(name)s: a sample is drawn once, "
            "so that nobody can draw again until the result suits them."
        ) % {
            "date": format_date(timezone.localdate(drawn.drawn_at)),
            "name": drawn.drawn_by.get_full_name() or drawn.drawn_by.get_username(),
        }
    if today < due_on(ceremony, months):
        return _("This sample can be drawn from %(date)s.") % {
            "date": format_date(due_on(ceremony, months))
        }
    if not ceremony.handovers.exists():
        return _("This ceremony has no handover to check.")
    return ""


@transaction.atomic
def round_draw(
    *,
    ceremony: Ceremony,
    months: int,
    by: User,
    size: int | None = None,
    confidence: int | None = None,
    margin: int | None = None,
    seed: str | None = None,
) -> VerificationRound:
    """Draw the sample of one round: ``size`` typed, or computed from ``confidence`` and
    ``margin``. Refused if the round was drawn already: the ceremony's row lock queues two
    simultaneous draws, and the second finds the first's round.

    ``seed`` is for the demo data, which must come out the same on every run; the pages never
    pass one, so staff cannot pick the seed that draws the people they would rather call."""
    lock_rows(Ceremony, ceremony.pk)
    locked = Ceremony.objects.visible_to(by).filter(pk=ceremony.pk).first()
    if locked is None:
        raise Refused(_("This ceremony is outside your area of work."))
    if not permissions.can_draw_sample(by, locked):
        raise Refused(_("Your role does not allow drawing verification samples."))
    if refusal := draw_refusal(locked, months):
        raise Refused(refusal)
    population = sorted(locked.handovers.values_list("pk", flat=True))
    if size is None:
        if confidence not in Z or margin not in MARGINS:
            raise Refused(_("Type the sample size, or choose a confidence level and a margin."))
        size = sample_size(len(population), confidence=confidence, margin=margin)
    else:
        confidence = margin = None
        if not 1 <= size <= len(population):
            raise Refused(
                _("The sample size must be between 1 and %(count)s, the number of handovers.")
                % {"count": len(population)}
            )
    seed = seed or secrets.token_hex(16)
    drawn = VerificationRound.objects.create(
        ceremony=locked,
        months=months,
        population=len(population),
        size=size,
        confidence=confidence,
        margin=margin,
        seed=seed,
        drawn_by=by,
    )
    picked = draw(population, size, seed)
    VerificationCheck.objects.bulk_create(
        VerificationCheck(round=drawn, handover_id=pk, position=index)
        for index, pk in enumerate(picked, start=1)
    )
    audit.record(
        "ceremony.sample_drawn",
        actor=by,
        target=drawn,
        target_label=f"{locked} · {months}",
        changes={
            "months": months,
            "population": len(population),
            "size": size,
            "confidence": confidence,
            "margin": margin,
            "seed": seed,
            "handovers": picked,
        },
    )
    # The task asking for this sample is settled once the change commits.
    hooks.files_changed(
        locked.handovers.values_list("project__beneficiary_id", flat=True).distinct()
    )
    return drawn


PROBLEM_RECEIVED = (Received.NOT_RECEIVED, Received.PROBLEMS)
PROBLEM_EQUIPMENT = (Equipment.SOLD, Equipment.BROKEN)
COMMENT_LENGTH = 1000
# Days given to follow up a problem found.
PROBLEM_TASK_DAYS = 7


def is_problem(received: str, equipment: str) -> bool:
    return received in PROBLEM_RECEIVED or equipment in PROBLEM_EQUIPMENT


def _findings(received: str, equipment: str) -> str:
    found = [str(Received(received).label)]
    if equipment:
        found.append(_("equipment %(status)s") % {"status": Equipment(equipment).label})
    return ", ".join(found) if not translation.get_language_bidi() else "، ".join(found)


def _problem_task(check: VerificationCheck, by: User) -> Task | None:
    """A task for the file's referent saying what the call or visit found, written in the
    referent's language (their task list shows it as written)."""
    person = check.handover.project.beneficiary
    if person.is_archived:
        return None
    referent = person.referent
    if not (
        referent is not None
        and referent.is_active
        and referent.role == Role.COORDINATOR
        and referent.centre_id == person.centre_id
    ):
        referent = None
    language = (referent.language if referent is not None else "") or translation.get_language()
    with translation.override(language):
        title = _(
            "Handover verification (%(milestone)s) of the ceremony of %(date)s found: "
            "%(found)s. Follow it up with the person."
        ) % {
            "milestone": check.round.get_months_display(),
            "date": format_date(check.round.ceremony.held_on),
            "found": _findings(check.received, check.equipment),
        }
    return task_create(
        beneficiary=person,
        project=check.handover.project,
        title=title,
        due_on=timezone.localdate() + datetime.timedelta(days=PROBLEM_TASK_DAYS),
        assignee=referent,
        by=by,
    )


CHECK_FIELDS = ("method", "checked_on", "received", "equipment", "comment")


@transaction.atomic
def check_record(
    *,
    check: VerificationCheck,
    method: str,
    checked_on: datetime.date,
    received: str,
    equipment: str,
    comment: str,
    by: User,
    version: int | None,
) -> VerificationCheck:
    """Record (or correct) what the call or visit to one sampled person found. A problem
    (nothing or not everything received, equipment sold or broken) newly found writes a task
    for the file's referent."""
    lock_rows(VerificationCheck, check.pk)
    locked = VerificationCheck.objects.select_related(
        "round__ceremony", "handover__project__beneficiary__referent"
    ).get(pk=check.pk)
    person = locked.handover.project.beneficiary
    if not permissions.can_record_check(by):
        raise Refused(_("Your role does not allow recording checks."))
    if (
        not Ceremony.objects.visible_to(by).filter(pk=locked.round.ceremony_id).exists()
        or not Beneficiary.objects.visible_to(by).filter(pk=person.pk).exists()
    ):
        raise Refused(_("This person is outside your area of work."))
    if version is not None and locked.version != version:
        raise ConcurrentEdit(locked)
    comment = comment.strip()
    if method not in VerificationCheck.Method.values:
        raise Refused(_("Say whether the person was called or visited."))
    if received not in Received.values:
        raise Refused(_("Say whether the equipment was received."))
    if received == Received.NOT_RECEIVED and equipment:
        raise Refused(_("Nothing was received: leave the equipment status empty."))
    if received != Received.NOT_RECEIVED and equipment not in Equipment.values:
        raise Refused(_("Say what became of the equipment."))
    if received == Received.PROBLEMS and not comment:
        raise Refused(_("Say what the problems are in the comment."))
    if len(comment) > COMMENT_LENGTH:
        raise Refused(
            _("Write the comment in %(count)s characters or fewer.") % {"count": COMMENT_LENGTH}
        )
    if checked_on > timezone.localdate():
        raise Refused(_("The check cannot be dated in the future."))
    if checked_on < locked.round.ceremony.held_on:
        raise Refused(_("The check cannot be dated before the ceremony."))
    milestone = due_on(locked.round.ceremony, locked.round.months)
    if checked_on < milestone:
        # A 6-month check dated earlier says nothing of the 6 months.
        raise Refused(
            _("The checks of this sample (%(milestone)s) cannot be dated before %(date)s.")
            % {"milestone": locked.round.get_months_display(), "date": format_date(milestone)}
        )
    before = {name: getattr(locked, name) for name in CHECK_FIELDS}
    was_problem = locked.is_checked and is_problem(locked.received, locked.equipment)
    locked.method, locked.checked_on, locked.comment = method, checked_on, comment
    locked.received, locked.equipment = received, equipment
    locked.checked_by, locked.checked_at = by, timezone.now()
    locked.version += 1
    locked.save(update_fields=[*CHECK_FIELDS, "checked_by", "checked_at", "version"])
    # The comment may describe the person: it stays on the check (which the retention job
    # clears), never in the append-only log.
    audit.record(
        "ceremony.check_recorded",
        actor=by,
        target=locked,
        target_label=f"{person.file_number} · {locked.round}",
        changes={
            name: [str(before[name] or ""), str(getattr(locked, name) or "")]
            for name in CHECK_FIELDS
            if name != "comment" and before[name] != getattr(locked, name)
        },
    )
    if is_problem(received, equipment) and not (
        was_problem and (before["received"], before["equipment"]) == (received, equipment)
    ):
        _problem_task(locked, by)
    return locked


# --- Results --------------------------------------------------------------------------------


def _percent(count: int, total: int) -> str:
    if not total:
        return ""
    return str((Decimal(count) * 100 / total).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclasses.dataclass
class Tally:
    """What the checks of a round (or of a convention's handovers) found."""

    sampled: int
    checked: int
    # (label, count, percent of the checked), in the order of the choices.
    received: list[tuple[str, int, str]]
    equipment: list[tuple[str, int, str]]

    @property
    def complete(self) -> bool:
        return self.sampled > 0 and self.checked == self.sampled


def _counts(prefix: str = "") -> dict[str, Any]:
    """The aggregates a Tally is made of, over checks reached through ``prefix``."""
    checked = Q(**{f"{prefix}checked_on__isnull": False})
    key = f"{prefix}pk" if prefix else "pk"
    counts: dict[str, Any] = {
        "n_sampled": Count(key),
        "n_checked": Count(key, filter=checked),
    }
    for value in Received.values:
        counts[f"r_{value}"] = Count(key, filter=checked & Q(**{f"{prefix}received": value}))
    for value in Equipment.values:
        counts[f"e_{value}"] = Count(key, filter=checked & Q(**{f"{prefix}equipment": value}))
    return counts


def _tally(row: Any) -> Tally:
    def get(name: str) -> int:
        return int((row.get(name) if isinstance(row, dict) else getattr(row, name)) or 0)

    checked = get("n_checked")
    return Tally(
        sampled=get("n_sampled"),
        checked=checked,
        received=[
            (str(label), get(f"r_{value}"), _percent(get(f"r_{value}"), checked))
            for value, label in Received.choices
        ],
        equipment=[
            (str(label), get(f"e_{value}"), _percent(get(f"e_{value}"), checked))
            for value, label in Equipment.choices
        ],
    )


@dataclasses.dataclass
class RoundSummary:
    months: int
    label: str
    due_on: datetime.date
    round: VerificationRound | None
    tally: Tally | None


def ceremony_rounds(ceremony: Ceremony) -> list[RoundSummary]:
    """The three rounds of a ceremony, drawn or not, with what their checks found: one query."""
    drawn = {
        r.months: r
        for r in VerificationRound.objects.filter(ceremony=ceremony)
        .select_related("drawn_by")
        .annotate(**_counts("checks__"))
    }
    return [
        RoundSummary(
            months=months,
            label=str(label),
            due_on=due_on(ceremony, months),
            round=drawn.get(months),
            tally=_tally(drawn[months]) if months in drawn else None,
        )
        for months, label in VerificationRound.Milestone.choices
    ]


def paid_by(convention: Convention) -> Exists:
    """Handovers whose project the convention paid for: money moved from its allocation at
    the ceremony (``disbursed``)."""
    return Exists(
        Allocation.objects.filter(
            project=OuterRef("handover__project"), convention=convention, disbursed__gt=0
        )
    )


def convention_tally(convention: Convention) -> list[tuple[str, Tally]]:
    """Per milestone, what the checks of the handovers the convention paid for found: one
    query."""
    rows = {
        row["round__months"]: row
        for row in VerificationCheck.objects.filter(paid_by(convention))
        .values("round__months")
        .annotate(**_counts())
        .order_by()
    }
    return [
        (str(label), _tally(rows[months]))
        for months, label in VerificationRound.Milestone.choices
        if months in rows
    ]


def convention_section(convention: Convention, user: User) -> dict[str, Any] | None:
    """The convention page's section (``partners.hooks.CONVENTION_SECTIONS``): counts only,
    for whoever reads the convention; nothing when none of its handovers was sampled."""
    if not permissions.can_view_verification(user):
        return None
    tallies = convention_tally(convention)
    if not tallies:
        return None
    return {"template": "ceremonies/_convention_verification.html", "tallies": tallies}


def round_checks(verification_round: VerificationRound) -> QuerySet[VerificationCheck]:
    """The sampled handovers of a round with their people, for its page: one query."""
    return verification_round.checks.select_related(
        "handover__project__beneficiary", "checked_by"
    ).order_by("position")


# --- The task asking for a round's sample ---------------------------------------------------

VERIFICATION_DUE = "verification_due"
# A round not drawn within this many months of its milestone is no longer asked for: the
# next round's sample says more.
DUE_WINDOW_MONTHS = 6


def verifications_due(ids: Collection[int] | None, today: datetime.date) -> Iterator[Milestone]:
    """Each round of a held ceremony whose milestone came and whose sample is not drawn: one
    task per round, on the file of the ceremony's first handover (a task belongs to a file),
    given like the ceremony's other tasks to that file's referent, who may pass it to the
    region's staff who draw the sample. Two queries."""
    first = Handover.objects.filter(ceremony=OuterRef("pk")).order_by("pk")
    ceremonies = Ceremony.objects.filter(
        status__in=DRAWABLE, held_on__gte=add_months(today, -(max(MILESTONES) + DUE_WINDOW_MONTHS))
    ).annotate(
        anchor_person=Subquery(first.values("project__beneficiary_id")[:1]),
        anchor_project=Subquery(first.values("project_id")[:1]),
    )
    ceremonies = ceremonies.filter(
        anchor_person__in=milestones.of_open_files(Beneficiary.objects.all(), "", ids).values("pk")
    )
    rows = list(ceremonies.values_list("pk", "held_on", "anchor_person", "anchor_project"))
    drawn = set(
        VerificationRound.objects.filter(ceremony__in=[row[0] for row in rows]).values_list(
            "ceremony_id", "months"
        )
    )
    for pk, held_on, person, project in rows:
        for months in MILESTONES:
            due = add_months(held_on, months)
            if (pk, months) in drawn or not due <= today < add_months(due, DUE_WINDOW_MONTHS):
                continue
            yield Milestone(
                kind=VERIFICATION_DUE,
                subject=f"verification:{pk}:{months}",
                beneficiary_id=person,
                project_id=project,
                due_on=due,
                params={
                    "ceremony": pk,
                    "months": months,
                    "date": held_on.strftime("%d/%m/%Y"),
                    "due": due.strftime("%d/%m/%Y"),
                },
            )


def _round_link(task: Task) -> str:
    return reverse("verification_round", args=[task.params["ceremony"], task.params["months"]])


def register_milestone() -> None:
    milestones.register(
        VERIFICATION_DUE,
        label=gettext_lazy("Handover verification sample to draw"),
        title=gettext_lazy(
            "Verification sample of the ceremony of %(date)s, due on %(due)s: to be drawn by "
            "regional staff"
        ),
        find=verifications_due,
        link=_round_link,
    )


# --- The person's data ----------------------------------------------------------------------


def access_sections(beneficiary: Beneficiary) -> list[Section]:
    """The checks about the person, in their right-of-access PDF."""
    checks = list(
        VerificationCheck.objects.filter(handover__project__beneficiary=beneficiary)
        .select_related("round__ceremony", "checked_by")
        .order_by("round__ceremony__held_on", "round__months", "pk")
    )
    if not checks:
        return []
    return [
        Section(
            gettext_lazy("Handover verification"),
            VerificationCheck,
            (
                "round",
                "method",
                "checked_on",
                "received",
                "equipment",
                "comment",
                "checked_by",
                "checked_at",
            ),
            checks,
            labels={
                "round": gettext_lazy("Sample"),
                "checked_by": gettext_lazy("Recorded by"),
                "checked_at": gettext_lazy("Recorded"),
            },
        )
    ]


def checks_anonymise(person: Beneficiary) -> dict[str, list[int]]:
    """For the retention job (``beneficiaries.hooks.ANONYMISERS``): the comments typed about
    the person at their checks become ``audit.REDACTED``."""
    commented = VerificationCheck.objects.filter(handover__project__beneficiary=person).exclude(
        comment__in=["", audit.REDACTED]
    )
    changed = sorted(commented.values_list("pk", flat=True))
    VerificationCheck.objects.filter(pk__in=changed).update(comment=audit.REDACTED)
    return {"verification_checks": changed}


def draw_sizes(population: int) -> Sequence[tuple[int, int, int]]:
    """The size each confidence and margin would give, for the draw form's table."""
    return [
        (confidence, margin, sample_size(population, confidence=confidence, margin=margin))
        for confidence in CONFIDENCE_LEVELS
        for margin in MARGINS
    ]
