"""Money moves on conventions: committing approved projects, releasing them, checking a
convention before it can be used. Every movement is one conditional UPDATE, so that however many
approvals run at once the committed amount never passes the envelope."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Allocation, Contribution, Convention, LedgerMovement, Tranche
from reintegration import audit
from reintegration.formatting import format_mad
from reintegration.money import money
from reintegration.refusals import Refused

if TYPE_CHECKING:
    from beneficiaries.models import Beneficiary
    from reintegration.models import User


class ChargedProject(Protocol):
    """What the ledger reads of a life project. The projects app sits above this one (an
    approval charges the ledger), so the ledger names what it needs instead of importing it."""

    pk: Any
    requested_total: Decimal
    beneficiary: Beneficiary
    allocations: Any


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


def check_splits(
    total: Decimal, splits: Iterable[tuple[Convention, Decimal]]
) -> list[tuple[Convention, Decimal]]:
    """How an approval of ``total`` is charged: ``splits`` (convention, amount) without the empty
    amounts, refused unless they add up to exactly ``total``, name each convention once and
    each amount is above zero."""
    charges = [(convention, Decimal(amount)) for convention, amount in splits if amount]
    placed = sum((amount for _convention, amount in charges), Decimal("0"))
    if placed != total:
        raise Refused(
            _("Charge exactly %(amount)s to the conventions (now %(placed)s).")
            % {"amount": format_mad(total), "placed": format_mad(placed)}
        )
    if len({convention.pk for convention, _amount in charges}) != len(charges):
        raise Refused(_("Choose each convention only once."))
    if any(amount <= 0 for _convention, amount in charges):
        raise Refused(_("Enter an amount greater than zero."))
    return charges


@transaction.atomic
def allocate(
    *, project: ChargedProject, by: User, splits: Iterable[tuple[Convention, Decimal]]
) -> list[Allocation]:
    """Charge ``project.requested_total`` to the given conventions, all or nothing.

    Must run inside the caller's transaction (the approval), which rolls everything back if any
    part does not fit.
    """
    charges = check_splits(project.requested_total, splits)
    province = project.beneficiary.residence_province_id
    allocations = []
    for convention, amount in charges:
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
            project_id=project.pk, convention=convention, amount=amount, created_by=by
        )
        LedgerMovement.objects.create(
            convention=convention, project_id=project.pk, kind="commit", amount=amount, actor=by
        )
        allocations.append(allocation)
    return allocations


def disburse(*, project: ChargedProject, amount: Decimal, by: User) -> None:
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
            project_id=project.pk,
            kind=LedgerMovement.Kind.DISBURSE,
            amount=part,
            actor=by,
        )


def draw(allocations: Iterable[Allocation], amount: Decimal) -> list[tuple[Allocation, Decimal]]:
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


def undisbursed(allocations: Iterable[Allocation]) -> list[tuple[Allocation, Decimal]]:
    """What each open allocation would give back if released: committed and not yet disbursed.
    One whose equipment was all handed over gives nothing and is left out."""
    return [(a, a.amount - a.disbursed) for a in allocations if a.amount - a.disbursed]


def releasable(project: ChargedProject) -> list[tuple[Allocation, Decimal]]:
    """What releasing the project would give back, per open allocation (with its convention)."""
    return undisbursed(
        project.allocations.filter(released_at__isnull=True)
        .select_related("convention")
        .order_by("pk")
    )


def release(*, project: ChargedProject, by: User) -> Decimal:
    """Give back what a project had committed and not yet disbursed (rejected after approval,
    or abandoned)."""
    released = Decimal("0")
    open_allocations = project.allocations.select_for_update().filter(released_at__isnull=True)
    for allocation, free in undisbursed(open_allocations):
        Convention.objects.filter(pk=allocation.convention_id).update(
            committed=F("committed") - money(free)
        )
        allocation.released_at = timezone.now()
        allocation.save(update_fields=["released_at"])
        LedgerMovement.objects.create(
            convention_id=allocation.convention_id,
            project_id=project.pk,
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


def check_convention(
    convention: Convention, contributions: Sequence[Contribution], tranches: Sequence[Tranche]
) -> list[str]:
    """What is wrong with a convention as entered, as messages (empty when it is sound)."""
    problems = []
    if convention.starts_on and convention.ends_on and convention.ends_on < convention.starts_on:
        problems.append(_("The period ends before it starts."))
    if convention.pk and convention.envelope is not None:
        stored = Convention.objects.filter(pk=convention.pk).values_list("committed", flat=True)
        committed = stored.first() or Decimal("0")
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
