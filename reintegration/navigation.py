"""Menu entries. Each app declares its own in a ``navigation`` module (a list named ``ITEMS``);
the top app collects them, so the foundation never needs to know which apps exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reintegration.permissions import (
    can_manage_outbox,
    can_use_admin,
    can_view_audit_log,
    can_view_centres,
)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    check: Callable[[Any], bool]
    # Position in the bar and on the home page, smallest first.
    order: int
    # Shown in the top bar; the others appear as tiles on the home page only, so that the bar
    # fits a 1280-pixel office screen in French.
    in_menu: bool = True


ITEMS = [
    NavItem("centre_list", _("Centres"), can_view_centres, order=80, in_menu=False),
    NavItem("audit_log", _("Audit log"), can_view_audit_log, order=90),
    NavItem("access_log", _("Access log"), can_view_audit_log, order=91, in_menu=False),
    NavItem("outbox_failures", _("Unsent messages"), can_manage_outbox, order=95, in_menu=False),
    NavItem("admin:index", _("Administration"), can_use_admin, order=100, in_menu=False),
]
