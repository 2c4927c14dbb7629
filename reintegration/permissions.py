"""What each role may do. Each ``can_*`` function decides both whether a link or button shows
and whether the request is accepted, so the two can never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reintegration.models import Role


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_role(user, roles) -> bool:
    """An active, signed-in user whose role is one of ``roles``."""
    return _active(user) and user.role in roles


def can_view_audit_log(user) -> bool:
    return _active(user) and user.role in (Role.NATIONAL, Role.AUDITOR)


def can_use_admin(user) -> bool:
    # The Django admin maintains reference data and accounts: headquarters only.
    return _active(user) and (user.is_superuser or user.role == Role.NATIONAL)


def can_view_centres(user) -> bool:
    return _active(user) and bool(user.role)


def requires(check):
    """View decorator: anonymous users go to the sign-in page, others without the right get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    check: object
    # Shown in the top bar; the others appear as tiles on the home page only, so that the bar
    # fits a 1280-pixel office screen in French.
    in_menu: bool = True


def _can_view_beneficiaries(user) -> bool:
    from beneficiaries.permissions import can_view_beneficiaries

    return can_view_beneficiaries(user)


def _can_view_projects(user) -> bool:
    from projects.permissions import can_view_projects

    return can_view_projects(user)


def _can_view_conventions(user) -> bool:
    from partners.permissions import can_view_conventions

    return can_view_conventions(user)


def _can_view_ceremonies(user) -> bool:
    from partners.permissions import can_view_ceremonies

    return can_view_ceremonies(user)


def _can_use_inbox(user) -> bool:
    from projects.permissions import can_use_inbox

    return can_use_inbox(user)


NAVIGATION = (
    NavItem("home", _("Home"), _active),
    NavItem("beneficiary_list", _("Beneficiaries"), _can_view_beneficiaries),
    NavItem("project_list", _("Life projects"), _can_view_projects),
    NavItem("approval_inbox", _("Approvals"), _can_use_inbox),
    NavItem("overdue_visits", _("Overdue visits"), _can_view_projects, in_menu=False),
    NavItem("convention_list", _("Conventions"), _can_view_conventions),
    NavItem("ceremony_list", _("Ceremonies"), _can_view_ceremonies),
    NavItem("centre_list", _("Centres"), can_view_centres, in_menu=False),
    NavItem("audit_log", _("Audit log"), can_view_audit_log, in_menu=False),
    NavItem("admin:index", _("Administration"), can_use_admin, in_menu=False),
)


def navigation_for(user) -> list[NavItem]:
    return [item for item in NAVIGATION if item.check(user)]
