"""The audit log: one function writes an entry, one mapping turns it into a sentence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegration.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from reintegration.models import User

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
    "beneficiary.created": _("%(actor)s opened the file %(target)s."),
    "beneficiary.created_despite_duplicates": _(
        "%(actor)s opened the file %(target)s, declaring the person different from the similar "
        "files shown."
    ),
    "beneficiary.updated": _("%(actor)s edited the file %(target)s."),
    "beneficiary.archived": _("%(actor)s archived the file %(target)s."),
    "beneficiary.restored": _("%(actor)s restored the file %(target)s."),
    "beneficiary.anonymised": _(
        "The file %(target)s was anonymised at the end of its retention period."
    ),
    "beneficiary.exported": _("%(actor)s exported the list of files (%(target)s)."),
    "beneficiary.imported": _("%(actor)s imported a sheet of files into %(target)s."),
    "beneficiary.access_exported": _(
        "%(actor)s exported everything held about %(target)s (right of access)."
    ),
    "detention.created": _("%(actor)s recorded the detention record of %(target)s."),
    "detention.updated": _("%(actor)s edited the detention record of %(target)s."),
    "detention.viewed": _("%(actor)s viewed the detention record of %(target)s."),
    "consent.recorded": _("%(actor)s recorded the consent of %(target)s."),
    "document.attached": _("%(actor)s attached a document to %(target)s."),
    "document.viewed": _("%(actor)s opened a document of %(target)s."),
    "project.created": _("%(actor)s started the life project %(target)s."),
    "project.updated": _("%(actor)s edited the life project %(target)s."),
    "project.budget_changed": _("%(actor)s changed the budget of %(target)s."),
    "project.submit": _("%(actor)s submitted the life project %(target)s for approval."),
    "project.approve_regional": _(
        "%(actor)s approved %(target)s at regional level; headquarters must approve it too."
    ),
    "project.approve": _("%(actor)s approved the life project %(target)s."),
    "project.return": _("%(actor)s returned the life project %(target)s for changes."),
    "project.reject": _("%(actor)s rejected the life project %(target)s."),
    "project.fund": _("%(actor)s marked the life project %(target)s as funded."),
    "project.equip": _("%(actor)s recorded the equipment handover of %(target)s."),
    "project.close": _("%(actor)s closed the life project %(target)s."),
    "project.abandon": _("%(actor)s recorded that the life project %(target)s was abandoned."),
    "convention.saved": _("%(actor)s saved the convention %(target)s."),
    "convention.released": _("%(actor)s released an allocation on the convention %(target)s."),
    "ceremony.created": _("%(actor)s planned the ceremony %(target)s."),
    "ceremony.updated": _("%(actor)s changed the ceremony %(target)s."),
    "ceremony.projects_added": _("%(actor)s added beneficiaries to the ceremony %(target)s."),
    "ceremony.project_removed": _("%(actor)s removed a beneficiary from the ceremony %(target)s."),
    "ceremony.handover_saved": _("%(actor)s recorded a handover at the ceremony %(target)s."),
    "ceremony.held": _("%(actor)s marked the ceremony %(target)s as held."),
    "ceremony.closed": _("%(actor)s closed the ceremony %(target)s."),
    "ceremony.cancelled": _("%(actor)s cancelled the ceremony %(target)s."),
    "certificate.issued": _("%(actor)s issued the handover certificate %(target)s."),
    "certificate.cancelled": _("%(actor)s cancelled the handover certificate %(target)s."),
    "project.visit_recorded": _("%(actor)s recorded a follow-up visit for %(target)s."),
}


# The audit log's filter: one entry per family of actions, by the code's prefix.
FAMILIES = [
    ("auth.", _("Sign-ins and sessions")),
    ("user.", _("Accounts")),
    ("beneficiary.", _("Beneficiary files")),
    ("detention.", _("Detention records")),
    ("consent.", _("Consent")),
    ("document.", _("Documents")),
    ("project.", _("Life projects")),
    ("convention.", _("Conventions")),
    ("ceremony.", _("Ceremonies")),
    ("certificate.", _("Handover certificates")),
]


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
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or _label(target))[:300] if target is not None else target_label,
        changes=_mask(changes or {}),
        ip_address=_client_address.get(),
    )


def describe(entry: AuditEntry) -> str:
    sentence = SENTENCES.get(entry.action)
    if sentence is None:
        return entry.action
    return str(sentence) % {
        "actor": entry.actor_label or _("someone"),
        "target": entry.target_label,
    }
