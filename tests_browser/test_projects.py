from django.utils import translation

from beneficiaries.tests.factories import BeneficiaryFactory
from projects import services
from projects.models import LifeProject, Status, Trade
from projects.tests.factories import make_project
from reintegration.tests.factories import CentreFactory, RegionFactory, UserFactory
from tests_browser.conftest import open_as


def label(status):
    with translation.override("fr"):
        return str(status.label)


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def draft_and_submit(page, person, lines, justification=""):
    page.goto(f"/beneficiaries/{person.pk}/")
    go(page, f"a[href='/projects/new/{person.pk}/']")
    page.fill("[name=title]", "Atelier de couture")
    page.select_option("[name=trade]", str(Trade.objects.get(code="sewing").pk))
    page.fill("[name=skills]", "Couture apprise en détention")
    page.fill("[name=needs]", "Machines et tissus")
    page.fill("[name=market_fit]", "Forte demande dans le quartier")
    page.fill("[name=ceiling_justification]", justification)
    go(page, "main form button[type=submit].btn-brand")
    # Every line typed on the budget page, saved at once.
    go(page, "#edit-budget")
    for index, (designation, category, quantity, price) in enumerate(lines):
        if page.locator(f"#id_lines-{index}-designation").count() == 0:
            page.click("#add-line")
        page.fill(f"#id_lines-{index}-designation", designation)
        page.select_option(f"#id_lines-{index}-category", category)
        page.fill(f"#id_lines-{index}-quantity", quantity)
        page.fill(f"#id_lines-{index}-unit_price", price)
    go(page, "#save-budget")
    confirmations = page.locator("#budget-lines input[name$='-confirm']")
    if confirmations.count():
        # A line above the track's ceiling (a vehicle) is saved once confirmed.
        for index in range(confirmations.count()):
            confirmations.nth(index).check()
        go(page, "#save-budget")
    project = LifeProject.objects.get(beneficiary=person)
    go(page, f"form[action='/projects/{project.pk}/submit/'] button")
    assert page.locator("#project-status").inner_text() == label(Status.SUBMITTED)
    return project


def decide_from_inbox(page, project, comment, shoot=None):
    page.goto("/projects/inbox/")
    go(page, f"a[href='/projects/{project.pk}/']")
    page.fill("[name=comment]", comment)
    if shoot:
        shoot(page)
    go(page, f"button[formaction='/projects/{project.pk}/approve/']")


def remaining(page, convention):
    page.goto(f"/conventions/{convention.pk}/")
    return page.locator("#remaining").inner_text()


def test_a_project_goes_from_draft_to_approval_and_big_ones_need_headquarters(
    browser, live_server, reference_data, screenshot, convention
):
    tanger = CentreFactory(code="TNG", province__code="01.511")
    UserFactory(username="samira", coordinator=True, centre=tanger, language="fr")
    UserFactory(username="karim", regional=True, region=RegionFactory(code="01"), language="fr")
    UserFactory(username="hicham", national=True, language="fr")
    owner = tanger.staff.get()
    small = BeneficiaryFactory(centre=tanger, by=owner)
    big = BeneficiaryFactory(centre=tanger, by=owner, first_name_latin="Omar", cin="AB12")

    centre_page = open_as(browser, live_server, "samira")
    project = draft_and_submit(
        centre_page,
        small,
        [
            ("Machine à coudre", "equipment", "2", "6800"),
            ("Surjeteuse", "equipment", "1", "5400"),
            ("Tissus et fils", "stock", "1", "4200.50"),
        ],
    )
    assert "23.200,50 DH" in centre_page.locator("#requested-total").inner_text()
    screenshot("project-submitted-fr", centre_page)

    regional_page = open_as(browser, live_server, "karim")
    assert remaining(regional_page, convention) == "10.000.000,00 DH"
    decide_from_inbox(
        regional_page,
        project,
        "Dossier complet",
        shoot=lambda p: screenshot("project-approval-form-fr", p),
    )
    assert regional_page.locator("#project-status").inner_text() == label(Status.APPROVED)
    # The approval charged the convention offered by default: its balance dropped.
    assert remaining(regional_page, convention) == "9.976.799,50 DH"
    screenshot("convention-ledger-fr", regional_page)

    centre_page.reload()
    assert centre_page.locator("#project-status").inner_text() == label(Status.APPROVED)
    assert "Dossier complet" in centre_page.locator("main").inner_text()
    screenshot("project-approved-fr", centre_page)

    # Over the regional ceiling (40,000 DH by default): regional approval is not enough. Typing
    # a budget in the browser is checked above (and a line over the ceiling in test_amounts.py);
    # this one is drafted and submitted through the services.
    large = make_project(
        big,
        owner,
        lines=(("Triporteur", "1", "38000"), ("Outillage", "1", "4500"), ("Stock", "1", "2000")),
        ceiling_justification="Véhicule indispensable pour les livraisons",
    )
    services.project_submit(project=large, by=owner)
    decide_from_inbox(regional_page, large, "Avis favorable")
    assert regional_page.locator("#project-status").inner_text() == label(Status.AWAITING_NATIONAL)
    national_page = open_as(browser, live_server, "hicham")
    decide_from_inbox(national_page, large, "Accord du siège")
    assert national_page.locator("#project-status").inner_text() == label(Status.APPROVED)
    screenshot("project-approved-by-headquarters-fr", national_page)
    large.refresh_from_db()
    assert large.decisions.count() == 3
    for other in (centre_page, regional_page, national_page):
        other.context.close()
