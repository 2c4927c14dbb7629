"""Two-factor sign-in as regional staff meet it: the first sign-in leads to setting up an app
(QR code, key, first code), then the recovery codes; the next sign-in asks for a code. In
Arabic (right to left) and French, on a phone and an office screen."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reintegration.tests.factories import TEST_PASSWORD, UserFactory
from tests_browser.conftest import sign_in, take_screenshot

WIDTHS = (1280, 390)


def at_both_widths(page, name):
    """Nothing wider than the screen, at each width; a screenshot of each with SCREENSHOTS=1."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        take_screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def until_allowed(device, timeout=10.0):
    """Waits for the device's throttle after a wrong code to end."""
    deadline = time.monotonic() + timeout
    while not device.verify_is_allowed()[0]:
        assert time.monotonic() < deadline, "the device never took a code again"
        time.sleep(0.05)
        device.refresh_from_db()


def submit(page, form):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_regional_staff_set_up_an_app_then_sign_in_with_its_code(page, settings, language):
    settings.OTP_REQUIRED_ROLES = ("regional", "national")
    user = UserFactory(
        username=f"karim.{language}", first_name="Karim", regional=True, language=language
    )

    sign_in(page, user.username, TEST_PASSWORD)
    assert page.url.endswith("/accounts/two-factor/setup/?next=%2F")
    html = page.locator("html")
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # No menu while the second factor is owed: every entry would lead back here.
    assert page.locator(".navbar-nav .nav-link").count() == 0
    assert page.locator("#qr-code svg").is_visible()
    # The key typed by hand is the device's key, in groups read left to right.
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = page.locator("#setup-key")
    assert key.get_attribute("dir") == "ltr"
    assert b32decode(key.inner_text().replace(" ", "")) == device.bin_key
    at_both_widths(page, f"two-factor-setup-{language}")

    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    submit(page, "#setup-confirm")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    download = page.locator("#download-codes")
    assert download.get_attribute("href").startswith("data:text/plain;charset=utf-8,")
    assert download.get_attribute("download") == "recovery-codes.txt"
    assert page.locator("#print-codes").is_visible()  # shown by print.js
    at_both_widths(page, f"two-factor-recovery-codes-{language}")
    with page.expect_navigation():
        page.click("#codes-saved")
    assert page.url.endswith("/")
    assert page.locator(".navbar-nav .nav-link").count() > 0

    # The next sign-in asks for a code from the app.
    page.context.clear_cookies()
    sign_in(page, user.username, TEST_PASSWORD)
    assert page.url.endswith("/accounts/two-factor/verify/?next=%2F")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    page.fill("input[name=code]", "000000" if totp(device.bin_key) else "111111")
    submit(page, "#second-step")
    assert page.locator("#second-step .invalid-feedback, #second-step .alert").count() > 0
    at_both_widths(page, f"two-factor-verify-{language}")
    # The app's next code (the current one was used to confirm it); a wrong code makes the
    # device wait a second before the next: the test waits until the device takes one again.
    device.refresh_from_db()
    assert not device.verify_is_allowed()[0]
    until_allowed(device)
    page.fill("input[name=code]", f"{totp(device.bin_key, drift=1):06d}")
    submit(page, "#second-step")
    assert page.url.endswith("/")
    assert page.locator(".navbar-nav .nav-link").count() > 0
