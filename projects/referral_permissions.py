"""Who may refer a person to a partner's service and record what came of it, and who may
record their placements in employment (ARCHITECTURE.md: the centre writes for its own files,
headquarters for all, regional staff and auditors read, officials see none). Each ``can_*``
decides both whether a button shows and whether the POST is accepted; the services call them
again under the row lock. Scope (which files) is ``visible_to``."""

from __future__ import annotations

from beneficiaries.models import Beneficiary
from projects.models import Placement, Referral
from projects.permissions import READERS, WRITERS
from reintegration.models import User
from reintegration.permissions import has_role


def can_view_referrals(user: User) -> bool:
    return has_role(user, READERS)


def can_refer(user: User, beneficiary: Beneficiary) -> bool:
    return has_role(user, WRITERS) and not beneficiary.is_archived


def can_answer_referral(user: User, referral: Referral) -> bool:
    return can_refer(user, referral.beneficiary) and referral.status == Referral.Status.REQUESTED


def can_record_outcome(user: User, referral: Referral) -> bool:
    return (
        can_refer(user, referral.beneficiary)
        and referral.status == Referral.Status.ACCEPTED
        and not referral.outcome
    )


def can_record_placement(user: User, beneficiary: Beneficiary) -> bool:
    return can_refer(user, beneficiary)


def can_follow_placement(user: User, placement: Placement) -> bool:
    """End the placement, or record whether the person still holds the job."""
    return can_refer(user, placement.beneficiary) and placement.ended_on is None
