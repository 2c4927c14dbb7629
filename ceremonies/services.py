"""Every write to a ceremony: planning it, choosing the beneficiaries, recording what each one
received, and holding it, which disburses the money and equips the projects in one
transaction. Reads: which projects may join, and the totals the press reports."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from ceremonies import permissions
from ceremonies.models import Ceremony, Handover, HandoverItem, HandoverItemSerial
from partners import services as money
from partners.models import Allocation, Convention
from projects import services as project_services
from projects.models import BudgetLine, LifeProject
from projects.permissions import CHARGED
from reintegration import audit, notifications
from reintegration.concurrency import ConcurrentEdit
from reintegration.formatting import format_date, format_mad, format_number, ltr
from reintegration.models import Centre, Role, User
from reintegration.money import MoneyField
from reintegration.refusals import Refused

CEREMONY_FIELDS = (
    "held_on",
    "place",
    "presided_by",
    "authority",
    "authority_other",
    "tranche",
    "attendees",
)


# Serials are printed with Western digits; an Arabic keyboard types ٠-٩ or ۰-۹.
_WESTERN_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)


# What the column holds: a longer serial is refused with a message, not by PostgreSQL.
SERIAL_MAX_LENGTH: int = HandoverItemSerial._meta.get_field("serial").max_length  # type: ignore[assignment]


def normalise_serial(text: str) -> str:
    """As printed on the equipment: no spaces, upper case, Western digits, and none of the
    invisible characters (bidirectional marks, zero-width spaces) that would let one machine
    pass for two."""
    kept = (ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C")
    return "".join(kept).upper().translate(_WESTERN_DIGITS)


def parse_serials(text: str) -> list[str]:
    """The serial numbers typed for one line, one per line; empty lines do not count."""
    return [serial for serial in map(normalise_serial, text.splitlines()) if serial]


def serial_problem(*, designation: str, quantity: Decimal, serials: list[str]) -> str | None:
    """What is wrong with the serial numbers of one line, or None.

    A line gives each of its units a serial number, or none at all (consumables, stock, a set
    of small tools): a certificate listing one serial for two machines leaves the second one
    untraceable. Units are whole, so a line with serials has a whole quantity."""
    if not serials:
        return None
    too_long = [serial for serial in serials if len(serial) > SERIAL_MAX_LENGTH]
    if too_long:
        return _(
            "%(designation)s: the serial number %(serial)s is longer than %(limit)s characters: "
            "check it."
        ) % {"designation": designation, "serial": too_long[0], "limit": SERIAL_MAX_LENGTH}
    if quantity != quantity.to_integral_value():
        return _(
            "%(designation)s: serial numbers are given per unit, so the quantity must be a whole "
            "number. Enter a whole quantity, or no serial number for consumables and stock."
        ) % {"designation": designation}
    if len(serials) != quantity:
        return _(
            "%(designation)s: quantity %(quantity)s, serial numbers entered: %(count)s. Enter "
            "one serial number per unit, one per line, or none for consumables and stock."
        ) % {
            "designation": designation,
            "quantity": format_number(quantity, 0),
            "count": len(serials),
        }
    return None


# --- Reads ---------------------------------------------------------------------------------


def charged_elsewhere(conventions: Iterable[Convention]) -> QuerySet[Allocation, Any]:
    """Projects with money still open on a convention not among ``conventions``: a ceremony
    disburses only from its own conventions."""
    return (
        Allocation.objects.filter(released_at__isnull=True)
        .exclude(convention__in=conventions)
        .values("project")
    )


def awaiting_ceremony(user: User) -> QuerySet[LifeProject]:
    """Approved projects, charged to conventions, visible to the user, whose equipment is not
    yet given to a ceremony."""
    return LifeProject.objects.visible_to(user).filter(status__in=CHARGED, handover__isnull=True)


def ceremonies_to_hold(user: User) -> QuerySet[Ceremony]:
    """Planned ceremonies of the user's territory."""
    return Ceremony.objects.visible_to(user).filter(status=Ceremony.Status.PLANNED)


def certificates_missing(user: User) -> QuerySet[Handover]:
    """Handovers of the user's held ceremonies that still have no current certificate."""
    held = Ceremony.objects.visible_to(user).filter(status=Ceremony.Status.HELD)
    return Handover.objects.filter(ceremony__in=held.values("pk")).without_certificate()


def eligible_projects(ceremony: Ceremony, user: User) -> QuerySet[LifeProject]:
    """Approved projects of the ceremony's centre, charged to its conventions only, visible to
    the user and not yet given to a ceremony."""
    conventions = ceremony.conventions.all()
    return (
        awaiting_ceremony(user)
        .filter(
            beneficiary__centre=ceremony.centre_id,
            allocations__released_at__isnull=True,
            allocations__convention__in=conventions,
        )
        .exclude(pk__in=charged_elsewhere(conventions))
        .distinct()
        .select_related("beneficiary", "trade")
        .order_by("beneficiary__file_number")
    )


def totals(ceremony: Ceremony) -> dict[str, Any]:
    """What the press reports: beneficiaries, how many women, the value, the trades."""
    handovers = Handover.objects.filter(ceremony=ceremony)
    figures = handovers.aggregate(
        beneficiaries=Count("pk"),
        women=Count("pk", filter=Q(project__beneficiary__sex="F")),
        value=Sum("total"),
    )
    figures["value"] = figures["value"] or Decimal("0.00")
    figures["trades"] = list(
        handovers.values(name_ar=F("project__trade__name_ar"), name_fr=F("project__trade__name_fr"))
        .annotate(count=Count("pk"))
        .order_by("-count", "name_fr")
    )
    return figures


def hold_preview(ceremony: Ceremony) -> list[dict[str, Any]]:
    """What holding the ceremony would move, per convention (in key order): each handover's
    value drawn from its project's open allocations exactly as ``money.disburse`` draws it, and
    the rest of those allocations released as ``money.release`` then does. ``beneficiaries``
    counts the people whose equipment is paid from the convention."""
    handovers = list(ceremony.handovers.only("pk", "project_id", "total"))
    allocations: dict[int, list[Allocation]] = {}
    for allocation in (
        Allocation.objects.filter(
            project__in=[h.project_id for h in handovers], released_at__isnull=True
        )
        .select_related("convention")
        .order_by("pk")
    ):
        allocations.setdefault(allocation.project_id, []).append(allocation)
    conventions: dict[int, dict[str, Any]] = {}

    def row(allocation: Allocation) -> dict[str, Any]:
        return conventions.setdefault(
            allocation.convention_id,
            {
                "convention": allocation.convention,
                "disbursed": Decimal("0.00"),
                "released": Decimal("0.00"),
                "projects": set(),
            },
        )

    for handover in handovers:
        own = allocations.get(handover.project_id, [])
        drawn = dict.fromkeys((a.pk for a in own), Decimal("0.00"))
        for allocation, part in money.draw(own, handover.total):
            drawn[allocation.pk] = part
            row(allocation)["disbursed"] += part
            row(allocation)["projects"].add(handover.project_id)
        for allocation in own:
            left = allocation.amount - allocation.disbursed - drawn[allocation.pk]
            if left > 0:
                row(allocation)["released"] += left
    for figures in conventions.values():
        figures["beneficiaries"] = len(figures.pop("projects"))
    return [conventions[pk] for pk in sorted(conventions)]


def hold_refusal(ceremony: Ceremony) -> str | None:
    """Why holding the ceremony would be refused now, if it would: the page that asks first
    says it rather than offering a button that cannot work, and ``ceremony_hold`` refuses for
    the same reasons."""
    if ceremony.held_on > timezone.localdate():
        return _("The ceremony is dated in the future: it can be marked held on the day.")
    if not ceremony.handovers.exists():
        return _("Add the beneficiaries before marking the ceremony held.")
    empty = (
        ceremony.handovers.filter(items__isnull=True)
        .select_related("project__beneficiary")
        .order_by("project_id")
        .first()
    )
    if empty:
        return _("Nothing was recorded as handed over to %(number)s.") % {
            "number": empty.project.beneficiary.file_number
        }
    return None


def ceremony_transfer_refusal(beneficiary: Beneficiary) -> str:
    """Why the person's file cannot move to another centre now ("" when it can). A planned
    ceremony is the sending centre's, in its province, and prepared with its conventions: the
    person is removed from it (or it is held) before the file moves. A held ceremony whose
    certificate for the person is not issued yet is also the sending centre's to finish: the
    receiving centre could not open it."""
    handovers = Handover.objects.filter(project__beneficiary=beneficiary).select_related("ceremony")
    planned = handovers.filter(ceremony__status=Ceremony.Status.PLANNED).first()
    if planned is not None:
        return _(
            "This person is on the ceremony planned on %(date)s at %(place)s: remove them from "
            "it, or hold it, before the file moves to another centre."
        ) % {"date": format_date(planned.ceremony.held_on), "place": planned.ceremony.place}
    unissued = handovers.filter(ceremony__status=Ceremony.Status.HELD).without_certificate().first()
    if unissued is not None:
        return _(
            "The handover certificate of this person from the ceremony held on %(date)s at "
            "%(place)s is not issued yet: issue it before the file moves to another centre."
        ) % {"date": format_date(unissued.ceremony.held_on), "place": unissued.ceremony.place}
    return ""


# --- Planning ------------------------------------------------------------------------------


def _lock(
    ceremony: Ceremony, *, statuses: tuple[str, ...] = (Ceremony.Status.PLANNED,)
) -> Ceremony:
    locked = Ceremony.objects.select_for_update().get(pk=ceremony.pk)
    if locked.status not in statuses:
        raise Refused(
            _("This ceremony is %(status)s: it can no longer be changed this way.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _allowed(allowed: bool) -> None:
    # The same can_* functions decide what the page offers (partners.permissions).
    if not allowed:
        raise Refused(_("Your role does not allow changing this ceremony."))


def _check_conventions(ceremony: Ceremony, conventions: Iterable[Convention]) -> None:
    province = ceremony.province_id
    for convention in conventions:
        if not convention.provinces.filter(pk=province).exists():
            raise Refused(
                _("The convention %(reference)s does not cover the ceremony's province.")
                % {"reference": convention.reference}
            )


@transaction.atomic
def ceremony_save(
    *,
    by: User,
    data: dict[str, Any],
    ceremony: Ceremony | None = None,
    version: int | None = None,
) -> Ceremony:
    conventions = list(data["conventions"])
    tranche = data.get("tranche")
    if tranche is not None and tranche.convention not in conventions:
        raise Refused(_("The tranche must belong to one of the ceremony's conventions."))
    if ceremony is None:
        centre = data["centre"]
        if not (
            permissions.can_create_ceremony(by)
            and Centre.objects.visible_to(by).filter(pk=centre.pk).exists()
        ):
            raise Refused(_("Your role does not allow planning a ceremony for this centre."))
        ceremony = Ceremony(centre=centre, province=centre.province, created_by=by)
        action = "ceremony.created"
    else:
        ceremony = _lock(ceremony)
        _allowed(permissions.can_prepare_ceremony(by, ceremony))
        if version is not None and ceremony.version != version:
            raise ConcurrentEdit(ceremony)
        ceremony.version += 1
        action = "ceremony.updated"
    changed = set()
    for field in CEREMONY_FIELDS:
        if field in data:
            if getattr(ceremony, field) != data[field]:
                changed.add(field)
            setattr(ceremony, field, data[field])
    _check_conventions(ceremony, conventions)
    if action == "ceremony.created":
        ceremony.save()
    else:
        ceremony.save(update_fields=[*CEREMONY_FIELDS, "version"])
    ceremony.conventions.set(conventions)
    if action == "ceremony.updated":
        stranded = (
            ceremony.handovers.filter(project__in=charged_elsewhere(conventions))
            .select_related("project__beneficiary")
            .first()
        )
        if stranded:
            raise Refused(
                _(
                    "%(number)s is charged to a convention that is not among these: remove the "
                    "person from the ceremony first."
                )
                % {"number": stranded.project.beneficiary.file_number}
            )
    audit.record(action, actor=by, target=ceremony)
    if action == "ceremony.created" or "held_on" in changed:
        _notify_planned(ceremony, by)
    return ceremony


# Registered in CeremoniesConfig.ready.
PLANNED = "ceremony.planned"
PLANNED_LABEL = gettext_lazy("Handover ceremony planned in your province")
PLANNED_MESSAGE = gettext_lazy(
    "A handover ceremony is planned on %(date)s at %(place)s (%(centre)s)."
)


def _notify_planned(ceremony: Ceremony, by: User) -> None:
    """The province's officials (the governor's staff prepare it) and the coordinators of its
    centres hear of a ceremony planned, or moved to another day, in the same transaction."""
    province = ceremony.province_id
    recipients = User.objects.filter(is_active=True).filter(
        Q(role=Role.OFFICIAL, province=province)
        | Q(role=Role.COORDINATOR, centre__province=province)
    )
    notifications.notify(
        recipients,
        kind=PLANNED,
        url=reverse("ceremony_detail", args=[ceremony.pk]),
        params={
            "date": f"{ceremony.held_on:%d/%m/%Y}",
            "place": ceremony.place,
            "centre": ceremony.centre.code,
        },
        by=by,
    )


def _prefill(handover: Handover, project: LifeProject) -> None:
    """Start from the approved budget: equipment lines become items, working capital the
    cheque. Everything stays editable until the ceremony is held."""
    items, cheque = [], Decimal("0.00")
    for line in project.lines.all():
        if line.category == BudgetLine.Category.WORKING_CAPITAL:
            cheque += line.total
        else:
            items.append(
                HandoverItem(
                    handover=handover,
                    designation=line.designation,
                    quantity=line.quantity,
                    unit_value=line.unit_price,
                )
            )
    HandoverItem.objects.bulk_create(items)
    handover.cheque_amount = cheque or None
    handover.total = sum((item.total for item in items), cheque)
    handover.save(update_fields=["cheque_amount", "total"])


@transaction.atomic
def ceremony_add_projects(*, ceremony: Ceremony, by: User, project_ids: Iterable[int]) -> int:
    locked = _lock(ceremony)
    _allowed(permissions.can_prepare_ceremony(by, locked))
    # Lock the files, then the projects, then check them: a project chosen for two ceremonies
    # at once waits here, then is found taken; a file moving to another centre at the same
    # moment either moves first (and is no longer eligible here) or waits, then finds the
    # person on this ceremony and stays.
    files = LifeProject.objects.filter(pk__in=project_ids).values("beneficiary_id")
    list(Beneficiary.objects.select_for_update().filter(pk__in=files).order_by("pk").values("pk"))
    list(
        LifeProject.objects.select_for_update()
        .filter(pk__in=project_ids)
        .order_by("pk")
        .values_list("pk")
    )
    chosen = list(
        LifeProject.objects.filter(
            pk__in=eligible_projects(locked, by).filter(pk__in=project_ids).values("pk")
        )
        .prefetch_related("lines")
        .order_by("pk")
    )
    if len(chosen) != len(set(project_ids)):
        raise Refused(
            _(
                "Some of the chosen projects can no longer join this ceremony (already in "
                "another one, or no longer approved). Reload the list and choose again."
            )
        )
    for project in chosen:
        handover = Handover.objects.create(ceremony=locked, project=project, updated_by=by)
        _prefill(handover, project)
    audit.record(
        "ceremony.projects_added",
        actor=by,
        target=locked,
        changes={"projects": [p.pk for p in chosen]},
    )
    hooks.files_changed(p.beneficiary_id for p in chosen)
    return len(chosen)


@transaction.atomic
def handover_remove(*, handover: Handover, by: User) -> None:
    locked = _lock(handover.ceremony)
    _allowed(permissions.can_prepare_ceremony(by, locked))
    HandoverItem.objects.filter(handover=handover).delete()
    Handover.objects.filter(pk=handover.pk, ceremony=locked).delete()
    audit.record(
        "ceremony.project_removed",
        actor=by,
        target=locked,
        changes={"project": handover.project_id},
    )
    hooks.files_changed(
        LifeProject.objects.filter(pk=handover.project_id).values_list("beneficiary", flat=True)
    )


def handover_conventions(handover: Handover) -> list[int]:
    """The conventions a handover is made under: its ceremony's, that its project is charged
    to. Released allocations count too: after the ceremony what was not handed over goes back
    to the convention, but what was handed over stays under it, and so do its serials."""
    return list(
        Convention.objects.filter(
            ceremonies=handover.ceremony_id, allocations__project=handover.project_id
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _serial_clashes(handover: Handover, serials: set[str]) -> list[str]:
    """Serial numbers already handed over to someone else under one of the same conventions."""
    if not serials:
        return []
    clashes: set[str] = set()
    for convention in handover_conventions(handover):
        # One filter() call: the ceremony and the other project share this very convention.
        clashes.update(
            HandoverItemSerial.objects.filter(
                serial__in=serials,
                handover__ceremony__conventions=convention,
                handover__project__allocations__convention=convention,
            )
            .exclude(handover=handover.pk)
            .values_list("serial", flat=True)
        )
    return sorted(clashes)


def _check_items(handover: Handover, items: list[dict[str, Any]], *, number: str = "") -> None:
    """Every line, then the whole list: each line's serials complete (one per unit, or none),
    no serial twice in the list, none already handed over under the same convention. Items
    are dicts with ``designation``, ``quantity`` and ``serials`` (normalised)."""
    if not items:
        raise Refused(_("Record at least one item handed over."))
    for item in items:
        problem = serial_problem(
            designation=item["designation"], quantity=item["quantity"], serials=item["serials"]
        )
        if problem:
            if number:
                problem = _("%(number)s: %(problem)s") % {"number": number, "problem": problem}
            raise Refused(problem)
    serials = [serial for item in items for serial in item["serials"]]
    repeated = sorted({s for s in serials if serials.count(s) > 1})
    if repeated:
        raise Refused(_("The serial number %(serial)s appears twice.") % {"serial": repeated[0]})
    clashes = _serial_clashes(handover, set(serials))
    if clashes:
        raise Refused(
            _(
                "The serial number %(serial)s was already handed over to another beneficiary "
                "under the same convention."
            )
            % {"serial": clashes[0]}
        )


def _stored_items(handover: Handover) -> list[dict[str, Any]]:
    """The handover's items as recorded, in the shape ``_check_items`` reads (prefetch
    ``items__serials`` when there are several handovers)."""
    return [
        {
            "designation": item.designation,
            "quantity": item.quantity,
            "serials": [unit.serial for unit in item.serials.all()],
        }
        for item in handover.items.all()
    ]


def incomplete_serials(handover: Handover) -> str | None:
    """Why the handover's serials are not ready for a certificate, or None. Lines moved from
    the former single serial field may hold one serial for several units."""
    for item in _stored_items(handover):
        problem = serial_problem(**item)
        if problem:
            return problem
    return None


def _lock_conventions(handover: Handover) -> None:
    # Two ceremonies under one convention could otherwise each record the same serial at the
    # same moment, each checking before the other writes. Taken by key, as holding takes them.
    list(
        Convention.objects.select_for_update()
        .filter(pk__in=handover_conventions(handover))
        .order_by("pk")
        .values_list("pk")
    )


def _unit_rows(
    handover: Handover, item: HandoverItem, serials: list[str]
) -> list[HandoverItemSerial]:
    return [
        HandoverItemSerial(item=item, handover=handover, unit=unit, serial=serial)
        for unit, serial in enumerate(serials, start=1)
    ]


def committed_for(project: LifeProject) -> Decimal:
    found = Allocation.objects.filter(project=project, released_at__isnull=True).aggregate(
        left=Sum(F("amount") - F("disbursed"), output_field=MoneyField())
    )
    return found["left"] or Decimal("0.00")


@transaction.atomic
def handover_save(
    *,
    handover: Handover,
    by: User,
    items: list[dict[str, Any]],
    cheque_amount: Decimal | None = None,
    cheque_number: str = "",
    version: int,
) -> Handover:
    """Before the ceremony is held: the whole list. Afterwards only what describes the items
    (designation, brand, serial numbers) may be corrected; values are settled.

    Each item is a dict; ``serials`` lists its units' serial numbers (one per unit, or none)."""
    ceremony = _lock(handover.ceremony, statuses=permissions.HANDOVER_EDITABLE)
    locked = (
        Handover.objects.select_for_update()
        .select_related("project__beneficiary")
        .get(pk=handover.pk)
    )
    if locked.version != version:
        raise ConcurrentEdit(locked)
    if not permissions.can_edit_handover(by, ceremony):
        raise Refused(_("Your role does not allow changing this handover."))
    items = [
        {**i, "serials": [s for s in map(normalise_serial, i.get("serials", ())) if s]}
        for i in items
        if not i.get("DELETE")
    ]
    _lock_conventions(locked)
    if ceremony.status != Ceremony.Status.PLANNED:
        existing = {item.pk: item for item in locked.items.prefetch_related("serials")}
        serials = {
            pk: [unit.serial for unit in item.serials.all()] for pk, item in existing.items()
        }
        for data in items:
            # The formset gives the item itself, a posted form its primary key.
            item = existing.get(getattr(data.get("id"), "pk", data.get("id")))
            if item is None:
                raise Refused(_("Items cannot be added after the ceremony."))
            item.designation = data["designation"]
            item.brand = data.get("brand", "")
            serials[item.pk] = data["serials"]
        # Rows not sent keep their values, and count in the checks all the same.
        _check_items(
            locked,
            [
                {"designation": i.designation, "quantity": i.quantity, "serials": serials[pk]}
                for pk, i in existing.items()
            ],
        )
        for item in existing.values():
            item.save(update_fields=["designation", "brand"])
        # All at once: two units may swap serials without meeting themselves on the way.
        HandoverItemSerial.objects.filter(handover=locked).delete()
        HandoverItemSerial.objects.bulk_create(
            [row for pk, i in existing.items() for row in _unit_rows(locked, i, serials[pk])]
        )
    else:
        _check_items(locked, items)
        fresh = [
            HandoverItem(
                handover=locked,
                designation=data["designation"],
                brand=data.get("brand", ""),
                quantity=data["quantity"],
                unit_value=data["unit_value"],
            )
            for data in items
        ]
        total = sum((item.total for item in fresh), cheque_amount or Decimal("0.00"))
        available = committed_for(locked.project)
        if total > available:
            raise Refused(
                _(
                    "These items are worth %(total)s, more than the %(available)s committed for "
                    "this project: disbursed cannot exceed committed."
                )
                % {"total": format_mad(total), "available": format_mad(available)}
            )
        HandoverItemSerial.objects.filter(handover=locked).delete()
        locked.items.all().delete()
        HandoverItem.objects.bulk_create(fresh)
        HandoverItemSerial.objects.bulk_create(
            [
                row
                for item, data in zip(fresh, items, strict=True)
                for row in _unit_rows(locked, item, data["serials"])
            ]
        )
        locked.cheque_amount = cheque_amount or None
        locked.cheque_number = cheque_number.strip()
        locked.total = total
    locked.version += 1
    locked.updated_by = by
    locked.save(
        update_fields=[
            "cheque_amount",
            "cheque_number",
            "total",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    audit.record(
        "ceremony.handover_saved",
        actor=by,
        target=ceremony,
        changes={"project": locked.project_id, "total": str(locked.total)},
    )
    return locked


# --- Holding -------------------------------------------------------------------------------


@transaction.atomic
def ceremony_hold(*, ceremony: Ceremony, by: User) -> Ceremony:
    """Every handover recorded: the money moves from committed to disbursed and the projects
    become equipped, all or nothing."""
    locked = _lock(ceremony)
    if not permissions.can_hold_ceremony(by, locked):
        raise Refused(_("Your role does not allow holding this ceremony."))
    refusal = hold_refusal(locked)
    if refusal:
        raise Refused(refusal)
    handovers = list(
        locked.handovers.select_related("project__beneficiary")
        .prefetch_related("items__serials")
        .order_by("project_id")
    )
    # Every lock up front and in one order (the projects, then their conventions, by key), as
    # an abandonment or another ceremony would take them: two of them can only queue, never
    # wait for each other.
    project_ids = [h.project_id for h in handovers]
    list(
        LifeProject.objects.select_for_update()
        .filter(pk__in=project_ids)
        .order_by("pk")
        .values_list("pk")
    )
    conventions = locked.conventions.all()
    list(
        Convention.objects.select_for_update()
        .filter(pk__in=Allocation.objects.filter(project__in=project_ids).values("convention"))
        .order_by("pk")
        .values_list("pk")
    )
    outside = (
        Handover.objects.filter(pk__in=[h.pk for h in handovers])
        .filter(project__in=charged_elsewhere(conventions))
        .select_related("project__beneficiary")
        .first()
    )
    if outside:
        raise Refused(
            _(
                "%(number)s is charged to a convention that is not among the ceremony's: add "
                "it to the ceremony or remove the person."
            )
            % {"number": outside.project.beneficiary.file_number}
        )
    for handover in handovers:
        number = handover.project.beneficiary.file_number
        project = LifeProject.objects.select_for_update().get(pk=handover.project_id)
        if project.status not in CHARGED:
            raise Refused(
                _("The project of %(number)s is now %(status)s: remove it from the ceremony.")
                % {"number": number, "status": project.get_status_display()}
            )
        money.disburse(project=project, amount=handover.total, by=by)
        # What was approved but not handed over goes back to the conventions.
        money.release(project=project, by=by)
        # The convention rows are locked: no other ceremony of theirs can slip in between.
        _check_items(handover, _stored_items(handover), number=number)
        project_services.project_equip(project=project, by=by, handover_date=locked.held_on)
    locked.status = Ceremony.Status.HELD
    locked.held_by = by
    locked.held_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "held_by", "held_at", "version"])
    audit.record(
        "ceremony.held",
        actor=by,
        target=locked,
        changes={"handovers": len(handovers), "total": str(sum(h.total for h in handovers))},
    )
    return locked


@transaction.atomic
def ceremony_close(*, ceremony: Ceremony, by: User) -> Ceremony:
    locked = _lock(ceremony, statuses=(Ceremony.Status.HELD,))
    _allowed(permissions.can_close_ceremony(by, locked))
    missing = locked.handovers.without_certificate().count()
    if missing:
        raise Refused(
            ngettext(
                "Issue the certificates first: %(count)s handover has none.",
                "Issue the certificates first: %(count)s handovers have none.",
                missing,
            )
            % {"count": ltr(missing)}
        )
    locked.status = Ceremony.Status.CLOSED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit.record("ceremony.closed", actor=by, target=locked)
    return locked


@transaction.atomic
def ceremony_cancel(*, ceremony: Ceremony, by: User, reason: str) -> Ceremony:
    """A planned ceremony that will not take place: its beneficiaries are free to join another
    one. Nothing had moved yet, so nothing is lost."""
    reason = reason.strip()
    if not reason:
        raise Refused(_("Say why the ceremony is cancelled."))
    locked = _lock(ceremony)
    _allowed(permissions.can_prepare_ceremony(by, locked))
    released = list(locked.handovers.values_list("project_id", flat=True))
    people = list(locked.handovers.values_list("project__beneficiary", flat=True))
    HandoverItem.objects.filter(handover__ceremony=locked).delete()
    locked.handovers.all().delete()
    locked.status = Ceremony.Status.CANCELLED
    locked.cancel_reason = reason
    locked.version += 1
    locked.save(update_fields=["status", "cancel_reason", "version"])
    audit.record(
        "ceremony.cancelled",
        actor=by,
        target=locked,
        changes={"reason": reason, "projects": released},
    )
    hooks.files_changed(people)
    return locked
