"""Handover verification in a browser: regional staff draw a sample after confirming its size,
a coordinator records a call that found a problem (typed in Arabic), and the task about it
appears in the coordinator's list."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import Task
from ceremonies.models import VerificationCheck, VerificationRound
from ceremonies.tests.factories import held_ceremony
from projects.tests.factories import fund, make_project
from reintegration.tests.factories import UserFactory
from reintegration.tests.worlds import make_centre
from tests_browser.conftest import open_as

PROBLEM = "ماكينة الخياطة معطلة منذ أسبوعين"


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def world(language):
    """Five people of Tanger handed their equipment over ten days ago; the coordinator is
    their referent."""
    centre = make_centre()
    users = {
        "coordinator": UserFactory(
            username="samira", coordinator=True, centre=centre, language=language
        ),
        "regional": UserFactory(
            username="karim", regional=True, region=centre.province.region, language=language
        ),
        "national": UserFactory(national=True),
    }
    coordinator = users["coordinator"]
    projects = []
    for index in range(5):
        person = BeneficiaryFactory(centre=centre, by=coordinator, phone=f"+21266123450{index}")
        Beneficiary.objects.filter(pk=person.pk).update(referent=coordinator)
        projects.append(fund(make_project(person, coordinator), users))
    held_on = timezone.localdate() - datetime.timedelta(days=10)
    return held_ceremony(projects, users, held_on=held_on)


@pytest.mark.parametrize(("language", "width"), [("ar", 390), ("fr", 1280)])
def test_regional_staff_draw_and_a_coordinator_records_a_problem(
    browser, live_server, reference_data, convention, screenshot, language, width
):
    ceremony = world(language)
    other = 1280 if width == 390 else 390

    def both_widths(page, name):
        screenshot(f"{name}-{language}-{width}", page)
        page.set_viewport_size({"width": other, "height": 900})
        screenshot(f"{name}-{language}-{other}", page)
        page.set_viewport_size({"width": width, "height": 900})

    regional = open_as(browser, live_server, "karim", width=width)
    regional.goto(f"/ceremonies/{ceremony.pk}/")
    assert regional.locator("html").get_attribute("lang") == language
    go(regional, "#round-0 a")
    go(regional, "#draw")
    # The table of sizes, then a typed size: the next page says what will be drawn.
    assert regional.locator("#sizes tbody tr").count() == 9
    regional.check("input[name=mode][value=typed]")
    regional.fill("input[name=size]", "3")
    both_widths(regional, "verification-draw")
    go(regional, "#draw-form button[type=submit]")
    assert not VerificationRound.objects.exists()
    assert "3" in regional.locator("#consequences").inner_text()
    both_widths(regional, "verification-confirm")
    go(regional, "#confirm")
    drawn = VerificationRound.objects.get()
    assert drawn.size == 3
    assert regional.locator("#sample > li").count() == 3
    regional.context.close()

    page = open_as(browser, live_server, "samira", width=width)
    page.goto(f"/ceremonies/{ceremony.pk}/verification/0/")
    first = drawn.checks.order_by("position").first()
    person = first.handover.project.beneficiary
    card = page.locator(f"#check-{first.pk}")
    assert card.locator(f"a[href='tel:{person.phone}']").count() == 1
    card.locator("summary").click()
    prefix = f"check-{first.pk}"
    # Nothing is chosen in advance.
    assert card.locator(f"select[name={prefix}-received]").input_value() == ""
    card.locator(f"input[name={prefix}-method][value=phone]").check()
    card.locator(f"input[name={prefix}-checked_on]").fill(timezone.localdate().strftime("%d/%m/%Y"))
    card.locator(f"select[name={prefix}-received]").select_option("problems")
    card.locator(f"select[name={prefix}-equipment]").select_option("broken")
    # Saved without saying what the problem is: refused, and what was chosen stays.
    go(page, f"#{prefix} .check-form button[type=submit]")
    card = page.locator(f"#check-{first.pk}")
    assert card.locator(".invalid-feedback, .alert-danger").count() >= 1
    assert card.locator(f"select[name={prefix}-equipment]").input_value() == "broken"
    both_widths(page, "verification-check-error")
    card.locator(f"textarea[name={prefix}-comment]").fill(PROBLEM)
    go(page, f"#{prefix} .check-form button[type=submit]")
    first.refresh_from_db()
    assert (first.received, first.equipment, first.comment) == ("problems", "broken", PROBLEM)
    assert page.locator(f"#check-{first.pk} .check-status .text-bg-danger").count() == 2
    both_widths(page, "verification-round")

    task = Task.objects.get(kind=Task.MANUAL, beneficiary=person)
    assert task.assignee.username == "samira"
    page.goto("/tasks/")
    assert page.locator(f"tr.task[data-task='{task.pk}']").count() == 1
    both_widths(page, "verification-task")
    page.goto(f"/ceremonies/{ceremony.pk}/")
    assert page.locator("#round-0 .verification-tally").count() == 1
    both_widths(page, "verification-ceremony")
    assert VerificationCheck.objects.filter(checked_on__isnull=False).count() == 1
