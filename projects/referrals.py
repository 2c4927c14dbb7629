"""Referrals of a person to a partner's service: the centre refers (what is asked, to which
service, on which day), records the partner's answer (accepted or declined, on which day) and,
once accepted, what came of it (achieved, partly, not achieved, with a comment).

Each service locks the file's row first, then the referral's, so that a referral never
changes while the file is being archived or moved to another centre, and two answers to one
referral see each other. The free text (what was asked, the comment on the outcome) is about
the person: it never goes to the audit log, and the retention job clears it
(``referrals_anonymise``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from partners.models import PartnerService
from projects.models import Referral
from projects.referral_permissions import can_answer_referral, can_record_outcome, can_refer
from reintegration import audit
from reintegration.audit import REDACTED
from reintegration.concurrency import ConcurrentEdit, lock_rows
from reintegration.formatting import format_date
from reintegration.models import User
from reintegration.refusals import Refused
from reintegration.text import clean_text


def lock_file(beneficiary: Beneficiary, by: User) -> Beneficiary:
    """The file under its row lock, read again within what ``by`` may see."""
    lock_rows(Beneficiary, beneficiary.pk)
    locked = Beneficiary.objects.visible_to(by).filter(pk=beneficiary.pk).first()
    if locked is None:
        raise Refused(_("This file is no longer in your lists."))
    if locked.is_archived:
        raise Refused(_("This file is archived: restore it before recording anything on it."))
    return locked


def not_in_future(day: datetime.date, message: str) -> None:
    if day > timezone.localdate():
        raise Refused(message)


def not_before(day: datetime.date, earlier: datetime.date, message: str) -> None:
    if day < earlier:
        raise Refused(message % {"date": format_date(earlier)})


def _lock(referral: Referral, by: User) -> Referral:
    file = lock_file(referral.beneficiary, by)
    lock_rows(Referral, referral.pk)
    locked = Referral.objects.select_related("service__partner").get(pk=referral.pk)
    locked.beneficiary = file
    return locked


def _check_version(locked: Referral, version: int | None) -> None:
    if version is not None and locked.version != version:
        raise ConcurrentEdit(locked)


@transaction.atomic
def referral_create(
    *,
    beneficiary: Beneficiary,
    service: PartnerService,
    request: str,
    referred_on: datetime.date,
    by: User,
) -> Referral:
    """Refer the person to ``service``: the referral waits for the partner's answer."""
    file = lock_file(beneficiary, by)
    if not can_refer(by, file):
        raise Refused(_("You may not refer this person to a partner."))
    lock_rows(PartnerService, service.pk)
    if not PartnerService.objects.filter(pk=service.pk, active=True).exists():
        raise Refused(_("This service is no longer offered: choose another one."))
    open_one = (
        file.referrals.filter(service=service, outcome="")
        .exclude(status=Referral.Status.DECLINED)
        .order_by("referred_on")
        .first()
    )
    if open_one is not None:
        # Save sent twice, or two colleagues at once (the file's lock orders them): one
        # referral to a service is followed at a time.
        raise Refused(
            _(
                "This person's referral to this service, made on %(date)s, is still open: "
                "record its answer or outcome instead."
            )
            % {"date": format_date(open_one.referred_on)}
        )
    request = clean_text(request or "").strip()
    if not request:
        raise Refused(_("Say what is asked of the partner."))
    not_in_future(referred_on, _("The date of the referral cannot be in the future."))
    referral = Referral.objects.create(
        beneficiary=file,
        service=service,
        request=request,
        referred_on=referred_on,
        created_by=by,
    )
    audit.record(
        "referral.created",
        actor=by,
        target=referral,
        changes={"service": service.pk, "referred_on": referred_on.isoformat()},
    )
    hooks.files_changed([file.pk])
    return referral


@transaction.atomic
def referral_answer(
    *,
    referral: Referral,
    accepted: bool,
    answered_on: datetime.date,
    by: User,
    version: int | None = None,
) -> Referral:
    """Record the partner's answer: accepted (the centre will record the outcome) or
    declined (the referral ends there)."""
    locked = _lock(referral, by)
    if locked.status != Referral.Status.REQUESTED:
        raise Refused(
            _("This referral was already answered (%(status)s): nothing was changed.")
            % {"status": locked.get_status_display()}
        )
    if not can_answer_referral(by, locked):
        raise Refused(_("You may not record the answer to this referral."))
    _check_version(locked, version)
    not_in_future(answered_on, _("The date of the answer cannot be in the future."))
    not_before(
        answered_on,
        locked.referred_on,
        _("The answer cannot come before the referral, made on %(date)s."),
    )
    locked.status = Referral.Status.ACCEPTED if accepted else Referral.Status.DECLINED
    locked.answered_on = answered_on
    locked.version += 1
    locked.save(update_fields=["status", "answered_on", "version"])
    audit.record(
        "referral.answered",
        actor=by,
        target=locked,
        changes={"status": locked.status, "answered_on": answered_on.isoformat()},
    )
    hooks.files_changed([locked.beneficiary_id])
    return locked


@transaction.atomic
def referral_outcome(
    *,
    referral: Referral,
    outcome: str,
    comment: str,
    outcome_on: datetime.date,
    by: User,
    version: int | None = None,
) -> Referral:
    """Record what came of an accepted referral. Once recorded it is final: the task that
    reminded the referent to record it is settled."""
    locked = _lock(referral, by)
    if locked.status == Referral.Status.REQUESTED:
        raise Refused(
            _("Record the partner's answer first: an outcome follows an accepted referral.")
        )
    if locked.status == Referral.Status.DECLINED:
        raise Refused(_("The partner declined this referral: it has no outcome."))
    if locked.outcome:
        raise Refused(
            _("The outcome of this referral is already recorded (%(outcome)s).")
            % {"outcome": locked.get_outcome_display()}
        )
    if not can_record_outcome(by, locked):
        raise Refused(_("You may not record the outcome of this referral."))
    _check_version(locked, version)
    if outcome not in Referral.Outcome.values:
        raise Refused(_("Choose the outcome of the referral."))
    not_in_future(outcome_on, _("The date of the outcome cannot be in the future."))
    if locked.answered_on is not None:  # always, once accepted (a database constraint)
        not_before(
            outcome_on,
            locked.answered_on,
            _("The outcome cannot come before the partner's acceptance, on %(date)s."),
        )
    locked.outcome = outcome
    locked.outcome_comment = clean_text(comment or "").strip()
    locked.outcome_on = outcome_on
    locked.version += 1
    locked.save(update_fields=["outcome", "outcome_comment", "outcome_on", "version"])
    audit.record(
        "referral.outcome",
        actor=by,
        target=locked,
        changes={"outcome": outcome, "outcome_on": outcome_on.isoformat()},
    )
    hooks.files_changed([locked.beneficiary_id])
    return locked


def referrals_anonymise(beneficiary: Beneficiary) -> dict[str, list[int]]:
    """For the retention job (``beneficiaries.hooks.ANONYMISERS``): what was asked of the
    partners about the person, and the comments on the outcomes, become ``REDACTED``. The
    services, dates, answers and outcomes stay for the statistics."""
    referrals = Referral.objects.filter(beneficiary=beneficiary)
    ids = list(referrals.order_by("pk").values_list("pk", flat=True))
    referrals.update(request=REDACTED)
    referrals.exclude(outcome_comment="").update(outcome_comment=REDACTED)
    return {"referrals": ids} if ids else {}
