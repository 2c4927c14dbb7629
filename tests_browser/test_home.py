from reintegration.tests.factories import TEST_PASSWORD, CentreFactory, UserFactory
from tests_browser.conftest import sign_in


def test_a_coordinator_signs_in_switches_to_arabic_and_sees_a_right_to_left_page(page, screenshot):
    centre = CentreFactory(code="TNG", name_ar="مركز المصاحبة وإعادة الإدماج بطنجة")
    UserFactory(
        username="samira", first_name="Samira", coordinator=True, centre=centre, language="fr"
    )

    sign_in(page, "samira", TEST_PASSWORD)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "Bienvenue, Samira Test"
    screenshot("home-fr")

    page.click("#language-menu")
    page.click("button[name=language][value=ar]")
    page.wait_for_load_state("domcontentloaded")

    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator("h1").inner_text() == "مرحبا، Samira Test"
    assert "مركز المصاحبة وإعادة الإدماج بطنجة" in page.locator("main").inner_text()
    # The layout really flows right to left: the brand sits at the right edge.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > 1280 / 2
    screenshot("home-ar")

    page.click("a[href='/centres/']")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("h1").inner_text() == "مراكز المصاحبة وإعادة الإدماج"
    screenshot("centres-ar")
