from partners.models.ceremonies import (
    Ceremony,
    Certificate,
    CertificateCounter,
    Handover,
    HandoverItem,
)
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
    "Ceremony",
    "Certificate",
    "CertificateCounter",
    "Contribution",
    "Convention",
    "Handover",
    "HandoverItem",
    "IndhProgramme",
    "LedgerMovement",
    "Partner",
    "PartnerContact",
    "Tranche",
]
