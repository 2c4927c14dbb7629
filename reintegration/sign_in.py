"""Where a sign-in stands: the password opens the session, the second factor completes it.

Django's ``login`` runs once the password is right, whatever the path (the sign-in page, a
test's ``force_login``); ``started`` then notes in the session whether it owes a second
factor: it does if the person confirmed one (any role) or if their role requires one
(OTP_REQUIRED_ROLES). Until the second factor is confirmed (django-otp's ``OTPMiddleware`` sets
``user.otp_device``), ``SecondFactorMiddleware`` lets the session reach only the second step,
the set-up page, sign-out, the language switch and the health check.

A wrong code counts as a failed sign-in for the username, through Django's
``user_login_failed`` signal that django-axes listens to: five wrong codes, or wrong passwords
and codes together, lock the username from that address like five wrong passwords. The count
is cleared only when the sign-in is complete (``completed``), never by the password alone:
otherwise typing the password again would give four more guesses each time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from reintegration import two_factor
from reintegration.network import client_ip

OWED = "second_factor_owed"
# The sender of the failures of the second step, so that the audit log says which step failed.
SECOND_STEP = "reintegration.second_step"


def verified(user: Any) -> bool:
    """Whether this request's session confirmed its sign-in with a second factor."""
    return getattr(user, "otp_device", None) is not None


def started(request: HttpRequest, user: Any) -> None:
    """Called by ``user_logged_in``: the password was right."""
    request.session[OWED] = two_factor.required_for(user) or two_factor.has_device(user)
    # A device confirmed in an earlier sign-in of the same session never carries over.
    if not verified(user):
        request.session.pop(DEVICE_ID_SESSION_KEY, None)


def owes_second_factor(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or verified(user):
        return False
    # The role is checked on every request, not only at sign-in: a session opened before the
    # role required it (or before this code was deployed) owes it too.
    if two_factor.required_for(user):
        return True
    # Whoever set one up owes it; if headquarters removed it meanwhile, nothing is left to ask.
    return bool(request.session.get(OWED)) and two_factor.has_device(user)


def admin_allowed(user: Any) -> bool:
    """The admin site asks everyone who may open it for a second factor (unless
    OTP_REQUIRED_FOR_ADMIN is off, as in the tests that do not sign in with one)."""
    return not settings.OTP_REQUIRED_FOR_ADMIN or verified(user)


def second_step(request: HttpRequest, next_url: str = "") -> str:
    """Where the session settles its second factor: the code page if the person has one, the
    set-up page otherwise; back to ``next_url`` afterwards."""
    user: Any = request.user
    name = "two_factor_verify" if two_factor.has_device(user) else "two_factor_setup"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def next_url(request: HttpRequest) -> str:
    """The page asked for before the second step, if it is one of ours; the home page else."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


def confirmed(request: HttpRequest, device: Device) -> None:
    """The second factor was accepted: the session counts as confirmed from now on."""
    otp_login(request, device)
    request.session.pop(OWED, None)
    # A new session key for the new level of trust, as Django's login does for the password.
    request.session.cycle_key()
    completed(request)


def completed(request: HttpRequest) -> None:
    """The sign-in is complete: clear the failures counted for this username and address."""
    AxesProxyHandler.reset_attempts(
        ip_address=client_ip(request), username=request.user.get_username()
    )


def code_refused(request: HttpRequest) -> bool:
    """Count a wrong code as a failed sign-in (django-axes, the audit log); True if it locked
    the username from this address."""
    username = request.user.get_username()
    user_login_failed.send(sender=SECOND_STEP, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def locked(request: HttpRequest) -> bool:
    """Whether the username is locked from this address (by wrong passwords or codes)."""
    username = request.user.get_username()
    return not AxesProxyHandler.is_allowed(request, credentials={"username": username})
