"""The audit log: one function writes an entry, one mapping turns it into a sentence."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models

from reintegration.audit_text import FAMILIES, SENTENCES, describe
from reintegration.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reintegration.models import User

__all__ = [
    "FAMILIES",
    "RECORDED",
    "SENTENCES",
    "client_address",
    "current_client_address",
    "describe",
    "record",
    "redact",
]

MASK = "********"

# Told of every entry, inside the change's transaction, with the object it is about (or None):
# every change writes one, which makes this the one place to learn what changed. Apps above
# register from their ``AppConfig.ready`` (the dashboard keeps its per-centre figures current).
RECORDED: list[Callable[[AuditEntry, models.Model | None], None]] = []
# What replaces free text about a person once the retention period is over.
REDACTED = "—"
# Field names whose values never reach the log, whatever the caller passes.
SECRET_MARKERS = ("password", "secret", "token", "otp")


def _mask(changes: dict[str, Any]) -> dict[str, Any]:
    masked: dict[str, Any] = {}
    for field, value in changes.items():
        secret = any(marker in field.lower() for marker in SECRET_MARKERS)
        if secret and isinstance(value, (list, tuple)):
            masked[field] = [MASK for _value in value]
        elif secret:
            masked[field] = MASK
        else:
            masked[field] = value
    return masked


def _label(target: models.Model) -> str:
    # Models holding personal data give an audit_label without the person's name, so that the
    # append-only log never keeps a name that anonymisation must later remove.
    return getattr(target, "audit_label", None) or str(target)


# The address of the client whose request is being served, for the entries written while
# serving it. Services take the acting user, never the request: the address travels beside
# them, set by AuditContextMiddleware, and is empty for commands and jobs.
_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


@contextmanager
def client_address(address: str | None) -> Iterator[None]:
    """Entries recorded inside this block carry ``address``."""
    token = _client_address.set(address)
    try:
        yield
    finally:
        _client_address.reset(token)


def current_client_address() -> str | None:
    """The address of the client being served, for the logs that record it beside this one
    (the access log); None outside a request."""
    return _client_address.get()


def record(
    action: str,
    *,
    actor: User | AnonymousUser | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_label: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``changes`` maps a field to ``[old, new]`` (or a single value)."""
    if action not in SENTENCES:
        raise ValueError(f"Unknown audit action {action!r}: add its sentence to SENTENCES.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    entry = AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or _label(target))[:300] if target is not None else target_label,
        changes=_mask(changes or {}),
        ip_address=current_client_address(),
    )
    for receiver in RECORDED:
        receiver(entry, target)
    return entry


def redact(*, target_type: str, target_ids: Collection[int], keys: Collection[str]) -> list[int]:
    """Replace with ``REDACTED`` the values under ``keys`` in the changes of the entries about
    these targets (``target_type`` as ``record`` writes it: "beneficiaries.beneficiary");
    return the ids of the entries changed.

    The one rewrite of the log: the retention job calls it inside
    ``protected_records.anonymising()``, without which the database refuses it, and records
    which entries it changed. Only ``changes`` is written, never who, what or when."""
    changed = []
    entries = AuditEntry.objects.filter(
        target_type=target_type, target_id__in=[str(pk) for pk in target_ids]
    ).only("pk", "changes")
    for entry in entries.order_by("pk"):
        if not isinstance(entry.changes, dict):
            continue
        found = [key for key in keys if entry.changes.get(key) not in (None, "", REDACTED)]
        if not found:
            continue
        # The log's queryset refuses update() so that no other code rewrites it; this call goes
        # past it on purpose, and the database's trigger decides.
        models.QuerySet.update(
            AuditEntry.objects.filter(pk=entry.pk),
            changes={**entry.changes, **dict.fromkeys(found, REDACTED)},
        )
        changed.append(entry.pk)
    return changed
