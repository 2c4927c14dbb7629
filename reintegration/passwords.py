"""Password reset by e-mail, through the outbox, with Django's token generator.

A request answers the same page whether or not an account has the address, and costs the same:
the web request only queues a job (``password_reset_send``) with the address typed; the worker
looks the accounts up and writes their e-mails to the outbox. Nothing the requester can time
depends on the account existing.

The link carries Django's token: it works until the password changes (so once), at most
PASSWORD_RESET_TIMEOUT, and is built on PUBLIC_URL, never on the request's Host header, which
the requester chooses.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from reintegration import audit, outbox
from reintegration.models import OutboxMessage, User
from reintegration.permissions import can_manage_sign_in
from reintegration.refusals import Refused


def _same_address(one: str, other: str) -> bool:
    return (
        unicodedata.normalize("NFKC", one).casefold()
        == unicodedata.normalize("NFKC", other).casefold()
    )


def users_for_reset(email: str) -> list[User]:
    """The active accounts with this e-mail address. Unlike Django's form, accounts without a
    usable password are included: that is what a reset forced by headquarters leaves."""
    candidates = User.objects.filter(email__iexact=email, is_active=True)
    return [user for user in candidates if _same_address(email, user.email)]


def reset_link(user: User) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PUBLIC_URL}{path}"


def reset_email(user: User, *, forced: bool = False) -> OutboxMessage | None:
    """Queue the e-mail with ``user``'s reset link, in their language, in the caller's
    transaction."""
    context = {
        "user": user,
        "link": reset_link(user),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "forced": forced,
    }
    with translation.override(user.language):
        subject = _("Choose a new password for the reintegration network")
        body = render_to_string("registration/password_reset_email.txt", context)
    return outbox.email(to=user, subject=subject, body=body, reason="auth.password_reset")


@task()
def password_reset_send(email: str, client_address: str | None = None) -> None:
    """The worker's half of a reset request: an e-mail to each account with this address."""
    with audit.client_address(client_address), transaction.atomic():
        for user in users_for_reset(email):
            if reset_email(user) is not None:
                audit.record("auth.password_reset_requested", target=user)


def password_reset_request(*, email: str, client_address: str | None) -> None:
    """Someone asked for a reset link for ``email``: queue the look-up, the same work whether
    or not an account has the address."""
    password_reset_send.enqueue(email, client_address)


@transaction.atomic
def password_reset_force(*, user: User, by: User) -> OutboxMessage:
    """Headquarters make ``user``'s password stop working (its sessions end with it) and send
    them a reset link, e.g. when the password may have leaked."""
    if not can_manage_sign_in(by):
        raise Refused(_("Your role does not allow resetting how a colleague signs in."))
    name = {"user": user.get_username()}
    if user.pk == by.pk:
        raise Refused(_("Change your own password from your account menu."))
    if not user.is_active:
        raise Refused(_("The account of %(user)s is disabled: enable it first.") % name)
    if not user.email:
        raise Refused(
            _("%(user)s has no e-mail address: add one, then force the reset again.") % name
        )
    locked = User.objects.select_for_update().get(pk=user.pk)
    # Changing the stored hash also ends every session of the account (Django checks a hash of
    # the password on each request) and every reset link sent before.
    locked.set_unusable_password()
    locked.save(update_fields=["password"])
    message = reset_email(locked, forced=True)
    if message is None:  # the address was removed meanwhile: nothing is left half done
        raise Refused(
            _("%(user)s has no e-mail address: add one, then force the reset again.") % name
        )
    audit.record("user.password_reset_forced", actor=by, target=locked)
    return message
