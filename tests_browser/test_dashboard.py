from dashboard.tests.factories import make_network, populate
from reintegration.models import User
from reintegration.tests.worlds import (
    built_once_committed,
    make_centre,
    make_convention,
    make_elsewhere,
    make_users,
)
from tests_browser import conftest

CHARTS = 11

DRAWN = """() => [...document.querySelectorAll('[data-chart] canvas')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  return {
    key: canvas.parentElement.dataset.chart,
    drawn: !!chart && canvas.width > 0 && canvas.height > 0,
    reversed: chart ? !!chart.scales.x.options.reverse : null,
    rtlLegend: chart ? !!chart.options.plugins.legend.rtl : null,
    fits: canvas.getBoundingClientRect().right <= document.documentElement.clientWidth + 1
      && canvas.getBoundingClientRect().left >= -1,
  };
})"""


def open_page(browser, live_server, username, width=1280):
    page = conftest.open_as(browser, live_server, username, width)
    page.goto("/")
    page.wait_for_selector("[data-chart] canvas")
    return page


def build_network() -> dict:
    """The network with its stories, built by the first test and its rows inserted again for
    the other (built_once_committed): the staff's keys and the number of projects waiting."""
    centre = make_centre()
    users = make_users(centre)
    network = populate(make_network(users, make_elsewhere(), make_convention(centre)))
    network.refresh()
    waiting = sum(1 for p in network.projects if p.status in ("submitted", "awaiting_national"))
    return {"national": users["national"].pk, "regional": users["regional"].pk, "waiting": waiting}


def test_the_dashboard_draws_readable_charts_in_french_and_arabic(
    reference_data, module_world, browser, live_server, screenshot
):
    built = built_once_committed(module_world, build_network)
    User.objects.filter(pk=built["national"]).update(username="hicham", language="fr")
    waiting = built["waiting"]

    page = open_page(browser, live_server, "hicham")
    charts = page.evaluate(DRAWN)
    assert len(charts) == CHARTS and all(c["drawn"] for c in charts)
    assert not any(c["reversed"] for c in charts)
    # Each chart's numbers are one click away.
    table = page.locator("#table-waiting table")
    assert not table.is_visible()
    page.click("#table-waiting summary")
    assert table.is_visible()
    # All submitted today: the first bracket, "less than a week".
    assert table.locator("tbody tr td").first.inner_text() == str(waiting) != "0"
    screenshot("dashboard-fr", page)

    page.click("#language-menu")
    page.click("button[name=language][value=ar]")
    page.wait_for_selector("[data-chart] canvas")
    assert page.locator("html").get_attribute("dir") == "rtl"
    charts = page.evaluate(DRAWN)
    assert len(charts) == CHARTS and all(c["drawn"] for c in charts)
    # Right to left: horizontal bars grow leftwards, categories start on the right.
    assert all(c["reversed"] and c["rtlLegend"] for c in charts)
    page.click("#table-money summary")
    assert "درهم" in page.locator("#table-money table").inner_text()
    screenshot("dashboard-ar", page)
    page.context.close()


def test_the_dashboard_fits_a_phone_in_arabic(
    reference_data, module_world, browser, live_server, screenshot
):
    built = built_once_committed(module_world, build_network)
    User.objects.filter(pk=built["regional"]).update(username="karim", language="ar")
    page = open_page(browser, live_server, "karim", width=390)
    charts = page.evaluate(DRAWN)
    assert all(c["drawn"] and c["fits"] for c in charts)
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("dashboard-ar-phone", page)
    page.context.close()
