"""Placements in employment: the job a person was placed in (through a referral or not), its
end, and whether the person still holds it, checked on a day, usually at a follow-up visit.

A check (``PlacementCheck``) says whether the person held the placement's job on
``checked_on``: employment at 6 and 12 months after the start is counted from them, so a
check is never recorded for a day before the job started or after it ended. At a follow-up
visit, the visitor answers for each placement still open, and the answers are saved in the
visit's transaction (``visit_record_with_checks``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from projects import services
from projects.models import FollowUpVisit, Placement, PlacementCheck, Referral
from projects.referral_permissions import can_follow_placement, can_record_placement
from projects.referrals import lock_file, not_before, not_in_future
from reintegration import audit
from reintegration.concurrency import ConcurrentEdit, lock_rows
from reintegration.formatting import format_date
from reintegration.models import User
from reintegration.refusals import Refused
from reintegration.text import clean_text


@dataclass(frozen=True)
class Answer:
    """What the visitor said of one placement: still employed, and the pay if so."""

    employed: bool
    monthly_pay: Decimal | None = None


def open_placements(
    beneficiary_id: int,
    *,
    visit: FollowUpVisit | None = None,
    on: datetime.date | None = None,
) -> QuerySet:
    """The person's placements not ended, and those already checked at ``visit`` (a recorded
    visit that is corrected shows its answers again); with ``on`` (the visit's day), only the
    jobs started by then: a visit typed in after a later job began has nothing to say of it."""
    keep = Q(ended_on__isnull=True)
    if visit is not None and visit.pk:
        keep |= Q(checks__visit=visit)
    if on is not None:
        keep &= Q(started_on__lte=on)
    return (
        Placement.objects.filter(keep, beneficiary_id=beneficiary_id)
        .distinct()
        .order_by("started_on", "pk")
    )


def visit_placements(visit: FollowUpVisit, *, on: datetime.date | None = None) -> list[Placement]:
    """What the visit form asks about: ``open_placements`` (started by ``on``, the visit's day
    when it is known), each with the check recorded at this visit, if any, as
    ``visit_checks``."""
    return list(
        open_placements(visit.project.beneficiary_id, visit=visit, on=on).prefetch_related(
            Prefetch(
                "checks",
                queryset=PlacementCheck.objects.filter(visit=visit),
                to_attr="visit_checks",
            )
        )
    )


@transaction.atomic
def placement_create(
    *,
    beneficiary: Beneficiary,
    employer: str,
    job: str,
    started_on: datetime.date,
    monthly_pay: Decimal | None,
    by: User,
    referral: Referral | None = None,
) -> Placement:
    file = lock_file(beneficiary, by)
    if not can_record_placement(by, file):
        raise Refused(_("You may not record a placement for this person."))
    employer, job = clean_text(employer or "").strip(), clean_text(job or "").strip()
    if not employer or not job:
        raise Refused(_("Give the employer and the job."))
    not_in_future(started_on, _("Record the placement once the job has started."))
    if monthly_pay is not None and monthly_pay < 0:
        raise Refused(_("A pay cannot be negative."))
    if referral is not None:
        if referral.beneficiary_id != file.pk or referral.status != Referral.Status.ACCEPTED:
            raise Refused(_("Only an accepted referral of this person can lead to a placement."))
        not_before(
            started_on,
            referral.referred_on,
            _("The job cannot start before the referral that led to it, made on %(date)s."),
        )
    same = file.placements.filter(
        employer__iexact=employer, job__iexact=job, started_on=started_on
    ).first()
    if same is not None:
        # Save sent twice, or two colleagues at once (the file's lock orders them).
        raise Refused(
            _("This placement is already recorded (%(job)s at %(employer)s, since %(date)s).")
            % {"job": same.job, "employer": same.employer, "date": format_date(same.started_on)}
        )
    placement = Placement.objects.create(
        beneficiary=file,
        employer=employer,
        job=job,
        started_on=started_on,
        monthly_pay=monthly_pay,
        referral=referral,
        created_by=by,
    )
    audit.record(
        "placement.created",
        actor=by,
        target=placement,
        changes={
            "started_on": started_on.isoformat(),
            **({"referral": referral.pk} if referral is not None else {}),
        },
    )
    hooks.files_changed([file.pk])
    return placement


def _lock(placement: Placement, by: User) -> Placement:
    file = lock_file(placement.beneficiary, by)
    lock_rows(Placement, placement.pk)
    locked = Placement.objects.get(pk=placement.pk)
    locked.beneficiary = file
    return locked


@transaction.atomic
def placement_end(
    *, placement: Placement, ended_on: datetime.date, by: User, version: int | None = None
) -> Placement:
    """The person left the job (or lost it) on ``ended_on``: no visit asks about it again."""
    locked = _lock(placement, by)
    if locked.ended_on is not None:
        raise Refused(
            _("This placement already ended on %(date)s: nothing was changed.")
            % {"date": format_date(locked.ended_on)}
        )
    if not can_follow_placement(by, locked):
        raise Refused(_("You may not end this placement."))
    if version is not None and locked.version != version:
        raise ConcurrentEdit(locked)
    not_in_future(ended_on, _("The end date cannot be in the future."))
    not_before(ended_on, locked.started_on, _("The job cannot end before it started, on %(date)s."))
    later = locked.checks.filter(checked_on__gt=ended_on, employed=True).first()
    if later is not None:
        raise Refused(
            _("The person still held this job on %(date)s, as checked then: give a later end date.")
            % {"date": format_date(later.checked_on)}
        )
    locked.ended_on = ended_on
    locked.version += 1
    locked.save(update_fields=["ended_on", "version"])
    audit.record(
        "placement.ended", actor=by, target=locked, changes={"ended_on": ended_on.isoformat()}
    )
    hooks.files_changed([locked.beneficiary_id])
    return locked


def _check(
    locked: Placement,
    *,
    checked_on: datetime.date,
    answer: Answer,
    by: User,
    visit: FollowUpVisit | None,
) -> PlacementCheck:
    """Record one answer for a locked placement, replacing the one given at the same visit or
    on the same day."""
    not_in_future(checked_on, _("The date of the check cannot be in the future."))
    not_before(
        checked_on,
        locked.started_on,
        _("The job started on %(date)s: a check cannot come before it."),
    )
    if locked.ended_on is not None and checked_on > locked.ended_on:
        raise Refused(
            _("This placement ended on %(date)s: there is nothing to check after that day.")
            % {"date": format_date(locked.ended_on)}
        )
    pay = answer.monthly_pay if answer.employed else None
    if pay is not None and pay < 0:
        raise Refused(_("A pay cannot be negative."))
    same = Q(checked_on=checked_on) | (Q(visit=visit) if visit is not None else Q(pk__in=[]))
    earlier = list(locked.checks.filter(same).order_by("pk"))
    if len(earlier) > 1:
        raise Refused(
            _("Another check of this placement was recorded on %(date)s: choose another day.")
            % {"date": format_date(checked_on)}
        )
    check = earlier[0] if earlier else PlacementCheck(placement=locked)
    check.checked_on = checked_on
    check.employed = answer.employed
    check.monthly_pay = pay
    check.visit = visit if visit is not None else check.visit
    check.recorded_by = by
    check.save()
    audit.record(
        "placement.checked",
        actor=by,
        target=locked,
        changes={
            "checked_on": checked_on.isoformat(),
            "employed": answer.employed,
            **({"visit": visit.pk} if visit is not None else {}),
        },
    )
    return check


@transaction.atomic
def placement_check(
    *,
    placement: Placement,
    checked_on: datetime.date,
    answer: Answer,
    by: User,
) -> PlacementCheck:
    """Whether the person still held the job on ``checked_on``, asked outside a visit (a
    phone call to the person or the employer)."""
    locked = _lock(placement, by)
    if not can_follow_placement(by, locked):
        raise Refused(_("This placement has ended: its checks can no longer change."))
    check = _check(locked, checked_on=checked_on, answer=answer, by=by, visit=None)
    hooks.files_changed([locked.beneficiary_id])
    return check


@transaction.atomic
def visit_checks_record(
    *, visit: FollowUpVisit, by: User, answers: dict[int, Answer]
) -> list[PlacementCheck]:
    """The answers given at a recorded visit about each of the person's open placements
    (placement id -> answer), checked on the visit's date. They must answer for exactly the
    placements the visit asks about: one added or ended meanwhile is asked about again."""
    if visit.done_on is None:
        raise Refused(_("Record the visit before the answers about the person's jobs."))
    file = lock_file(visit.project.beneficiary, by)
    if not can_record_placement(by, file):
        raise Refused(_("You may not record a placement for this person."))
    if answers:
        lock_rows(Placement, *answers)
    expected = set(
        open_placements(file.pk, visit=visit, on=visit.done_on).values_list("pk", flat=True)
    )
    if set(answers) != expected:
        raise Refused(
            _("The person's placements changed since the page was opened: answer again below.")
        )
    recorded = []
    for placement in Placement.objects.filter(pk__in=answers).order_by("pk"):
        recorded.append(
            _check(
                placement,
                checked_on=visit.done_on,
                answer=answers[placement.pk],
                by=by,
                visit=visit,
            )
        )
    return recorded


@transaction.atomic
def visit_record_with_checks(
    *,
    visit: FollowUpVisit,
    by: User,
    data: dict,
    version: int | None,
    answers: dict[int, Answer],
) -> FollowUpVisit:
    """Record the follow-up visit (``projects.services.visit_record``) and, in the same
    transaction, the answers about the person's placements: a refusal of either saves
    neither."""
    recorded = services.visit_record(visit=visit, by=by, data=data, version=version)
    recorded.project = visit.project
    visit_checks_record(visit=recorded, by=by, answers=answers)
    return recorded


def placements_anonymise(beneficiary: Beneficiary) -> dict[str, list[int]]:
    """For the retention job (``beneficiaries.hooks.ANONYMISERS``): the employer typed in (a
    relative, a shop of the person's street) points to the person; it becomes ``REDACTED``.
    The job, dates, pay and checks stay for the statistics."""
    named = Placement.objects.filter(beneficiary=beneficiary).exclude(employer=audit.REDACTED)
    ids = list(named.order_by("pk").values_list("pk", flat=True))
    Placement.objects.filter(pk__in=ids).update(employer=audit.REDACTED)
    return {"placements": ids} if ids else {}
