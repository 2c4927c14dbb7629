"""What apps above this one add to a person's file, registered from their ``AppConfig.ready``
so that this app never imports them (projects sits above beneficiaries)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from beneficiaries.access_request import Section
    from beneficiaries.models import Beneficiary
    from beneficiaries.texting import TextKind
    from reintegration.models import User

# Reasons a file may not be archived now: each returns the refusal for the user, or "".
ARCHIVE_CHECKS: list[Callable[[Beneficiary], str]] = []

# Extra context for the file page (e.g. whether a life project can be started from it).
FILE_PAGE_CONTEXT: list[Callable[[User, Beneficiary], dict[str, Any]]] = []

# Whether a section of the file page may have anything to show, read with the file in its one
# query: each returns, for the user, flags by name, each the rows of a model with a
# ``beneficiary`` foreign key (e.g. {"has_transfers": TransferRequest.objects.all()}). The page
# annotates the file with whether the file has any such row, and the section's
# ``FILE_PAGE_CONTEXT`` skips its own query when it has none (``section_may_show``). A flag is
# only a bound: with rows, the section still reads them within the user's scope.
FILE_PAGE_FLAGS: list[Callable[[User], dict[str, QuerySet[Any]]]] = []

# What the retention job must also strip from records of the apps above when a file is
# anonymised (a decision's comment about the person). Each runs inside
# ``reintegration.protected_records.anonymising()`` and returns the ids it changed, by kind
# ({"decisions": [...], "audit_entries": [...]}), which the job records.
ANONYMISERS: list[Callable[[Beneficiary], dict[str, list[int]]]] = []

# Sections of the right-of-access PDF about what the person holds in an app above (life
# projects, handovers): every field those apps keep about the person is printed or excluded
# with a reason (beneficiaries/tests/test_access_request.py).
ACCESS_REQUEST_SECTIONS: list[Callable[[Beneficiary], list[Section]]] = []

# What a text message to the person may be about, by kind (``TextMessage.Kind``): the apps
# that hold it (a follow-up visit, a ceremony, an approved project) say when it applies and
# write its text (beneficiaries/texting.py).
TEXT_KINDS: dict[str, TextKind] = {}
# Told which files a change touched, from inside the change's transaction: a file opened, its
# consent recorded, a visit recorded, a project moved on, a ceremony planned or held. Casework
# syncs those files' system tasks once the change commits (recording the visit settles the
# task about it). Each receives the ids of the files.
FILE_CHANGED: list[Callable[[Iterable[int]], None]] = []


def files_changed(beneficiary_ids: Iterable[int]) -> None:
    """Tell the apps above that something on these files changed (see ``FILE_CHANGED``)."""
    ids = list(beneficiary_ids)
    if ids:
        for receiver in FILE_CHANGED:
            receiver(ids)


def section_may_show(beneficiary: Beneficiary, flag: str) -> bool:
    """Whether the file page must read a section's rows: not when the file was read with the
    section's flag (``FILE_PAGE_FLAGS``) and it has no row; always anywhere else."""
    return bool(getattr(beneficiary, flag, True))
