"""Two-factor sign-in (OWASP ASVS 6.3.3): set up at the first sign-in of regional staff and
headquarters, asked at every sign-in after the password, counted by the lockout when wrong,
reset by headquarters when a phone is lost.

The suite runs without the requirement (conftest.py); these tests turn it on. Codes are computed
here from the device's key with django-otp's own TOTP function, as the phone would."""

import re

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration import two_factor
from reintegration.models import AuditEntry, Role
from reintegration.refusals import Refused
from reintegration.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
ACCOUNT = "/accounts/two-factor/"


@pytest.fixture(autouse=True)
def required(settings):
    settings.OTP_REQUIRED_ROLES = ("regional", "national")
    settings.OTP_REQUIRED_FOR_ADMIN = True


@pytest.fixture
def regional(db):
    return UserFactory(username="karim", regional=True, language="en")


def code(device) -> str:
    """The code the phone shows for ``device``; the next time step's if the current one was
    already used (a code is accepted once, ASVS 6.5.1)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    ahead = 1 if now <= device.last_t else 0
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{token:0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """``user`` with an app and recovery codes, set up through the services."""
    device = two_factor.two_factor_begin(by=user)
    enrolment = two_factor.two_factor_enrol(code=code(device), by=user)
    return enrolment.device, enrolment.recovery_codes


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def second_step(client, typed):
    return client.post(VERIFY, {"code": typed, "next": "/centres/"})


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def errors(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def test_the_required_roles_are_roles():
    assert set(django_settings.OTP_REQUIRED_ROLES) <= set(Role.values)
    # The suite turns the requirement off for force_login; production requires these two.
    from reintegration import settings as production

    assert set(production.OTP_REQUIRED_ROLES) == {Role.REGIONAL, Role.NATIONAL}
    assert production.OTP_REQUIRED_FOR_ADMIN is True


# --- Forced enrolment ----------------------------------------------------------------------------


def test_regional_staff_set_up_a_second_factor_before_anything_else(client, regional):
    response = sign_in(client, "karim")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"
    for page in ("/", "/projects/inbox/", "/beneficiaries/", ACCOUNT, "/accounts/password/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(SETUP), page
    # Signing out and switching the language still work.
    assert client.post("/language/", {"language": "fr", "next": SETUP}).status_code == 302
    assert client.get("/healthz").status_code == 200
    page = client.get(SETUP)
    assert page.status_code == 200
    assert page.context["required"] is True
    assert page.context["second_factor_owed"] is True
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(SETUP).status_code == 302  # anonymous: to the sign-in page


def test_enrolment_confirms_the_key_with_a_first_code_and_shows_ten_codes_once(client, regional):
    sign_in(client, "karim")
    page = client.get(SETUP)
    device = TOTPDevice.objects.get(user=regional, confirmed=False)
    html = page.content.decode()
    # The QR code is inline SVG, the key is typed in groups of four, read left to right.
    assert '<svg viewBox="' in html and 'class="qr-code"' in html
    key = page.context["key"]
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    assert f'id="setup-key" dir="ltr">{key}</code>' in html
    assert "no-store" in page["Cache-Control"]
    # Reopening the page shows the same key.
    assert client.get(SETUP).context["key"] == key

    wrong = client.post(SETUP, {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    with translation.override("en"):
        assert "This is not the code the app shows." in errors(wrong)
    assert not two_factor.has_device(regional)

    device.throttle_reset()  # the wrong code made the device wait a second
    shown = client.post(SETUP, {"code": code(device), "next": "/projects/inbox/"})
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    codes = shown.context["codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", c) for c in codes)
    stored = set(StaticToken.objects.filter(device__user=regional).values_list("token", flat=True))
    assert stored == {c.replace("-", "").lower() for c in codes}
    assert "data:text/plain;charset=utf-8," in shown.content.decode()
    assert shown.context["next"] == "/projects/inbox/"
    # Confirmed: the session counts as verified, the pages open.
    assert two_factor.has_device(regional)
    assert client.get("/projects/inbox/").status_code == 200
    # Never shown again: the account page only counts them.
    account = client.get(ACCOUNT)
    assert account.context["left"] == 10
    assert all(c not in account.content.decode() for c in codes)
    assert "auth.two_factor_enrolled" in actions()
    # Reloading the codes' page sends the form again: it leads to the account page, not to a
    # new set-up that would look as if the first had failed.
    again = client.post(SETUP, {"code": code(device), "next": "/projects/inbox/"})
    assert (again.status_code, again["Location"]) == (302, ACCOUNT)
    assert not TOTPDevice.objects.filter(user=regional, confirmed=False).exists()


def test_the_setup_page_reads_right_to_left_in_arabic_with_the_codes_left_to_right(client):
    UserFactory(username="salma", regional=True, language="ar")
    sign_in(client, "salma")
    html = client.get(SETUP).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'dir="ltr"' in html.split('id="setup-key"')[1][:20]
    assert 'name="code"' in html and 'autocomplete="one-time-code"' in html
    # A Content-Security-Policy without 'unsafe-inline' will allow it: no inline script or style.
    assert "style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []


# --- The second step --------------------------------------------------------------------------


def test_a_code_from_the_app_completes_the_sign_in(client, regional):
    device, _codes = enrolled(regional)
    response = sign_in(client, "karim")
    assert response["Location"] == f"{VERIFY}?next=%2F"
    assert client.get("/centres/")["Location"].startswith(VERIFY)
    response = second_step(client, code(device))
    assert response.status_code == 302
    assert response["Location"] == "/centres/"
    assert client.get("/centres/").status_code == 200
    assert actions()[-2:] == ["auth.login", "auth.two_factor_verified"]


def test_a_code_from_the_app_is_accepted_once(client, regional):
    device, _codes = enrolled(regional)
    used = code(device)
    sign_in(client, "karim")
    assert second_step(client, used).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "karim")
    response = second_step(client, used)
    assert response.status_code == 200
    assert client.get("/centres/")["Location"].startswith(VERIFY)


def test_a_recovery_code_signs_in_once(client, regional):
    _device, codes = enrolled(regional)
    sign_in(client, "karim")
    # As copied from the sheet, whatever the case and the separator.
    response = second_step(client, f" {codes[0].lower().replace('-', ' ')} ")
    assert response.status_code == 302
    page = client.get("/centres/")
    assert page.status_code == 200
    assert two_factor.recovery_codes_left(regional) == 9
    with translation.override("en"):
        warning = [str(m) for m in page.context["messages"]]
    assert warning == [
        "You signed in with a recovery code: 9 are left. Make new ones from Two-factor sign-in "
        "in your account menu."
    ]
    assert "auth.recovery_code_used" in actions()
    client.post("/accounts/logout/")

    sign_in(client, "karim")
    reused = second_step(client, codes[0])
    assert reused.status_code == 200
    with translation.override("en"):
        assert errors(reused) == "This code is wrong or was already used."


def test_a_coordinator_signs_in_with_the_password_alone_until_they_set_up_a_second_factor(client):
    coordinator = UserFactory(username="samira", coordinator=True)
    assert sign_in(client, "samira")["Location"] == "/"
    assert client.get("/centres/").status_code == 200
    # From the account menu.
    assert client.get(ACCOUNT).context["device"] is None
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    client.post(SETUP, {"code": code(device)})
    client.post("/accounts/logout/")
    # Now every sign-in asks for it.
    assert sign_in(client, "samira")["Location"] == f"{VERIFY}?next=%2F"
    assert client.get("/centres/")["Location"].startswith(VERIFY)
    assert second_step(client, code(device))["Location"] == "/centres/"


def test_replacing_the_app_takes_the_current_second_factor_first(client):
    coordinator = UserFactory(username="samira", coordinator=True)
    device, _codes = enrolled(coordinator)
    # A session opened with the password alone (as a stolen password would).
    client.force_login(coordinator)
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
    second_step(client, code(device))
    assert client.get(SETUP).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, regional):
    device, old = enrolled(regional)
    sign_in(client, "karim")
    second_step(client, code(device))
    response = client.post(ACCOUNT, {"code": code(device)})
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert "auth.recovery_codes_renewed" in actions()
    client.post("/accounts/logout/")
    sign_in(client, "karim")
    assert second_step(client, new[1]).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "karim")
    assert second_step(client, old[1]).status_code == 200


# --- Wrong codes and the lockout ------------------------------------------------------------


def wrong(device) -> str:
    right = code(device)
    return "999999" if right != "999999" else "888888"


def test_five_wrong_codes_lock_the_username_like_wrong_passwords(client, regional):
    device, _codes = enrolled(regional)
    sign_in(client, "karim")
    for _attempt in range(4):
        assert second_step(client, wrong(device)).status_code == 200
    response = second_step(client, wrong(device))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session  # the half-open session ends
    assert actions().count("auth.second_factor_failed") == 5
    assert "auth.locked_out" in actions()
    # The right password is refused while locked, as after five wrong passwords.
    assert sign_in(client, "karim").status_code == 429


def test_typing_the_password_again_does_not_clear_the_wrong_codes(client, regional):
    device, _codes = enrolled(regional)
    sign_in(client, "karim", "wrong")
    sign_in(client, "karim")
    second_step(client, wrong(device))
    second_step(client, wrong(device))
    client.post("/accounts/logout/")
    sign_in(client, "karim")
    assert second_step(client, wrong(device)).status_code == 200
    # Five failures in all, passwords and codes together: locked.
    assert second_step(client, wrong(device)).status_code == 429


def test_a_complete_sign_in_clears_the_count(client, regional, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait between codes: this test is about the count
    device, _codes = enrolled(regional)
    sign_in(client, "karim")
    for _attempt in range(4):
        second_step(client, wrong(device))
    assert second_step(client, code(device)).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "karim")
    for _attempt in range(4):
        assert second_step(client, wrong(device)).status_code == 200


def test_after_a_wrong_code_the_device_waits_whatever_the_address(client, regional):
    """django-otp's throttling, per device: guesses spread over many addresses, each below the
    lockout, still wait twice as long after each wrong code."""
    device, _codes = enrolled(regional)
    sign_in(client, "karim")
    second_step(client, wrong(device))
    other = client.post(VERIFY, {"code": code(device)}, REMOTE_ADDR="192.0.2.99")
    assert other.status_code == 200
    with translation.override("en"):
        assert errors(other) == (
            "Too many wrong codes in a row: wait 1 second, then type the current code."
        )


# --- The admin site ---------------------------------------------------------------------------


def test_the_admin_site_takes_a_second_factor_whatever_the_role_setting(client, settings):
    settings.OTP_REQUIRED_ROLES = ()
    national = UserFactory(username="hq", national=True)
    client.force_login(national)
    assert client.get("/").status_code == 200
    response = client.get("/admin/reintegration/user/")
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2Freintegration%2Fuser%2F"
    device, _codes = enrolled(national)
    client.force_login(national)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    second_step(client, code(device))
    assert client.get("/admin/reintegration/user/").status_code == 200


# --- Reset by headquarters -------------------------------------------------------------------


@pytest.fixture
def headquarters(client):
    """A national administrator signed in with a second factor, in the admin site."""
    national = UserFactory(username="hq", national=True, language="en")
    device, _codes = enrolled(national)
    sign_in(client, "hq")
    assert second_step(client, code(device)).status_code == 302
    return national


def admin_action(client, action, *users, confirmed=True):
    data = {"action": action, "_selected_action": [u.pk for u in users]}
    if confirmed:
        data["post"] = "yes"
    return client.post("/admin/reintegration/user/", data)


def test_headquarters_reset_a_lost_second_factor_and_it_is_audited(client, regional, headquarters):
    enrolled(regional)
    assert (
        client.get("/admin/reintegration/user/")
        .context["cl"]
        .result_list.get(pk=regional.pk)
        .has_two_factor
    )
    asked = admin_action(client, "reset_two_factor", regional, confirmed=False)
    assert asked.status_code == 200
    assert "karim" in asked.content.decode()
    assert two_factor.has_device(regional)  # nothing happens before the confirmation

    done = admin_action(client, "reset_two_factor", regional)
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=regional).exists()
    assert not StaticToken.objects.filter(device__user=regional).exists()
    entry = AuditEntry.objects.get(action="user.two_factor_reset")
    assert (entry.actor, entry.target_id) == (headquarters, str(regional.pk))
    with translation.override("en"):
        assert str(entry) == f"{headquarters.display_name} reset the two-factor sign-in of karim."

    # At the next sign-in, a new app is set up first.
    client.post("/accounts/logout/")
    assert sign_in(client, "karim")["Location"] == f"{SETUP}?next=%2F"


def test_a_reset_ends_the_confirmed_state_of_open_sessions(client, regional):
    device, _codes = enrolled(regional)
    sign_in(client, "karim")
    second_step(client, code(device))
    assert client.get("/centres/").status_code == 200
    two_factor.two_factor_reset(user=regional, by=UserFactory(username="hq", national=True))
    assert client.get("/centres/")["Location"].startswith(SETUP)


def test_a_coordinator_whose_app_was_removed_meanwhile_is_let_through(client):
    """A second factor was owed at sign-in, and headquarters removed it before it was given:
    nothing is left to ask (no loop between the second step and the set-up page)."""
    coordinator = UserFactory(username="samira", coordinator=True)
    enrolled(coordinator)
    assert sign_in(client, "samira")["Location"].startswith(VERIFY)
    two_factor.two_factor_reset(user=coordinator, by=UserFactory(username="hq", national=True))
    assert client.get("/centres/").status_code == 200
    assert client.get(VERIFY)["Location"] == "/"


def test_only_headquarters_reset_a_second_factor(regional):
    enrolled(regional)
    coordinator = UserFactory(username="samira", coordinator=True)
    with translation.override("en"), pytest.raises(Refused, match="Your role does not allow"):
        two_factor.two_factor_reset(user=regional, by=coordinator)
    assert two_factor.has_device(regional)


def test_resetting_an_account_without_a_second_factor_says_so(client, regional, headquarters):
    response = admin_action(client, "reset_two_factor", regional)
    with translation.override("en"):
        shown = [str(m) for m in client.get("/admin/").context["messages"]]
    assert response.status_code == 302
    assert shown == ["karim has no second factor set up: there is nothing to reset."]
    assert not AuditEntry.objects.filter(action="user.two_factor_reset").exists()
