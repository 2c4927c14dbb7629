from decimal import Decimal

from beneficiaries.tests.factories import BeneficiaryFactory
from projects.models import BudgetLine
from projects.tests.factories import make_project
from reintegration.models import User
from reintegration.tests.factories import CentreFactory, UserFactory
from tests_browser.conftest import session_cookie


def add_line(page, project, designation, quantity, price):
    page.goto(f"/projects/{project.pk}/lines/new/")
    field = page.locator("[name=unit_price]")
    # A text box: a number box would drop the decimal comma or the Arabic-Indic digits.
    assert field.get_attribute("type") == "text"
    assert field.get_attribute("inputmode") == "decimal"
    page.fill("[name=designation]", designation)
    page.select_option("[name=category]", "equipment")
    page.fill("[name=quantity]", quantity)
    field.fill(price)
    page.click("main form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")


def test_a_coordinator_types_unit_prices_the_moroccan_way_in_french_and_arabic(
    page, live_server, screenshot
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    coordinator = UserFactory(username="samira", coordinator=True, centre=tanger, language="fr")
    person = BeneficiaryFactory(centre=tanger, by=coordinator)
    project = make_project(person, coordinator, lines=())
    page.context.add_cookies([session_cookie(live_server, "samira")])

    add_line(page, project, "Machine à coudre", "2", "8500,50")
    assert page.url.endswith(f"/projects/{project.pk}/")
    row = page.locator("#budget tbody tr").nth(0)
    assert row.locator("td").nth(2).inner_text() == "2"
    assert row.locator("td").nth(3).inner_text() == "8.500,50 DH"
    assert page.locator("#requested-total").inner_text() == "17.001,00 DH"
    screenshot("amounts-budget-fr")

    User.objects.filter(pk=coordinator.pk).update(language="ar")
    add_line(page, project, "آلة الحياكة", "١", "٨٥٠٠٫٥٠")
    assert page.url.endswith(f"/projects/{project.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    row = page.locator("#budget tbody tr").nth(1)
    assert row.locator("td").nth(2).inner_text() == "1"
    assert "8.500,50" in row.locator("td").nth(3).inner_text()
    assert "25.501,50" in page.locator("#requested-total").inner_text()
    screenshot("amounts-budget-ar")

    stored = list(BudgetLine.objects.filter(project=project).values_list("quantity", "unit_price"))
    assert stored == [
        (Decimal("2.00"), Decimal("8500.50")),
        (Decimal("1.00"), Decimal("8500.50")),
    ]


def test_an_ambiguous_price_comes_back_as_typed_and_a_large_one_is_saved_once_confirmed(
    page, live_server, screenshot
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    coordinator = UserFactory(username="samira", coordinator=True, centre=tanger, language="fr")
    person = BeneficiaryFactory(centre=tanger, by=coordinator)
    project = make_project(person, coordinator, lines=())
    page.context.add_cookies([session_cookie(live_server, "samira")])

    add_line(page, project, "Triporteur", "1", "38.000")
    assert page.locator("[name=unit_price]").input_value() == "38.000"
    assert page.locator("[name=designation]").input_value() == "Triporteur"
    assert not BudgetLine.objects.exists()

    page.fill("[name=unit_price]", "38 000")
    page.click("main form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("[name=unit_price]").input_value() == "38 000"
    assert page.locator("#save-anyway").is_visible()
    screenshot("amounts-confirm-fr")
    assert not BudgetLine.objects.exists()

    page.click("#save-anyway")
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/projects/{project.pk}/")
    assert BudgetLine.objects.get().unit_price == Decimal("38000.00")
