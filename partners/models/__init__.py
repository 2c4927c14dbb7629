from partners.models.conventions import (
    Allocation,
    Contribution,
    Convention,
    IndhProgramme,
    LedgerMovement,
    Partner,
    PartnerContact,
    Tranche,
)
from partners.models.partner_services import PartnerService

__all__ = [
    "Allocation",
    "Contribution",
    "Convention",
    "IndhProgramme",
    "LedgerMovement",
    "Partner",
    "PartnerContact",
    "PartnerService",
    "Tranche",
]
