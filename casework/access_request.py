"""Transfers of the person's file between centres in their right-of-access PDF
(beneficiaries/access_request.py): which centres, why, who asked and answered, and when."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from beneficiaries.access_request import Section
from beneficiaries.models import Beneficiary
from casework.models import TransferRequest


def transfer_sections(beneficiary: Beneficiary) -> list[Section]:
    transfers = (
        TransferRequest.objects.filter(beneficiary=beneficiary)
        .select_related("from_centre", "to_centre", "requested_by", "answered_by")
        .order_by("requested_at", "pk")
    )
    return [
        Section(
            _("Transfers between centres"),
            TransferRequest,
            (
                "from_centre",
                "to_centre",
                "reason",
                "status",
                "requested_by",
                "requested_at",
                "answered_by",
                "answered_at",
                "answer_reason",
            ),
            list(transfers),
        )
    ]
