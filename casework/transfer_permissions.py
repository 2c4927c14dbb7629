"""Who may do what with transfers between centres and with a centre's caseload
(ARCHITECTURE.md, role table: transfers between centres). Which transfers and files a user
sees at all is decided by the querysets' ``visible_to``; these functions decide the action.

- transfers: a coordinator asks for the files of their centre and answers those sent to their
  centre, or withdraws those their centre asked for; headquarters may do all of it (a file
  accepted by headquarters arrives without a referent); regional staff read the transfers
  touching their region; auditors read all; provincial officials none.
- caseload: coordinators read their centre's, regional staff their region's, headquarters and
  auditors every centre's; the referents of a centre are changed by its coordinators and by
  headquarters, the two roles that write files.
"""

from __future__ import annotations

from typing import Any

from reintegration.models import Role
from reintegration.permissions import has_role

READERS = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL, Role.AUDITOR)
WRITERS = (Role.COORDINATOR, Role.NATIONAL)


def _of_centre(user: Any, centre_id: int | None) -> bool:
    """Headquarters, or a coordinator of this centre."""
    if has_role(user, (Role.NATIONAL,)):
        return True
    return has_role(user, (Role.COORDINATOR,)) and user.centre_id == centre_id


def can_view_transfers(user: Any) -> bool:
    return has_role(user, READERS)


def can_request_transfer(user: Any, beneficiary: Any) -> bool:
    return not beneficiary.is_archived and _of_centre(user, beneficiary.centre_id)


def can_answer_transfer(user: Any, transfer: Any) -> bool:
    return transfer.status == transfer.Status.REQUESTED and _of_centre(user, transfer.to_centre_id)


def can_cancel_transfer(user: Any, transfer: Any) -> bool:
    return transfer.status == transfer.Status.REQUESTED and _of_centre(
        user, transfer.from_centre_id
    )


def can_view_caseload(user: Any) -> bool:
    return has_role(user, READERS)


def can_reassign_referents(user: Any, centre: Any) -> bool:
    return _of_centre(user, centre.pk)
