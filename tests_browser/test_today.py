"""A coordinator's morning: the today panel leads to an overdue visit, recording it takes it off
the panel and settles the task the system wrote for it, and a notification opened from the top
bar's bell is counted read. In Arabic and
French, on a desk and on a phone."""

import datetime

import pytest
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from casework.models import Task
from projects import services
from projects.models import FollowUpVisit
from projects.tests.factories import equipped, make_project
from reintegration.models import Notification, User
from tests_browser import conftest

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize(("language", "width"), [("ar", 390), ("fr", 1280), ("ar", 1280)])
def test_a_coordinator_works_from_the_today_panel(
    reference_data, browser, live_server, users, centre, convention, language, width, screenshot
):
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(username="samira", language=language)
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    # Handed over 200 days ago: the 3- and 6-month visits are both overdue.
    handed_over = timezone.localdate() - datetime.timedelta(days=200)
    equipped(make_project(person, coordinator), users, handed_over)
    returned = make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
    services.project_submit(project=returned, by=coordinator)
    services.project_return(project=returned, by=users["regional"], comment="Devis manquant")
    # The approval and funding of the first project, and this return, told the coordinator.
    unread = Notification.objects.filter(recipient=coordinator, read_at=None).count()
    assert unread == 3

    page = conftest.open_as(browser, live_server, "samira", width=width)
    page.goto("/")
    visits = page.locator("#today-visits")
    assert visits.locator(".today-count").inner_text() == "2"
    assert page.locator("#today-returned .today-count").inner_text() == "1"
    # The panel comes before the figures.
    panel_top = page.locator("#today").bounding_box()["y"]
    assert panel_top < page.locator("#dashboard").bounding_box()["y"]
    first = visits.locator(".today-item").first
    name = "فاطمة الزهراء" if language == "ar" else "Fatima Zahra"
    assert name in first.inner_text()
    assert "06 12 34 56 78" in first.inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(f"today-{language}-{width}", page)

    visit = FollowUpVisit.objects.filter(done_on=None).order_by("due_on").first()
    visit_page = f"/projects/{visit.project_id}/visits/{visit.pk}/"
    # The system wrote a task for the overdue visit: it is in the day's tasks, leading to the
    # same page.
    task = Task.objects.get(kind="visit_due", subject=f"visit:{visit.pk}")
    assert (task.status, task.assignee) == (Task.Status.OPEN, coordinator)
    assert page.locator(f"#today-tasks a[href='{visit_page}']").count() == 1
    link = first.locator("a.fw-semibold")
    assert link.get_attribute("href") == visit_page
    link.click()
    page.wait_for_selector("#id_kind")
    page.fill("#id_done_on", timezone.localdate().strftime("%d/%m/%Y"))
    page.select_option("#id_kind", "phone")
    page.select_option("#id_business_active", "true")
    page.select_option("#id_equipment_in_use", "true")
    page.click("form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/projects/{visit.project_id}/")
    page.goto("/")
    assert page.locator("#today-visits .today-count").inner_text() == "1"
    # Recording the visit settled its task: it left the day's tasks.
    assert page.locator(f"#today-tasks a[href='{visit_page}']").count() == 0
    task.refresh_from_db()
    assert task.status == Task.Status.SETTLED

    bell = page.locator("#notification-badge")
    assert bell.is_visible()
    assert page.locator("#notification-count").inner_text() == "3"
    assert "3" in bell.get_attribute("aria-label")
    bell.click()
    page.wait_for_selector("#notifications")
    assert page.locator("#notifications .notification-unread").count() == 3
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(f"notifications-{language}-{width}", page)
    page.locator("#notifications li a").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/projects/{returned.pk}/")
    assert page.locator("#notification-count").inner_text() == "2"
    page.context.close()
