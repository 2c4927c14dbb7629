"""What each role may do. Each ``can_*`` function decides both whether a link or button shows
and whether the request is accepted, so the two can never disagree.

Views guard the same way everywhere: ``@requires(can_x)`` on the view for what the role may
do at all, then, once the object is fetched within the user's scope (404 outside it),
``allow(can_y, request.user, obj)`` for what they may do with that object (403)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from reintegration.models import Role


def signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_role(user, roles) -> bool:
    """An active, signed-in user whose role is one of ``roles``."""
    return signed_in(user) and user.role in roles


def can_view_audit_log(user) -> bool:
    return signed_in(user) and user.role in (Role.NATIONAL, Role.AUDITOR)


def can_manage_outbox(user) -> bool:
    # Messages that could not be sent: headquarters sees them and sends them again.
    return signed_in(user) and user.role == Role.NATIONAL


def can_use_admin(user) -> bool:
    # The Django admin maintains reference data and accounts: headquarters only.
    return signed_in(user) and (user.is_superuser or user.role == Role.NATIONAL)


def can_manage_sign_in(user) -> bool:
    # Resetting a colleague's second factor or forcing a new password: whoever runs the back
    # office, where both are done.
    return can_use_admin(user)


def can_view_centres(user) -> bool:
    return signed_in(user) and bool(user.role)


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


def allow(check, user, *objects) -> None:
    """Inside a view, after the object was fetched within the user's scope: 403 unless
    ``check(user, *objects)`` lets them act on it."""
    if not check(user, *objects):
        raise PermissionDenied
