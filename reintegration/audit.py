"""The audit log: one function writes an entry, one mapping turns it into a sentence."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegration.models import AuditEntry

MASK = "********"
# Field names whose values never reach the log, whatever the caller passes.
SECRET_MARKERS = ("password", "secret", "token", "otp")

# One readable sentence per action code, in the reader's language.
SENTENCES = {
    "auth.login": _("%(actor)s signed in."),
    "auth.logout": _("%(actor)s signed out."),
    "auth.login_failed": _("Failed sign-in attempt for “%(actor)s”."),
    "auth.locked_out": _("“%(actor)s” was locked out after repeated failed sign-ins."),
    "auth.session_expired": _("The session of %(actor)s expired."),
    "auth.password_changed": _("%(actor)s changed their password."),
    "user.language_changed": _("%(actor)s switched the interface to %(target)s."),
}


def _mask(changes: dict[str, Any]) -> dict[str, Any]:
    masked = {}
    for field, value in changes.items():
        secret = any(marker in field.lower() for marker in SECRET_MARKERS)
        if secret and isinstance(value, (list, tuple)):
            masked[field] = [MASK for _value in value]
        elif secret:
            masked[field] = MASK
        else:
            masked[field] = value
    return masked


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Axes resolves the address the same way it does for lockouts (proxy-aware when configured).
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return ip or None


def record(
    action: str,
    *,
    actor=None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_label: str = "",
    changes: dict[str, Any] | None = None,
    request=None,
) -> AuditEntry:
    """Append one entry. ``changes`` maps a field to ``[old, new]`` (or a single value)."""
    if action not in SENTENCES:
        raise ValueError(f"Unknown audit action {action!r}: add its sentence to SENTENCES.")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or str(target))[:300] if target is not None else target_label,
        changes=_mask(changes or {}),
        ip_address=client_ip(request),
    )


def describe(entry: AuditEntry) -> str:
    sentence = SENTENCES.get(entry.action)
    if sentence is None:
        return entry.action
    return str(sentence) % {
        "actor": entry.actor_label or _("someone"),
        "target": entry.target_label,
    }
