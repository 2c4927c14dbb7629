"""Holding a ceremony goes through its confirmation page, in French and in Arabic, on an office
screen and on a phone: the page says what will move, going back changes nothing, confirming
holds the ceremony."""

import pytest
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from ceremonies.tests.factories import plan_ceremony
from partners.models import Convention
from projects.models import LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.formatting import format_mad
from reintegration.models import User
from tests_browser import conftest

LINES = (("ماكينة خياطة صناعية", "1", "6800.00"), ("ماكينة سورجي", "1", "5400.50"))


def open_as(browser, live_server, user, width):
    return conftest.open_as(browser, live_server, user.username, width)


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_holding_a_ceremony_asks_first_then_holds_it(
    browser, live_server, reference_data, users, centre, convention, language
):
    coordinator = users["coordinator"]
    User.objects.filter(pk=users["regional"].pk).update(language=language)
    projects = [
        approved(
            make_project(
                BeneficiaryFactory(centre=centre, by=coordinator, first_name_latin=name),
                coordinator,
                lines=LINES,
            ),
            users,
        )
        for name in ("Fatima", "Youssef")
    ]
    ceremony = plan_ceremony(coordinator, held_on=timezone.localdate())
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in projects]
    )
    amount = format_mad("24401.00", language)  # 2 × 12,200.50 DH

    # One tab, resized from an office screen to a phone's as a person resizes a window: the
    # layout is the stylesheet's, which a change of width applies again.
    page = open_as(browser, live_server, users["regional"], 1280)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/ceremonies/{ceremony.pk}/")
        go(page, "#hold")
        consequences = page.locator("#consequences").inner_text()
        assert amount in consequences and "CPDH-TNG-TEST" in consequences, consequences
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        conftest.take_screenshot(page, f"hold-confirm-{language}-{width}")
        # Going back is free: nothing moved.
        go(page, "#go-back")
        assert page.url.endswith(f"/ceremonies/{ceremony.pk}/")
        assert Ceremony.objects.get().status == Ceremony.Status.PLANNED
        assert Convention.objects.get().disbursed == 0

    page.goto(f"/ceremonies/{ceremony.pk}/")
    go(page, "#hold")
    go(page, "#confirmation #confirm")
    assert Ceremony.objects.get().status == Ceremony.Status.HELD
    assert {p.status for p in LifeProject.objects.all()} == {Status.EQUIPPED}
    assert Convention.objects.get().disbursed == sum(p.requested_total for p in projects)
    conftest.take_screenshot(page, f"hold-done-{language}-390")
    page.context.close()
