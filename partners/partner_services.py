"""Headquarters keeps the catalogue of partners' services to which the centres refer people."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import PartnerService
from partners.permissions import can_manage_partner_services
from reintegration import audit
from reintegration.concurrency import ConcurrentEdit, lock_rows
from reintegration.models import User
from reintegration.refusals import Refused
from reintegration.text import clean_text

FIELDS = ("partner", "name_ar", "name_fr", "kind", "active")


@transaction.atomic
def partner_service_save(
    *,
    by: User,
    data: dict[str, Any],
    service: PartnerService | None = None,
    version: int | None = None,
) -> PartnerService:
    """Add a service to the catalogue (``service`` None) or change one. Referrals already made
    to a service keep pointing to it: a service no longer offered is marked so, never deleted."""
    if not can_manage_partner_services(by):
        raise Refused(_("Only headquarters may change the partners' services."))
    values = {name: data[name] for name in FIELDS}
    for name in ("name_ar", "name_fr"):
        values[name] = clean_text(values[name] or "").strip()
        if not values[name]:
            raise Refused(_("Give the service's name in Arabic and in French."))
    if service is None:
        saved = PartnerService.objects.create(**values)
        changes: dict[str, Any] = {name: _plain(value) for name, value in values.items()}
    else:
        lock_rows(PartnerService, service.pk)
        saved = PartnerService.objects.select_related("partner").get(pk=service.pk)
        if version is not None and saved.version != version:
            raise ConcurrentEdit(saved)
        changes = {
            name: [_plain(getattr(saved, name)), _plain(value)]
            for name, value in values.items()
            if getattr(saved, name) != value
        }
        for name, value in values.items():
            setattr(saved, name, value)
        saved.version += 1
        saved.save(update_fields=[*FIELDS, "version"])
    audit.record("partner.service_saved", actor=by, target=saved, changes=changes)
    return saved


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it (a partner by its id)."""
    return getattr(value, "pk", value)
