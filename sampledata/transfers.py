"""Caseloads and transfers between centres: Tanger's files shared between its two
coordinators, one file already moved from Tanger to Casablanca (its history shows both
centres), and one request from Casablanca waiting for Tanger's answer. Idempotent."""

from beneficiaries.models import Beneficiary
from casework.caseload import referents_assign
from casework.models import TransferRequest
from casework.transfers import transfer_accept, transfer_request


def seed(**context) -> dict:
    if TransferRequest.objects.exists():
        return {}
    users = {u.username: u for u in context["users"]}
    centres = context["centres"]
    tanger, casablanca = centres["TNG"], centres["CAS"]
    samira, omar, youssef = (
        users["coordinator"],
        users["coordinator.tng2"],
        users["coordinator.casa"],
    )
    # Files without a life project: nothing planned for them at a ceremony.
    quiet = Beneficiary.objects.filter(projects__isnull=True, archived_at__isnull=True)
    tanger_files = list(quiet.filter(centre=tanger).order_by("pk"))
    # Omar follows every third file of Tanger.
    referents_assign(beneficiaries=tanger_files[::3], to=omar, by=samira)

    moved = tanger_files[1]
    transfer = transfer_request(
        beneficiary=moved,
        to_centre=casablanca,
        reason="انتقل للعيش مع أسرته بحي مولاي رشيد بالدار البيضاء.",
        by=samira,
    )
    transfer_accept(transfer=transfer, by=youssef)

    waiting = quiet.filter(centre=casablanca).exclude(pk=moved.pk).order_by("pk").first()
    if waiting is not None:
        transfer_request(
            beneficiary=waiting,
            to_centre=tanger,
            reason="Installé à Tanger depuis septembre, où il a trouvé un local à Bni Makada.",
            by=youssef,
        )
    return {}
