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

__all__ = [
    "Allocation",
    "Contribution",
    "Convention",
    "IndhProgramme",
    "LedgerMovement",
    "Partner",
    "PartnerContact",
    "Tranche",
]
