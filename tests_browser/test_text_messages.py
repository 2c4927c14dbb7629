"""A coordinator texts a beneficiary from the file, in French and in Arabic, on an office
screen and on a phone: the preview shows the exact text in the person's language, with its
length in SMS; sending it lists it on the file, first waiting, then sent once a worker has
passed it to the SMS backend."""

import pytest
from django.utils import timezone, translation

from beneficiaries import texting
from beneficiaries.tests.factories import BeneficiaryFactory
from projects.tests.factories import equipped, make_project
from reintegration.models import OutboxMessage, User
from tests_browser import conftest


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_coordinator_previews_then_sends_a_text_message(
    browser,
    live_server,
    reference_data,
    users,
    centre,
    convention,
    job_worker,
    settings,
    tmp_path,
    language,
):
    settings.SMS_BACKEND = "reintegration.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(language=language)
    centre.phone = "0539 33 44 55"
    centre.save(update_fields=["phone"])
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    equipped(make_project(person, coordinator), users, timezone.localdate())
    person = texting.text_contact_update(
        beneficiary=person, by=coordinator, language=language, consent=True
    )
    draft = texting.text_draft(beneficiary=person, kind="visit_reminder")
    expected = draft.text

    # One tab, resized from an office screen to a phone's as a person resizes a window: the
    # layout is the stylesheet's, which a change of width applies again.
    page = conftest.open_as(browser, live_server, coordinator.username, 1280)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/beneficiaries/{person.pk}/")
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        go(page, "#text-send")
        assert page.locator("#text-body").inner_text() == expected
        assert page.locator("#text-body").get_attribute("lang") == language
        assert page.locator("#text-phone").inner_text() == "+212612345678"
        length = page.locator("#text-length").inner_text()
        # Arabic travels in UCS-2 (70 characters, 67 per part), French in the SMS alphabet.
        assert draft.length.encoding == ("ucs2" if language == "ar" else "gsm7")
        assert str(draft.length.units) in length and str(draft.length.per_segment) in length
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        conftest.take_screenshot(page, f"sms-preview-{language}-{width}")
        if width == 1280:
            # Going back sends nothing.
            go(page, "#go-back")
            assert not OutboxMessage.objects.exists()

    # On the phone, from the preview just checked.
    go(page, "#confirm")
    [message] = OutboxMessage.objects.all()
    assert (message.channel, message.to, message.body) == ("sms", "+212612345678", expected)
    with translation.override(language):
        waiting = str(OutboxMessage.Status.PENDING.label)
        sent = str(OutboxMessage.Status.SENT.label)
    row = page.locator("#text-messages tbody tr")
    assert expected in row.inner_text()
    assert waiting in row.inner_text()
    conftest.take_screenshot(page, f"sms-waiting-{language}-390")

    job_worker.start()
    for _attempt in range(100):
        message.refresh_from_db()
        if message.status == "sent":
            break
        page.wait_for_timeout(100)
    assert message.status == "sent"
    page.reload()
    assert sent in page.locator("#text-messages tbody tr").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    conftest.take_screenshot(page, f"sms-sent-{language}-390")
    [written] = (tmp_path / "sms").iterdir()
    assert written.read_text(encoding="utf-8") == f"+212612345678\n{expected}"
    page.context.close()
