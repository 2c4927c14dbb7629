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


# Arabic on a phone and on a desk, in one walk: each step is read at both widths, the tab
# resized (``at_each_width``); French on a desk.
@pytest.mark.parametrize(
    ("language", "widths"), [("ar", (390, 1280)), ("fr", (1280,))], ids=["ar", "fr"]
)
def test_a_coordinator_works_from_the_today_panel(
    reference_data, browser, live_server, users, centre, convention, language, widths
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

    page = conftest.open_as(browser, live_server, "samira", width=widths[0])
    page.goto("/")
    visits = page.locator("#today-visits")
    first = visits.locator(".today-item").first
    visit = FollowUpVisit.objects.filter(done_on=None).order_by("due_on").first()
    visit_page = f"/projects/{visit.project_id}/visits/{visit.pk}/"
    # The system wrote a task for the overdue visit: it is in the day's tasks, leading to the
    # same page.
    task = Task.objects.get(kind="visit_due", subject=f"visit:{visit.pk}")
    assert (task.status, task.assignee) == (Task.Status.OPEN, coordinator)

    def panel():
        assert visits.locator(".today-count").inner_text() == "2"
        assert page.locator("#today-returned .today-count").inner_text() == "1"
        # The panel comes before the figures.
        panel_top = page.locator("#today").bounding_box()["y"]
        assert panel_top < page.locator("#dashboard").bounding_box()["y"]
        name = "فاطمة الزهراء" if language == "ar" else "Fatima Zahra"
        assert name in first.inner_text()
        assert "06 12 34 56 78" in first.inner_text()
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        assert page.locator(f"#today-tasks a[href='{visit_page}']").count() == 1
        assert first.locator("a.fw-semibold").get_attribute("href") == visit_page

    link = "#today-visits .today-item >> nth=0 >> a.fw-semibold"
    conftest.at_each_width(page, widths, f"today-{language}", link, check=panel)
    first.locator("a.fw-semibold").click()
    page.wait_for_selector("#id_kind")
    page.fill("#id_done_on", timezone.localdate().strftime("%d/%m/%Y"))
    page.select_option("#id_kind", "phone")
    page.select_option("#id_business_active", "true")
    page.select_option("#id_equipment_in_use", "true")
    page.click("form button[type=submit].btn-brand")
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/projects/{visit.project_id}/")
    page.goto("/")
    bell = page.locator("#notification-badge")

    def after_the_visit():
        assert page.locator("#today-visits .today-count").inner_text() == "1"
        # Recording the visit settled its task: it left the day's tasks.
        assert page.locator(f"#today-tasks a[href='{visit_page}']").count() == 0
        assert bell.is_visible()
        assert page.locator("#notification-count").inner_text() == "3"
        assert "3" in bell.get_attribute("aria-label")

    conftest.at_each_width(
        page, widths, f"today-after-{language}", "#notification-badge", check=after_the_visit
    )
    task.refresh_from_db()
    assert task.status == Task.Status.SETTLED

    bell.click()
    page.wait_for_selector("#notifications")

    def notifications():
        assert page.locator("#notifications .notification-unread").count() == 3
        assert page.evaluate(NO_SIDEWAYS_SCROLL)

    conftest.at_each_width(
        page,
        widths,
        f"notifications-{language}",
        "#notifications li a >> nth=0",
        check=notifications,
    )
    page.locator("#notifications li a").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"/projects/{returned.pk}/")
    assert page.locator("#notification-count").inner_text() == "2"
    page.context.close()
