"""The language chosen on the sign-in page, on a phone: kept after signing in, and saved; dates
typed day/month/year on the same phone."""

import datetime

import pytest

from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.models import User
from reintegration.tests.factories import TEST_PASSWORD, CentreFactory, UserFactory


@pytest.mark.parametrize(("start", "chosen"), [("ar", "fr"), ("fr", "ar")])
def test_the_language_chosen_before_signing_in_stays_after(
    browser, live_server, reference_data, screenshot, start, chosen
):
    centre = CentreFactory(code="TNG", province__code="01.511")
    UserFactory(username="samira", first_name="Samira", coordinator=True, centre=centre)
    User.objects.filter(username="samira").update(language=start)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto("/accounts/login/")
    page.click(f"#sign-in-language button[value={chosen}]")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == chosen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(f"sign-in-{chosen}-390", page)

    page.fill("input[name=username]", "samira")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("html").get_attribute("lang") == chosen
    assert User.objects.get(username="samira").language == chosen

    # A date typed the Moroccan way, on the phone.
    person = BeneficiaryFactory(centre=centre, by=User.objects.get(username="samira"))
    page.goto(f"/beneficiaries/{person.pk}/edit/")
    field = page.locator("[name=date_of_birth]")
    assert field.get_attribute("type") == "text"
    assert field.input_value() == "17/05/1990"
    field.fill("5/3/1991")
    screenshot(f"date-typed-{chosen}-390", page)
    page.click("main form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")
    person.refresh_from_db()
    assert person.date_of_birth == datetime.date(1991, 3, 5)
    context.close()
