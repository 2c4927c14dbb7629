from partners.models.ceremonies import (
    Ceremony,
    Certificate,
    CertificateCounter,
    Handover,
    HandoverItem,
    HandoverItemSerial,
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
    "HandoverItemSerial",
    "IndhProgramme",
    "LedgerMovement",
    "Partner",
    "PartnerContact",
    "Tranche",
]
