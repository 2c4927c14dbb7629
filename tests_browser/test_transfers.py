"""A file moves from Tanger's centre to Casablanca's, and a coordinator hands files over to a
colleague on the caseload page: in Arabic and in French, on an office screen and a phone."""

import pytest

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import TransferRequest
from reintegration.tests.factories import CentreFactory, UserFactory
from tests_browser.conftest import open_as

TEXTS = {
    "ar": {"requested": "تم طلب نقل الملف", "moved": "أصبح الملف", "handed": "أصبح يتابع"},
    "fr": {
        "requested": "Le transfert a été demandé",
        "moved": "relève désormais",
        "handed": "suivi",
    },
}


def click(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize(("language", "width"), [("ar", 1280), ("fr", 390)])
def test_a_file_moves_from_one_centre_to_another(
    browser, live_server, reference_data, screenshot, language, width
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    casablanca = CentreFactory(code="CAS", province__code="06.141", name_fr="CAR Casablanca")
    samira = UserFactory(username="samira", coordinator=True, centre=tanger, language=language)
    UserFactory(username="youssef", coordinator=True, centre=casablanca, language=language)
    person = BeneficiaryFactory(centre=tanger, by=samira)
    texts = TEXTS[language]
    shot = f"{language}-{width}"

    # Tanger asks Casablanca to take the file over.
    sender = open_as(browser, live_server, "samira", width=width)
    sender.goto(f"/beneficiaries/{person.pk}/")
    assert sender.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    click(sender, "#request-transfer")
    sender.select_option("[name=to_centre]", str(casablanca.pk))
    sender.fill("[name=reason]", "Installé chez sa sœur à Oukacha")
    screenshot(f"transfer-request-{shot}", sender)
    click(sender, "main form button[type=submit].btn-brand")
    screenshot(f"transfer-confirm-{shot}", sender)
    click(sender, "#confirm")
    assert texts["requested"] in sender.locator("main").inner_text()
    assert TransferRequest.objects.get().status == "requested"
    # Still Tanger's until Casablanca answers.
    sender.goto("/beneficiaries/")
    assert sender.locator(f"text={person.file_number}").count() == 1

    # Casablanca finds it among the transfers asked of it and accepts.
    receiver = open_as(browser, live_server, "youssef", width=width)
    receiver.goto("/transfers/")
    screenshot(f"transfer-list-{shot}", receiver)
    incoming = receiver.locator("#transfers-incoming tbody tr")
    assert incoming.count() == 1
    assert person.file_number in incoming.inner_text()
    click(receiver, "#transfers-incoming a.btn")
    screenshot(f"transfer-detail-{shot}", receiver)
    click(receiver, "#accept-transfer")
    click(receiver, "#confirm")
    assert texts["moved"] in receiver.locator("main").inner_text()
    assert receiver.locator("#transfer-history").count() == 1
    screenshot(f"transfer-accepted-{shot}", receiver)
    person.refresh_from_db()
    assert (person.centre, person.referent.username) == (casablanca, "youssef")

    # The file has left Tanger's list and appears in Casablanca's.
    sender.goto("/beneficiaries/")
    assert sender.locator(f"text={person.file_number}").count() == 0
    assert sender.goto(f"/beneficiaries/{person.pk}/").status == 404
    receiver.goto("/beneficiaries/")
    assert receiver.locator(f"text={person.file_number}").count() == 1
    sender.context.close()
    receiver.context.close()


@pytest.mark.parametrize(("language", "width"), [("fr", 1280), ("ar", 390)])
def test_a_coordinator_hands_files_over_on_the_caseload_page(
    browser, live_server, reference_data, screenshot, language, width
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    samira = UserFactory(
        username="samira", coordinator=True, centre=tanger, language=language, first_name="Samira"
    )
    UserFactory(
        username="omar",
        coordinator=True,
        centre=tanger,
        first_name="Omar",
        last_name="Tazi",
        language=language,
    )
    files = [BeneficiaryFactory(centre=tanger, by=samira) for _ in range(3)]
    shot = f"{language}-{width}"

    page = open_as(browser, live_server, "samira", width=width)
    page.goto("/caseload/")
    assert page.url.endswith(f"/caseload/{tanger.pk}/")
    assert "3" in page.locator("#referents tbody tr").first.inner_text()
    # Nobody chosen: refused, and the ticks stay.
    page.check(f"#file-{files[0].pk}")
    page.check(f"#file-{files[2].pk}")
    click(page, "#reassign")
    assert page.locator(f"#file-{files[0].pk}").is_checked()
    assert page.locator(f"#file-{files[2].pk}").is_checked()
    assert not page.locator(f"#file-{files[1].pk}").is_checked()
    screenshot(f"caseload-error-{shot}", page)
    page.select_option("[name=to]", label="Omar Tazi")
    click(page, "#reassign")
    assert TEXTS[language]["handed"] in page.locator("main").inner_text()
    screenshot(f"caseload-{shot}", page)
    rows = page.locator("#referents tbody tr")
    assert rows.count() == 2
    assert set(Beneficiary.objects.filter(referent__username="omar")) == {files[0], files[2]}
    page.context.close()
