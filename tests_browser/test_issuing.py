"""A coordinator issues the certificates of a hundred-person ceremony: the request only starts
the job, a real worker issues them one by one while the page's bar moves, then the page lists
them all; the PDF of all of them is prepared the same way and downloaded."""

import io

from django.db import transaction
from playwright.sync_api import expect
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies.models import Certificate
from ceremonies.tests.factories import held_ceremony
from projects.tests.factories import approved, make_project
from reintegration.models import Job, User
from reintegration.tests.pdf_stub import skip_pdf_layout
from tests_browser.conftest import SCREENSHOTS_WANTED, open_as, take_screenshot

PEOPLE = 100
# The value of the first progress bar on the page while it is strictly between 0 and 100.
MOVING = """() => {
  const bar = document.querySelector(".job-progress progress");
  return bar !== null && bar.value > 0 && bar.value < 100 && bar.value;
}"""


def hundred_person_ceremony(users, centre):
    coordinator = users["coordinator"]
    # One transaction for the whole set-up: a commit per service call would cost seconds.
    with transaction.atomic():
        projects = [
            approved(
                make_project(
                    BeneficiaryFactory(
                        centre=centre, by=coordinator, first_name_latin=f"Amina {n:03d}"
                    ),
                    coordinator,
                ),
                users,
            )
            for n in range(PEOPLE)
        ]
        return held_ceremony(projects, users)


def go(page, selector):
    page.click(selector)
    page.wait_for_load_state("domcontentloaded")


def test_a_coordinator_follows_the_issuing_of_a_hundred_certificates(
    browser, live_server, reference_data, users, centre, convention, job_worker, monkeypatch
):
    # The certificates' templates are rendered, their layout skipped (reintegration/tests/
    # pdf_stub.py): this test reads none of them. The worker runs in this process.
    skip_pdf_layout(monkeypatch)
    coordinator, national = users["coordinator"], users["national"]
    User.objects.filter(pk=coordinator.pk).update(language="ar")
    User.objects.filter(pk=national.pk).update(language="fr")
    ceremony = hundred_person_ceremony(users, centre)
    address = f"/ceremonies/{ceremony.pk}/"

    page = open_as(browser, live_server, coordinator.username, timeout=60_000)
    page.goto(address)
    go(page, "#issue")
    # The request started the job and came back at once; no worker has taken it yet.
    job = Job.objects.get(kind="ceremonies.jobs.issue_certificates")
    box = page.locator(f"#job-{job.pk}")
    expect(box).to_be_visible()
    assert box.get_attribute("data-job-status-now") == "queued"
    assert page.locator("#issue").count() == 0
    assert not Certificate.objects.exists()
    take_screenshot(page, "issuing-waiting-ar-1280")
    # Everyone who sees the ceremony sees where the issuing stands, each in their language
    # (the other widths and languages only to be looked at: each is a page of 100 rows).
    views = [(national.username, "fr", 390)]
    if SCREENSHOTS_WANTED:
        views += [(coordinator.username, "ar", 390), (national.username, "fr", 1280)]
    for username, language, width in views:
        other = open_as(browser, live_server, username, width=width)
        other.goto(address)
        expect(other.locator(f"#job-{job.pk} progress")).to_be_visible()
        take_screenshot(other, f"issuing-waiting-{language}-{width}")
        other.context.close()

    job_worker.start()
    seen = page.wait_for_function(MOVING, timeout=60_000).json_value()
    assert 0 < seen < 100
    take_screenshot(page, "issuing-moving-ar-1280")
    # Done: the page reloads by itself and lists the hundred certificates.
    certificate_links = page.locator(f"#handovers a[href^='{address}certificates/']")
    expect(certificate_links).to_have_count(PEOPLE, timeout=120_000)
    assert page.locator(".job-progress").count() == 0
    assert Certificate.objects.filter(handover__ceremony=ceremony).count() == PEOPLE
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", PEOPLE, PEOPLE)
    take_screenshot(page, "issuing-done-ar-1280")

    # A hundred certificates are too many to wait for: a job prepares their PDF.
    assert page.locator("#batch").count() == 0
    go(page, "#batch-prepare")
    download = page.locator(".job-progress .job-result")
    expect(download).to_be_visible(timeout=60_000)
    take_screenshot(page, "batch-ready-ar-1280")
    response = page.request.get(download.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 1 + PEOPLE

    if SCREENSHOTS_WANTED:
        phone = open_as(browser, live_server, national.username, width=390)
        phone.goto(address)
        expect(phone.locator(f"#handovers a[href^='{address}certificates/']")).to_have_count(PEOPLE)
        take_screenshot(phone, "issuing-done-fr-390")
        phone.context.close()
    page.context.close()
