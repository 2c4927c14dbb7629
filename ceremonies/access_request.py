"""The equipment handed over to the person, in their right-of-access PDF
(beneficiaries/access_request.py): each handover with its items, their serial numbers and the
certificates issued for it."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from beneficiaries.access_request import Section
from beneficiaries.models import Beneficiary
from ceremonies.models import Certificate, Handover, HandoverItem, HandoverItemSerial


def handover_sections(beneficiary: Beneficiary) -> list[Section]:
    handovers = (
        Handover.objects.filter(project__beneficiary=beneficiary)
        .select_related("ceremony", "project", "updated_by")
        .prefetch_related(
            Prefetch("items", queryset=HandoverItem.objects.prefetch_related("serials")),
            Prefetch(
                "certificates",
                # The stored PDF and its copied data are not printed: leave them in the database.
                queryset=Certificate.objects.defer("pdf", "snapshot")
                .select_related("issued_by", "cancelled_by", "replaced_by")
                .defer("replaced_by__pdf", "replaced_by__snapshot"),
            ),
        )
        .order_by("pk")
    )
    found: list[Section] = []
    for handover in handovers:
        items = list(handover.items.all())
        found += [
            Section(
                _("Equipment handover"),
                Handover,
                (
                    "project",
                    "ceremony",
                    "total",
                    "cheque_amount",
                    "cheque_number",
                    "updated_at",
                    "updated_by",
                ),
                [handover],
                labels={
                    "project": _("Life project"),
                    "ceremony": _("Ceremony"),
                    "total": _("Total value"),
                    "updated_at": _("Last changed"),
                    "updated_by": _("Last changed by"),
                },
            ),
            Section(
                _("Items handed over"),
                HandoverItem,
                ("designation", "brand", "quantity", "unit_value"),
                items,
                table=True,
                level=3,
            ),
            Section(
                _("Serial numbers"),
                HandoverItemSerial,
                ("item", "unit", "serial"),
                [serial for item in items for serial in item.serials.all()],
                table=True,
                level=3,
                labels={"item": _("Item"), "unit": _("Unit")},
            ),
            Section(
                _("Handover certificates"),
                Certificate,
                (
                    "number",
                    "code",
                    "status",
                    "issued_at",
                    "issued_by",
                    "cancelled_at",
                    "cancelled_by",
                    "cancel_reason",
                    "replaced_by",
                ),
                list(handover.certificates.all()),
                level=3,
                labels={
                    "issued_at": _("Issued"),
                    "issued_by": _("Issued by"),
                    "cancelled_at": _("Cancelled on"),
                    "cancelled_by": _("Cancelled by"),
                    "replaced_by": _("Replaced by"),
                },
            ),
        ]
    return found
