"""Transfers of a person's file between centres: the centre that follows the person asks, the
centre where they settled accepts or declines, and only an acceptance moves the file.

What moves with the file: everything scoped through the file's centre (its life projects and
their follow-up visits, budget lines and ledger movements, documents, consents, the detention
record, tasks), so the receiving centre sees them and the sending one no longer does. What
stays: the file number (numbers are never reused nor renumbered), the money (an allocation
stays on the convention that paid it), the ceremonies already held by the sending centre with
their certificates, and every request, answered or not, in the file's history.

Apps above add reasons to refuse a transfer through ``TRANSFER_CHECKS`` (ceremonies: a person
on a planned ceremony of the sending centre must be removed from it first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries.models import Beneficiary
from casework.caseload import open_tasks_follow, referent_refusal
from casework.models import TransferRequest
from casework.transfer_permissions import (
    can_answer_transfer,
    can_cancel_transfer,
    can_request_transfer,
)
from reintegration import audit, notifications
from reintegration.audit import REDACTED
from reintegration.concurrency import lock_rows
from reintegration.models import Centre, Role, User
from reintegration.refusals import Refused
from reintegration.text import clean_text, fold

if TYPE_CHECKING:
    from django.db.models import QuerySet

# Each returns why this file cannot move now, in the user's language, or "".
TRANSFER_CHECKS: list[Callable[[Beneficiary], str]] = []

NOTIFICATIONS = {
    "transfer.requested": (
        gettext_lazy("Transfer of a file requested"),
        gettext_lazy("%(from)s asks your centre to take over the file %(number)s."),
    ),
    "transfer.accepted": (
        gettext_lazy("Transfer of a file accepted"),
        gettext_lazy("%(to)s accepted the transfer of the file %(number)s."),
    ),
    "transfer.declined": (
        gettext_lazy("Transfer of a file declined"),
        gettext_lazy("%(to)s declined the transfer of the file %(number)s."),
    ),
    "transfer.cancelled": (
        gettext_lazy("Transfer of a file withdrawn"),
        gettext_lazy("%(from)s withdrew its request to transfer the file %(number)s."),
    ),
}


def register_notifications() -> None:
    for code, (label, message) in NOTIFICATIONS.items():
        notifications.register(code, label=label, message=message)


def transfer_refusal(beneficiary: Beneficiary) -> str:
    """Why the file cannot be transferred now ("" when it can): the request page says it before
    the user confirms, and the services refuse for the same reason."""
    if beneficiary.is_archived:
        return _("An archived file cannot be transferred: restore it first.")
    for check in TRANSFER_CHECKS:
        if refusal := check(beneficiary):
            return refusal
    return ""


def target_centres(beneficiary: Beneficiary) -> list[Centre]:
    """The centres a file may go to, sorted by their name in the reader's language."""
    centres = Centre.objects.filter(active=True).exclude(pk=beneficiary.centre_id)
    return sorted(centres, key=lambda centre: fold(centre.name))


def centre_coordinators(*centre_ids: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.COORDINATOR, centre__in=centre_ids, is_active=True)


def _lock_file(beneficiary: Beneficiary, by: User) -> Beneficiary:
    """The file under a row lock, within what ``by`` may see: every transfer of one file queues
    here, so two answers to one request, or a request racing an acceptance, see each other."""
    lock_rows(Beneficiary, beneficiary.pk)
    locked = (
        Beneficiary.objects.visible_to(by)
        .filter(pk=beneficiary.pk)
        .select_related("centre", "referent")
        .first()
    )
    if locked is None:
        raise Refused(_("This file is no longer in your lists."))
    return locked


def _lock_transfer(transfer: TransferRequest, by: User) -> tuple[TransferRequest, Beneficiary]:
    """The file, then the request, both locked and read again."""
    lock_rows(Beneficiary, transfer.beneficiary_id)
    lock_rows(TransferRequest, transfer.pk)
    file = Beneficiary.objects.select_related("centre", "referent")
    locked_file = file.get(pk=transfer.beneficiary_id)
    locked = (
        TransferRequest.objects.visible_to(by)
        .select_related("from_centre", "to_centre", "requested_by")
        .filter(pk=transfer.pk)
        .first()
    )
    if locked is None:
        raise Refused(_("This transfer is no longer in your lists."))
    if locked.status != TransferRequest.Status.REQUESTED:
        raise Refused(
            _("This transfer was already answered (%(status)s): nothing was changed.")
            % {"status": locked.get_status_display()}
        )
    locked.beneficiary = locked_file
    return locked, locked_file


@transaction.atomic
def transfer_request(
    *, beneficiary: Beneficiary, to_centre: Centre, reason: str, by: User
) -> TransferRequest:
    """Ask ``to_centre`` to take over the file; nothing moves until it accepts."""
    file = _lock_file(beneficiary, by)
    if not can_request_transfer(by, file):
        raise Refused(_("You may not transfer this file."))
    reason = clean_text(reason or "").strip()
    if not reason:
        raise Refused(_("Say why the file should move to another centre."))
    if to_centre.pk == file.centre_id:
        raise Refused(_("The file already belongs to this centre."))
    if not Centre.objects.filter(pk=to_centre.pk, active=True).exists():
        raise Refused(_("This centre is closed: choose another one."))
    if refusal := transfer_refusal(file):
        raise Refused(refusal)
    pending = TransferRequest.objects.pending().filter(beneficiary=file).first()
    if pending is not None:
        raise Refused(
            _("A transfer of this file to %(centre)s is already awaiting an answer.")
            % {"centre": pending.to_centre.name}
        )
    transfer = TransferRequest.objects.create(
        beneficiary=file,
        from_centre=file.centre,
        to_centre=to_centre,
        reason=reason,
        requested_by=by,
    )
    _record("requested", transfer, file, by, to=centre_coordinators(to_centre.pk))
    return transfer


@transaction.atomic
def transfer_accept(*, transfer: TransferRequest, by: User) -> TransferRequest:
    """The receiving centre takes the file over: it moves with everything scoped through it,
    the accepting coordinator becomes its referent and its open tasks go to them."""
    transfer, file = _lock_transfer(transfer, by)
    if not can_answer_transfer(by, transfer):
        raise Refused(_("Only the centre asked to take the file over may answer."))
    if file.centre_id != transfer.from_centre_id:
        raise Refused(_("The file no longer belongs to the centre that asked: nothing moved."))
    if not Centre.objects.filter(pk=transfer.to_centre_id, active=True).exists():
        raise Refused(_("This centre is closed: the file cannot move to it."))
    if refusal := transfer_refusal(file):
        raise Refused(refusal)
    # Headquarters may accept on behalf of a centre: the file then arrives without a referent,
    # to be given one on the centre's caseload page.
    referent = by if not referent_refusal(by, transfer.to_centre_id) else None
    now = timezone.now()
    Beneficiary.objects.filter(pk=file.pk).update(
        centre=transfer.to_centre_id,
        referent=referent,
        # Anyone editing the file at the old centre saves against a file that has moved on.
        version=F("version") + 1,
        updated_at=now,
    )
    tasks = open_tasks_follow(file_ids=[file.pk], to=referent)
    transfer.status = TransferRequest.Status.ACCEPTED
    transfer.answered_by = by
    transfer.answered_at = now
    transfer.save(update_fields=["status", "answered_by", "answered_at"])
    changes = {
        "centre": [transfer.from_centre.code, transfer.to_centre.code],
        "referent": [
            file.referent.get_username() if file.referent else "",
            referent.get_username() if referent else "",
        ],
        "open_tasks_moved": tasks,
    }
    _record("accepted", transfer, file, by, to=_requesters(transfer), changes=changes)
    return transfer


@transaction.atomic
def transfer_decline(*, transfer: TransferRequest, by: User, reason: str) -> TransferRequest:
    """The receiving centre says no, and why; the file stays where it is."""
    reason = clean_text(reason or "").strip()
    transfer, file = _lock_transfer(transfer, by)
    if not can_answer_transfer(by, transfer):
        raise Refused(_("Only the centre asked to take the file over may answer."))
    if not reason:
        raise Refused(_("Say why the transfer is declined: the requesting centre will read it."))
    _close(transfer, TransferRequest.Status.DECLINED, by, reason)
    _record("declined", transfer, file, by, to=_requesters(transfer))
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: TransferRequest, by: User) -> TransferRequest:
    """The requesting centre withdraws its request before it is answered."""
    transfer, file = _lock_transfer(transfer, by)
    if not can_cancel_transfer(by, transfer):
        raise Refused(_("Only the centre that asked for the transfer may withdraw it."))
    _close(transfer, TransferRequest.Status.CANCELLED, by, "")
    _record("cancelled", transfer, file, by, to=centre_coordinators(transfer.to_centre_id))
    return transfer


def _close(transfer: TransferRequest, status: str, by: User, reason: str) -> None:
    transfer.status = status
    transfer.answered_by = by
    transfer.answered_at = timezone.now()
    transfer.answer_reason = reason
    transfer.save(update_fields=["status", "answered_by", "answered_at", "answer_reason"])


def _requesters(transfer: TransferRequest) -> list[User]:
    """The person who asked and the coordinators of the centre that asked."""
    return [*centre_coordinators(transfer.from_centre_id), transfer.requested_by]


def _record(
    event: str,
    transfer: TransferRequest,
    file: Beneficiary,
    by: User,
    *,
    to: Iterable[User],
    changes: dict[str, Any] | None = None,
) -> None:
    """The event in the file's history and in the inboxes of ``to``, in the caller's
    transaction. Centres by code: the notification is rendered later in the reader's language,
    and a code reads the same in both."""
    audit.record(
        f"beneficiary.transfer_{event}",
        actor=by,
        target=file,
        changes=changes or {"from": transfer.from_centre.code, "to": transfer.to_centre.code},
    )
    notifications.notify(
        to,
        kind=f"transfer.{event}",
        url=reverse("transfer_detail", args=[transfer.pk]),
        params={
            "number": file.file_number,
            "from": transfer.from_centre.code,
            "to": transfer.to_centre.code,
        },
        by=by,
    )


def transfers_anonymise(beneficiary: Beneficiary) -> dict[str, list[int]]:
    """At the end of the retention period, the reasons typed about the person go too."""
    requests = TransferRequest.objects.filter(beneficiary=beneficiary)
    ids = list(requests.values_list("pk", flat=True))
    requests.update(reason=REDACTED, answer_reason=REDACTED)
    return {"transfer_requests": ids} if ids else {}
