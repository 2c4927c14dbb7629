"""The access log: who opened which person's data (law 09-08 art. 24). The view that serves a
file page, a document, a PDF about a person or an export calls ``record``; national
administrators and auditors read the log (``reintegration/logs.py``).

Writing costs one INSERT and nothing else: the file number and the reference come from
objects the view already holds, the client address from the request-scoped context that
``AuditContextMiddleware`` sets for the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reintegration.audit import current_client_address
from reintegration.models import AccessEntry

if TYPE_CHECKING:
    from reintegration.models import User

Kind = AccessEntry.Kind


def record(
    kind: str,
    *,
    by: User,
    file_number: str = "",
    reference: str = "",
    rows: int | None = None,
    detention_records: int = 0,
) -> list[AccessEntry]:
    """Append what ``by`` opened. ``rows`` is the number of files an export held (one entry
    per export, never one per row). ``detention_records`` is the number of detention records
    the page or document displayed: restricted data gets an entry of its own (the auditor's
    "detention record" filter finds every view of one), written by the same INSERT."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown access kind {kind!r}: add it to AccessEntry.Kind.")
    address = current_client_address()
    entries = [
        AccessEntry(
            user=by,
            kind=kind,
            file_number=file_number,
            reference=reference[:120],
            rows=rows,
            ip_address=address,
        )
    ]
    if detention_records:
        entries.append(
            AccessEntry(
                user=by,
                kind=Kind.DETENTION,
                file_number=file_number,
                reference=reference[:120],
                # A single file's record is one file; an export says how many it held.
                rows=detention_records if rows is not None else None,
                ip_address=address,
            )
        )
    if len(entries) == 1:
        entries[0].save()
        return entries
    return AccessEntry.objects.bulk_create(entries)
