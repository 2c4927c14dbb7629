"""Faster entry, in Arabic and in French, on an office screen and on a phone: the file search
of the top bar, and every budget line of a project on one page."""

from decimal import Decimal

import pytest

from beneficiaries.tests.factories import BeneficiaryFactory
from projects.models import BudgetLine, LifeProject
from projects.tests.factories import make_project
from reintegration.tests.factories import CentreFactory, UserFactory
from tests_browser.conftest import open_as


def go(page, action):
    with page.expect_navigation():
        action()
    page.wait_for_load_state("domcontentloaded")


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def search(page, text):
    page.fill("#top-search", text)
    go(page, lambda: page.press("#top-search", "Enter"))


@pytest.fixture
def tanger(reference_data):
    centre = CentreFactory(code="TNG", province__code="01.511")
    return centre


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_top_bar_search_finds_a_file_by_number_phone_or_name(
    browser, live_server, tanger, screenshot, language
):
    coordinator = UserFactory(
        username=f"samira-{language}", coordinator=True, centre=tanger, language=language
    )
    karim = BeneficiaryFactory(
        centre=tanger,
        by=coordinator,
        first_name_ar="عبد القادر",
        last_name_ar="الإدريسي",
        first_name_latin="Abdelkader",
        last_name_latin="El Idrissi",
        sex="M",
        cin="BE123456",
        phone="+212661234567",
    )
    other = BeneficiaryFactory(centre=tanger, by=coordinator, phone="+212700112233")

    page = open_as(browser, live_server, coordinator.username)
    page.goto("/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    fits(page, 1280)
    # On an office screen the box is in the bar, beside the menu.
    assert page.locator("#top-search").is_visible()
    screenshot(f"search-bar-{language}", page)

    search(page, karim.file_number.lower())
    assert page.url.endswith(f"/beneficiaries/{karim.pk}/")

    search(page, "06 61 23 45 67")
    assert "/beneficiaries/?q=" in page.url
    listed = page.locator("main table tbody").inner_text()
    assert karim.file_number in listed and other.file_number not in listed
    screenshot(f"search-phone-{language}", page)

    search(page, "عبدالقادر")
    assert karim.file_number in page.locator("main table tbody").inner_text()
    search(page, "abdel kader idrissi")
    assert karim.file_number in page.locator("main table tbody").inner_text()

    # On a phone the box folds behind the menu button with the rest of the bar (the same tab,
    # resized: the layout is the stylesheet's, which a change of width applies again).
    phone = page
    phone.set_viewport_size({"width": 390, "height": 800})
    phone.goto("/")
    assert not phone.locator("#top-search").is_visible()
    phone.click(".navbar-toggler")
    phone.locator("#top-search").wait_for(state="visible")
    fits(phone, 390)
    screenshot(f"search-phone-menu-{language}", phone)
    search(phone, "be 123456")
    assert phone.url.endswith(f"/beneficiaries/{karim.pk}/")
    fits(phone, 390)
    phone.context.close()


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_several_budget_lines_are_added_and_changed_on_one_page(
    browser, live_server, tanger, screenshot, language
):
    coordinator = UserFactory(
        username=f"karima-{language}", coordinator=True, centre=tanger, language=language
    )
    person = BeneficiaryFactory(centre=tanger, by=coordinator)
    project = make_project(person, coordinator, lines=(("ماكينة خياطة", "2", "6800.00"),))

    page = open_as(browser, live_server, coordinator.username)
    page.goto(f"/projects/{project.pk}/")
    go(page, lambda: page.click("#edit-budget"))
    assert page.url.endswith(f"/projects/{project.pk}/budget/")
    rows = page.locator("#budget-lines fieldset")
    assert rows.count() == 3  # the line, then two empty rows
    # The script shows the button and adds a row at a time.
    page.click("#add-line")
    assert rows.count() == 4
    assert page.locator("#id_lines-TOTAL_FORMS").input_value() == "4"
    fits(page, 1280)

    page.fill("#id_lines-0-unit_price", "7 250,50")
    typed = [
        ("طاولة تفصيل", "tools", "1", "1.850,25"),
        ("Fer à repasser", "equipment", "٢", "٤٥٠٫٧٥"),
        ("مقص", "tools", "3", "8.500"),  # thousands or decimals? refused, kept as typed
    ]
    for index, (designation, category, quantity, price) in enumerate(typed, start=1):
        page.fill(f"#id_lines-{index}-designation", designation)
        page.select_option(f"#id_lines-{index}-category", category)
        page.fill(f"#id_lines-{index}-quantity", quantity)
        page.fill(f"#id_lines-{index}-unit_price", price)
    screenshot(f"budget-typed-{language}", page)
    go(page, lambda: page.click("#save-budget"))

    # One mistake: nothing saved, everything typed still there, the error beside its field.
    assert page.url.endswith("/budget/")
    assert page.locator("#id_lines-3-unit_price").input_value() == "8.500"
    assert page.locator("#id_lines-2-designation").input_value() == "Fer à repasser"
    assert page.locator("#id_lines-0-unit_price").input_value() == "7 250,50"
    assert page.locator("#id_lines-3-unit_price.is-invalid").count() == 1
    assert BudgetLine.objects.filter(project=project).count() == 1
    screenshot(f"budget-error-{language}", page)

    page.fill("#id_lines-3-unit_price", "85,00")
    go(page, lambda: page.click("#save-budget"))
    assert page.url.endswith(f"/projects/{project.pk}/")
    # 14.501,00 + 1.850,25 + 901,50 + 255,00
    assert "17.507,75" in page.locator("#requested-total").inner_text()
    assert LifeProject.objects.get(pk=project.pk).requested_total == Decimal("17507.75")
    screenshot(f"budget-saved-{language}", page)

    # On a phone the rows stack, nothing goes past the edge (the same tab, resized).
    phone = page
    phone.set_viewport_size({"width": 390, "height": 800})
    phone.goto(f"/projects/{project.pk}/budget/")
    assert phone.locator("#budget-lines fieldset").count() == 4 + 2
    fits(phone, 390)
    screenshot(f"budget-phone-{language}", phone)
    phone.context.close()
