"""What casework holds on the person, in their right-of-access PDF
(beneficiaries/access_request.py): their tasks (what staff and the system planned to do on their
file, open or closed) and the transfers of their file between centres (which centres, why, who
asked and answered, and when)."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from beneficiaries.access_request import Section
from beneficiaries.models import Beneficiary
from casework import milestones
from casework.models import Task, TransferRequest

LABELS = {"created_by": _("Written by"), "created_at": _("Written on")}


def task_sections(beneficiary: Beneficiary) -> list[Section]:
    tasks = list(
        Task.objects.filter(beneficiary=beneficiary)
        .select_related("project", "assignee", "created_by", "closed_by")
        .order_by("created_at", "pk")
    )
    for task in tasks:
        if task.is_system:
            # A system task stores no title: it is read, like on the pages, in the language of
            # the document, when the document is laid out. Never saved.
            task.title = lazy(milestones.title, str)(task)
    if not tasks:
        return []
    return [
        Section(
            _("Tasks"),
            Task,
            (
                "title",
                "project",
                "due_on",
                "status",
                "assignee",
                "postponed_reason",
                "created_by",
                "created_at",
                "closed_by",
                "closed_at",
            ),
            tasks,
            labels=LABELS,
        )
    ]


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
