"""Money moves on conventions: committing approved projects, releasing them, checking a
convention before it can be used. Every movement is one conditional UPDATE, so that however many
approvals run at once the committed amount never passes the envelope."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Allocation, Contribution, Convention, LedgerMovement
from reintegration import audit
from reintegration.formatting import format_mad
from reintegration.money import money
from reintegration.refusals import Refused


def _commit(convention: Convention, amount: Decimal) -> bool:
    # The condition and the increment are one statement: PostgreSQL re-checks the WHERE clause
    # on the row it finally locks, and SQLite runs one writer at a time, so two approvals can
    # never both pass a test that only one of them fits.
    return (
        Convention.objects.filter(
            pk=convention.pk,
            status=Convention.Status.ACTIVE,
            committed__lte=F("envelope") - money(amount),
        ).update(committed=F("committed") + money(amount))
        == 1
    )


@transaction.atomic
def allocate(*, project, by, splits: Iterable[tuple[Convention, Decimal]]) -> list[Allocation]:
    """Charge ``project.requested_total`` to the given conventions, all or nothing.

    Must run inside the caller's transaction (the approval), which rolls everything back if any
    part does not fit.
    """
    splits = [(convention, Decimal(amount)) for convention, amount in splits if amount]
    total = sum((amount for _convention, amount in splits), Decimal("0"))
    if total != project.requested_total:
        raise Refused(
            _("Charge exactly %(amount)s to the conventions (now %(placed)s).")
            % {"amount": format_mad(project.requested_total), "placed": format_mad(total)}
        )
    if len({convention.pk for convention, _amount in splits}) != len(splits):
        raise Refused(_("Choose each convention only once."))
    province = project.beneficiary.residence_province_id
    allocations = []
    for convention, amount in splits:
        if amount <= 0:
            raise Refused(_("Enter an amount greater than zero."))
        covering = Convention.objects.covering(province).filter(pk=convention.pk).exists()
        if not covering:
            raise Refused(
                _("The convention %(reference)s is not active for the beneficiary's province.")
                % {"reference": convention.reference}
            )
        if not _commit(convention, amount):
            convention.refresh_from_db(fields=["envelope", "committed"])
            raise Refused(
                _(
                    "Only %(remaining)s left on the convention %(reference)s: the approval was "
                    "not recorded."
                )
                % {"remaining": format_mad(convention.remaining), "reference": convention.reference}
            )
        allocation = Allocation.objects.create(
            project=project, convention=convention, amount=amount, created_by=by
        )
        LedgerMovement.objects.create(
            convention=convention, project=project, kind="commit", amount=amount, actor=by
        )
        allocations.append(allocation)
    return allocations


def disburse(*, project, amount: Decimal, by) -> None:
    """Move ``amount`` of what the project committed to disbursed: the equipment was handed
    over. Its allocations are drawn in order; refused (nothing moves) if the amount is more
    than what is committed and not yet disbursed for the project."""
    allocations = list(
        project.allocations.select_for_update().filter(released_at__isnull=True).order_by("pk")
    )
    available = sum((a.amount - a.disbursed for a in allocations), Decimal("0"))
    if amount > available:
        raise Refused(
            _(
                "The equipment of %(number)s is worth %(amount)s, more than the %(available)s "
                "committed for this project: disbursed cannot exceed committed."
            )
            % {
                "number": project.beneficiary.file_number,
                "amount": format_mad(amount),
                "available": format_mad(available),
            }
        )
    for allocation, part in draw(allocations, amount):
        # One conditional statement, like committing: the database also refuses (CHECK) any
        # state where a convention has disbursed more than it committed.
        moved = Convention.objects.filter(
            pk=allocation.convention_id, disbursed__lte=F("committed") - money(part)
        ).update(disbursed=F("disbursed") + money(part))
        if moved != 1:
            raise Refused(
                _("The convention %(reference)s has not committed enough to disburse %(amount)s.")
                % {"reference": allocation.convention.reference, "amount": format_mad(part)}
            )
        Allocation.objects.filter(pk=allocation.pk).update(disbursed=F("disbursed") + money(part))
        LedgerMovement.objects.create(
            convention_id=allocation.convention_id,
            project=project,
            kind=LedgerMovement.Kind.DISBURSE,
            amount=part,
            actor=by,
        )


def draw(allocations, amount: Decimal) -> list[tuple[Allocation, Decimal]]:
    """How ``amount`` is taken from a project's open allocations: in their order, each up to
    what it has not yet disbursed. Disbursing moves exactly this; the ceremony's confirmation
    page shows exactly this."""
    parts, left = [], amount
    for allocation in allocations:
        part = min(left, allocation.amount - allocation.disbursed)
        if part <= 0:
            continue
        parts.append((allocation, part))
        left -= part
        if not left:
            break
    return parts


def releasable(project) -> list[tuple[Allocation, Decimal]]:
    """What releasing the project would give back, per open allocation (with its convention):
    committed and not yet disbursed."""
    open_allocations = (
        project.allocations.filter(released_at__isnull=True)
        .select_related("convention")
        .order_by("pk")
    )
    return [(a, a.amount - a.disbursed) for a in open_allocations if a.amount - a.disbursed]


def release(*, project, by) -> Decimal:
    """Give back what a project had committed and not yet disbursed (rejected after approval,
    or abandoned)."""
    released = Decimal("0")
    for allocation in project.allocations.select_for_update().filter(released_at__isnull=True):
        free = allocation.amount - allocation.disbursed
        if not free:
            continue  # all of it was handed over: nothing to give back
        Convention.objects.filter(pk=allocation.convention_id).update(
            committed=F("committed") - money(free)
        )
        allocation.released_at = timezone.now()
        allocation.save(update_fields=["released_at"])
        LedgerMovement.objects.create(
            convention_id=allocation.convention_id,
            project=project,
            kind="release",
            amount=free,
            actor=by,
        )
        audit.record(
            "convention.released",
            actor=by,
            target=allocation.convention,
            changes={"project": project.pk, "amount": str(free)},
        )
        released += free
    return released


def check_convention(convention: Convention, contributions, tranches) -> list[str]:
    """What is wrong with a convention as entered, as messages (empty when it is sound)."""
    problems = []
    if convention.starts_on and convention.ends_on and convention.ends_on < convention.starts_on:
        problems.append(_("The period ends before it starts."))
    if convention.pk and convention.envelope is not None:
        committed = Convention.objects.filter(pk=convention.pk).values_list("committed", flat=True)
        committed = committed.first() or Decimal("0")
        if convention.envelope < committed:
            problems.append(
                _("The envelope cannot be lower than what is already committed (%(committed)s).")
                % {"committed": format_mad(committed)}
            )
    cash = sum(
        (c.amount or Decimal("0") for c in contributions if c.kind == Contribution.Kind.CASH),
        Decimal("0"),
    )
    has_cash = any(c.kind == Contribution.Kind.CASH for c in contributions)
    if has_cash and convention.envelope is not None and cash != convention.envelope:
        problems.append(
            _("The money contributions add up to %(cash)s, not the envelope (%(envelope)s).")
            % {"cash": format_mad(cash), "envelope": format_mad(convention.envelope)}
        )
    planned = sum((t.amount or Decimal("0") for t in tranches), Decimal("0"))
    if convention.envelope is not None and planned > convention.envelope:
        problems.append(
            _("The tranches add up to %(planned)s, more than the envelope.")
            % {"planned": format_mad(planned)}
        )
    return problems
