"""Two-factor sign-in (OWASP ASVS 6.3.3) on django-otp: a code from an authenticator app (TOTP,
RFC 6238) and single-use recovery codes for the day the phone is lost.

Each person has at most one confirmed app (a ``TOTPDevice``) and one set of recovery codes (a
``StaticDevice`` holding ``OTP_RECOVERY_CODES`` tokens). Setting up shows a key (and its QR
code) kept on an unconfirmed device until the person types a first code from their app: only
then does the key count, so a key that was shown but never scanned locks nobody out.

These are the writes; what a sign-in owes and when it is settled lives with the session, in
``reintegration/sign_in.py``.
"""

from __future__ import annotations

import math
import re
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration import audit
from reintegration.models import User
from reintegration.permissions import can_manage_sign_in
from reintegration.refusals import Refused

# Device names are data, seen only in the database: people see translated labels.
APP = "Authenticator app"
RECOVERY = "Recovery codes"
APP_CODE_DIGITS = 6

# Codes are typed from a phone or a sheet of paper: Arabic-Indic digits, spaces and dashes are
# what a keyboard or the printed grouping adds, never part of the code.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")


def normalise(code: str) -> str:
    return _SEPARATORS.sub("", code.translate(_DIGITS)).lower()


def shown(token: str) -> str:
    """A recovery code as printed: two groups of four capitals, easier to copy without a slip
    (base32 has no 0, 1 or 8 to mistake for O, I or B); typed in any case."""
    return f"{token[:4]}-{token[4:]}".upper()


def required_for(user: User) -> bool:
    """Whether the role must sign in with a second factor (OTP_REQUIRED_ROLES)."""
    return user.role in settings.OTP_REQUIRED_ROLES


def has_device(user: User) -> bool:
    """Whether ``user`` confirmed a second factor: every sign-in then asks for it."""
    return bool(user_has_device(user, confirmed=True))


def app_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def key_for_typing(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed by hand: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice, *, title: str) -> str:
    """The key as a QR code for the app to scan: an SVG drawn with presentation attributes
    only (no style attribute, no script), black on a white ground so that it scans on a
    dark screen too."""
    code = segno.make(device.config_url, error="m")
    return code.svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", title=title, omitsize=True
    )


# --- Writes ------------------------------------------------------------------------------------


def setting_up(user: User) -> bool:
    """Whether ``user`` has a set-up under way (a key shown, not yet confirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).exists()


def two_factor_begin(*, by: User) -> TOTPDevice:
    """The key ``by`` is setting up: made at the first visit of the set-up page and kept,
    unconfirmed, until a code confirms it, so that reopening the page shows the same key."""
    pending = TOTPDevice.objects.filter(user=by, confirmed=False).order_by("pk").first()
    return pending or TOTPDevice.objects.create(user=by, name=APP, confirmed=False)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    # Shown once, on the page that follows, and never again.
    recovery_codes: list[str]


def two_factor_enrol(*, code: str, by: User) -> Enrolment:
    """Confirm the key being set up with a first code from the app. It replaces the app set up
    before, if any (a new phone), and comes with a new set of recovery codes."""
    enrolment = None
    # The check and its outcome commit together, and a wrong code is no exception inside the
    # transaction: its failure count (django-otp's throttling) must be kept.
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=by, confirmed=False)
            .order_by("pk")
            .first()
        )
        waiting = _throttled([device] if device else [])
        if device is not None and not waiting and device.verify_token(normalise(code)):
            TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            enrolment = Enrolment(device, _new_recovery_codes(by))
            audit.record("auth.two_factor_enrolled", actor=by, target=by)
    if device is None:
        raise Refused(_("This set-up is no longer open: reload the page to get a key."))
    if enrolment is None:
        raise Refused(_wait(waiting) if waiting else _wrong_app_code())
    return enrolment


def second_factor_verify(*, code: str, by: User) -> Device:
    """The second step of ``by``'s sign-in: the device that accepts ``code``, a 6-digit code from
    the app or one of the recovery codes (used up here). Refused otherwise; the caller counts
    the refusal as a failed sign-in."""
    token = normalise(code)
    from_app = len(token) == APP_CODE_DIGITS and token.isdigit()
    model: type[Device] = TOTPDevice if from_app else StaticDevice
    verified = None
    with transaction.atomic():
        # Locked: the same recovery code typed twice at once is accepted once.
        devices = list(model.objects.select_for_update().filter(user=by, confirmed=True))
        waiting = _throttled(devices)
        verified = next((d for d in devices if d.verify_token(token)), None)
        if isinstance(verified, StaticDevice):
            audit.record(
                "auth.recovery_code_used",
                actor=by,
                target=by,
                changes={"recovery codes left": verified.token_set.count()},
            )
        elif verified is not None:
            audit.record("auth.two_factor_verified", actor=by, target=by)
    if verified is None:
        raise Refused(
            _wait(waiting) if waiting and len(waiting) == len(devices) else _wrong_code(from_app)
        )
    return verified


def recovery_codes_renew(*, code: str, by: User) -> list[str]:
    """A new set of recovery codes for ``by``, confirmed with a code from the app; the old
    ones stop working."""
    codes = None
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=by, confirmed=True)
            .order_by("pk")
            .first()
        )
        waiting = _throttled([device] if device else [])
        if device is not None and not waiting and device.verify_token(normalise(code)):
            codes = _new_recovery_codes(by)
            audit.record("auth.recovery_codes_renewed", actor=by, target=by)
    if device is None:
        raise Refused(_("Set up two-factor sign-in first."))
    if codes is None:
        raise Refused(_wait(waiting) if waiting else _wrong_app_code())
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> int:
    """Headquarters remove ``user``'s app and recovery codes (a lost phone): a role that
    requires a second factor sets one up again at the next sign-in; a signed-in session of
    ``user`` stops counting as confirmed at its next request. Returns how many were removed."""
    if not can_manage_sign_in(by):
        raise Refused(_("Your role does not allow resetting how a colleague signs in."))
    devices = list(devices_for_user(user, confirmed=None))
    if not any(device.confirmed for device in devices):
        raise Refused(
            _("%(user)s has no second factor set up: there is nothing to reset.")
            % {"user": user.get_username()}
        )
    for device in devices:
        device.delete()
    audit.record(
        "user.two_factor_reset", actor=by, target=user, changes={"devices removed": len(devices)}
    )
    return len(devices)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    # 40 random bits each (os.urandom, base32): guessing one within the lockout is hopeless.
    tokens: list[str] = []
    while len(tokens) < settings.OTP_RECOVERY_CODES:
        token = StaticToken.random_token()
        if token not in tokens:
            tokens.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)
    return [shown(token) for token in tokens]


def _throttled(devices: list) -> list[Device]:
    """The devices refusing any code for now: django-otp doubles the wait after each wrong
    code (1, 2, 4… seconds), per device, whatever address the codes come from."""
    return [device for device in devices if not device.verify_is_allowed()[0]]


def _wait(devices: list[Device]) -> str:
    until = min(device.verify_is_allowed()[1]["locked_until"] for device in devices)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes in a row: wait %(seconds)d second, then type the current code.",
        "Too many wrong codes in a row: wait %(seconds)d seconds, then type the current code.",
        seconds,
    ) % {"seconds": seconds}


def _wrong_app_code() -> str:
    return _(
        "This is not the code the app shows. Type the 6 digits shown now; if they are refused "
        "again, check that the phone's clock is set automatically."
    )


def _wrong_code(from_app: bool) -> str:
    if from_app:
        return _wrong_app_code()
    return _("This code is wrong or was already used.")
