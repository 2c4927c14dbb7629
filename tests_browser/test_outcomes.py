"""The outcomes where people read them, in a real browser: the dashboard's cohort charts with
their tables one click away and the cost per convention, the convention page's section and the
partner report, in French and in Arabic (right to left), on a desktop and on a phone."""

from django.utils import timezone, translation

from ceremonies.tests.outcome_stories import build_world
from dashboard.selectors import TABLE_KEYS
from partners.models import Convention
from reintegration.models import User
from reintegration.tests.worlds import built_once_committed
from tests_browser import conftest


def said(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


# The outcome tables drawn as charts: from "survival" to the cost table, which has none.
OUTCOME_CHARTS = TABLE_KEYS[TABLE_KEYS.index("survival") : TABLE_KEYS.index("costs")]


def _build():
    world = build_world(timezone.localdate())
    User.objects.filter(pk=world["users"]["national"].pk).update(username="hicham", language="fr")
    User.objects.filter(pk=world["users"]["official"].pk).update(username="nadia", language="ar")


def _world(module_world):
    """The same world for every test here: built by the first, its rows inserted again for the
    others (``built_once_committed``)."""
    built_once_committed(module_world, _build)


def test_the_outcome_charts_open_their_tables_in_french_and_arabic(
    reference_data, module_world, browser, live_server, screenshot
):
    _world(module_world)
    page = conftest.open_as(browser, live_server, "hicham", 1280)
    page.goto("/")
    page.wait_for_selector("[data-chart=cohort_business] canvas")
    for key in OUTCOME_CHARTS:
        assert page.locator(f"#table-{key} canvas").count() == 1, key
    table = page.locator("#table-cohort_business table")
    assert not table.is_visible()
    page.click("#table-cohort_business summary")
    assert table.is_visible() and said("fr", "too young") in table.inner_text()
    costs = page.locator("#table-costs table").inner_text()
    assert "CPDH-TNG-TEST" in costs and "DH" in costs
    page.locator("#table-cohort_business").scroll_into_view_if_needed()
    screenshot("outcomes-dashboard-fr", page)

    page.click("#language-menu")
    page.click("button[name=language][value=ar]")
    page.wait_for_selector("[data-chart=cohort_business] canvas")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.click("#table-cohorts summary")
    assert said("ar", "too young") in page.locator("#table-cohorts table").inner_text()
    assert "درهم" in page.locator("#table-costs table").inner_text()
    screenshot("outcomes-dashboard-ar", page)
    page.context.close()


def test_an_official_reads_the_outcomes_on_a_phone_in_arabic(
    reference_data, module_world, browser, live_server, screenshot
):
    _world(module_world)
    page = conftest.open_as(browser, live_server, "nadia", 390)
    page.goto("/")
    page.wait_for_selector("[data-chart=cohort_business] canvas")
    page.click("#table-cohort_business summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("outcomes-dashboard-ar-phone", page)
    convention = Convention.objects.get(reference="CPDH-TNG-TEST")
    page.goto(f"/conventions/{convention.pk}/")
    section = page.locator("#convention-outcomes")
    assert "درهم" in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("outcomes-convention-ar-phone", page)
    page.goto(f"/conventions/{convention.pk}/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("outcomes-report-ar-phone", page)
    page.context.close()


def test_the_report_shows_the_cost_and_the_reason_for_a_missing_one_in_french(
    reference_data, module_world, browser, live_server, screenshot
):
    _world(module_world)
    page = conftest.open_as(browser, live_server, "hicham", 1280)
    young = Convention.objects.get(reference="CPDH-TNG-JEUNE")
    page.goto(f"/conventions/{young.pk}/report/")
    why = said("fr", "No project of this convention was handed over 12 months ago or more yet.")
    assert why in page.locator("[data-cost=per-active]").inner_text()
    screenshot("outcomes-report-young-fr", page)
    test = Convention.objects.get(reference="CPDH-TNG-TEST")
    page.goto(f"/conventions/{test.pk}/")
    assert "DH" in page.locator("#convention-outcomes [data-cost=per-active]").inner_text()
    screenshot("outcomes-convention-fr", page)
    page.context.close()
