import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from beneficiaries import services as files
from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory, consent_text
from casework import services
from casework.models import Task
from projects.tests.factories import equipped, make_project
from reintegration.tests.factories import UserFactory
from reintegration.tests.worlds import make_centre
from tests_browser.conftest import open_as


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def row(page, task):
    return page.locator(f"tr.task[data-task='{task.pk}']")


def world(language):
    """A coordinator who follows a person whose 3-month visit is overdue, with two tasks they
    wrote themselves: one overdue, one for next week."""
    centre = make_centre()
    users = {
        "coordinator": UserFactory(
            username="samira", coordinator=True, centre=centre, language=language
        ),
        "regional": UserFactory(regional=True, region=centre.province.region),
        "national": UserFactory(national=True),
    }
    coordinator = users["coordinator"]
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    Beneficiary.objects.filter(pk=person.pk).update(referent=coordinator)
    files.consent_record(
        beneficiary=person,
        by=coordinator,
        data={
            "given_on": timezone.localdate(),
            "language": language,
            "text": consent_text(),
            "scan": SimpleUploadedFile("signed.pdf", PDF_BYTES),
        },
    )
    # Each step commits here, and the tasks follow: the visit's and the certificate's.
    project = equipped(
        make_project(person, coordinator),
        users,
        timezone.localdate() - datetime.timedelta(days=100),
    )
    today = timezone.localdate()
    call = services.task_create(
        beneficiary=person,
        title="Appeler l'employeur",
        due_on=today,
        assignee=coordinator,
        by=coordinator,
    )
    Task.objects.filter(pk=call.pk).update(due_on=today - datetime.timedelta(days=2))
    workshop = services.task_create(
        beneficiary=person,
        project=project,
        title="زيارة الورشة",
        due_on=today + datetime.timedelta(days=6),
        assignee=coordinator,
        by=coordinator,
    )
    return {
        "person": person,
        "project": project,
        "call": call,
        "workshop": workshop,
        "visit": Task.objects.get(kind="visit_due"),
        # The ceremony was held a hundred days ago and its certificate is still to issue.
        "certificate": Task.objects.get(kind="certificate_to_issue"),
        # And its sample of handovers to check is still to draw (due the same day).
        "sample": Task.objects.get(kind="verification_due"),
    }


@pytest.mark.parametrize(("language", "width"), [("ar", 390), ("fr", 1280)])
def test_a_coordinator_works_through_their_tasks(
    browser, live_server, reference_data, convention, screenshot, language, width
):
    made = world(language)
    page = open_as(browser, live_server, "samira", width=width)
    page.goto("/tasks/")
    assert page.locator("html").get_attribute("lang") == language
    rows = page.locator("tr.task")
    # Overdue first, the latest on top: the certificate and the sample (a hundred days), the
    # visit (ten), the call (two); then next week's.
    order = [int(rows.nth(i).get_attribute("data-task")) for i in range(rows.count())]
    assert order == [made[k].pk for k in ("certificate", "sample", "visit", "call", "workshop")]
    assert row(page, made["call"]).get_attribute("class") == "task task-overdue"
    # A system task is not marked done by hand: it links to the page where it is done.
    assert row(page, made["visit"]).locator(".task-done").count() == 0
    screenshot(f"tasks-{language}-{width}", page)
    page.set_viewport_size({"width": 1280 if width == 390 else 390, "height": 900})
    screenshot(f"tasks-{language}-{'1280' if width == 390 else '390'}", page)
    page.set_viewport_size({"width": width, "height": 900})

    # Done, after saying what it means.
    go(page, f"tr.task[data-task='{made['call'].pk}'] .task-done")
    assert "Appeler l'employeur" in page.locator("#consequences").inner_text()
    screenshot(f"task-done-{language}-{width}", page)
    go(page, "#confirm")
    assert page.url.endswith("/tasks/")
    assert row(page, made["call"]).count() == 0
    assert Task.objects.get(pk=made["call"].pk).status == Task.Status.DONE

    # Postponed with a reason: without a date after today it is refused, the reason kept.
    go(page, f"tr.task[data-task='{made['workshop'].pk}'] .task-postpone")
    page.fill("[name=reason]", "المستفيد في سفر")
    page.fill("[name=due_on]", timezone.localdate().isoformat())
    go(page, "#save")
    assert page.locator("[name=reason]").input_value() == "المستفيد في سفر"
    assert page.locator(".alert-danger, .invalid-feedback, .alert-block").count() >= 1
    screenshot(f"task-postpone-{language}-{width}", page)
    later = timezone.localdate() + datetime.timedelta(days=14)
    page.fill("[name=due_on]", later.isoformat())
    go(page, "#save")
    assert page.url.endswith("/tasks/")
    assert "المستفيد في سفر" in row(page, made["workshop"]).inner_text()
    workshop = Task.objects.get(pk=made["workshop"].pk)
    assert (workshop.due_on, workshop.postponed_reason) == (later, "المستفيد في سفر")

    # The overdue visit: one click to its page; once recorded, its task is gone.
    go(page, f"tr.task[data-task='{made['visit'].pk}'] a.task-title")
    assert page.url.endswith(f"/visits/{made['visit'].params['visit']}/")
    page.fill("[name=done_on]", timezone.localdate().isoformat())
    page.select_option("[name=kind]", "home")
    page.select_option("[name=business_active]", "true")
    page.select_option("[name=equipment_in_use]", "true")
    go(page, "main form button[type=submit]")
    page.goto("/tasks/")
    assert row(page, made["visit"]).count() == 0
    assert Task.objects.get(pk=made["visit"].pk).status == Task.Status.SETTLED
    screenshot(f"tasks-after-{language}-{width}", page)

    # The file page lists what is left on the file.
    page.goto(f"/beneficiaries/{made['person'].pk}/")
    assert page.locator("#tasks tr.task").count() == Task.objects.open().count()
    screenshot(f"file-tasks-{language}-{width}", page)
    page.context.close()
