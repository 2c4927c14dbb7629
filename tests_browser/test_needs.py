"""A coordinator reading Arabic records a needs assessment through the form (one page, a
group of questions per domain, nothing chosen at first), forgets a question, finds what they
had answered still there, completes it and sees on the file how each domain changed since the
previous assessment. The pages are looked at in Arabic and French, on an office screen and a
phone."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries import needs
from beneficiaries.models import NeedsAssessment, Questionnaire
from beneficiaries.tests.factories import BeneficiaryFactory
from beneficiaries.tests.test_needs import record
from reintegration.models import User
from tests_browser import conftest

WIDTHS = (1280, 390)


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def test_a_coordinator_records_an_assessment_in_arabic_and_sees_the_change(
    browser, live_server, reference_data, users, centre
):
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(language="ar")
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    before = timezone.localdate() - datetime.timedelta(days=90)
    record(person, coordinator, pick="last", on=before, occasion="before_release")
    questionnaire = Questionnaire.objects.get(version=1)
    questions = needs.questions(questionnaire.definition)

    page = conftest.open_as(browser, live_server, coordinator.username, 1280)
    page.goto(f"/beneficiaries/{person.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    go(page, "#needs-record")
    # Nothing is answered for the person by default.
    assert page.locator("#needs-form input[type=radio]:checked").count() == 0
    assert page.locator("fieldset.needs-domain legend").all_inner_texts()[0] == "السكن"
    page.check("input[name=occasion][value=intake]")
    page.fill("input[name=assessed_on]", timezone.localdate().strftime("%d/%m/%Y"))
    # Everything better than before, but housing only partly; the last question forgotten.
    chosen = {qid: question["choices"][0]["id"] for qid, question in questions.items()}
    chosen["housing_place"] = "family"
    forgotten = list(questions)[-1]
    for qid, choice in chosen.items():
        if qid != forgotten:
            page.check(f"input[name=q_{qid}][value={choice}]")
    go(page, "#needs-form button[type=submit]")
    assert "اختر جوابا." in page.locator("#needs-form").inner_text()
    assert page.locator("input[name=q_housing_place][value=family]").is_checked()
    assert page.locator("input[name=occasion][value=intake]").is_checked()
    assert not NeedsAssessment.objects.filter(occasion="intake").exists()
    page.check(f"input[name=q_{forgotten}][value={chosen[forgotten]}]")
    go(page, "#needs-form button[type=submit]")

    assert page.url.endswith(f"/beneficiaries/{person.pk}/#needs")
    assert "تم تسجيل تقييم الحاجيات." in page.locator(".alert-success").inner_text()
    housing = page.locator('#needs-table tr[data-domain="housing"]')
    assert housing.locator(".needs-badge").inner_text().strip().endswith("حاجة متوسطة")
    assert housing.locator(".needs-change").get_attribute("data-change") == "better"
    assert "تحسّن" in housing.inner_text()
    work = page.locator('#needs-table tr[data-domain="work"]')
    assert work.locator(".needs-badge").get_attribute("data-score") == "green"
    assert "needs-table" in page.content()
    page.context.close()


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_needs_pages_read_well_on_an_office_screen_and_a_phone(
    browser, live_server, reference_data, users, centre, language
):
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(language=language)
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    today = timezone.localdate()
    record(
        person,
        coordinator,
        pick="last",
        on=today - datetime.timedelta(days=120),
        occasion="before_release",
    )
    record(
        person,
        coordinator,
        on=today - datetime.timedelta(days=60),
        answers={"housing_place": "temporary", "health_addiction": "in_treatment"},
    )
    latest = record(
        person,
        coordinator,
        on=today,
        answers={"housing_place": "none", "attitudes_peers": "sometimes"},
    )
    pages = {
        "file": f"/beneficiaries/{person.pk}/#needs",
        "list": f"/beneficiaries/{person.pk}/needs/",
        "detail": f"/beneficiaries/{person.pk}/needs/{latest.pk}/",
        "form": f"/beneficiaries/{person.pk}/needs/new/",
    }
    # Each page loaded once, then looked at on both screens by resizing the tab.
    page = conftest.open_as(browser, live_server, coordinator.username, WIDTHS[0])
    for name, url in pages.items():
        page.goto(url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            conftest.take_screenshot(page, f"needs-{name}-{language}-{width}")
    page.context.close()
    User.objects.filter(pk=users["national"].pk).update(language=language)
    page = conftest.open_as(browser, live_server, users["national"].username)
    page.goto("/")
    assert page.locator("#needs-by-domain-table tbody tr").count() == len(needs.DOMAINS)
    conftest.take_screenshot(page, f"needs-dashboard-{language}-1280")
    page.context.close()
