"""Issuing a ceremony's certificates and preparing the PDF of all of them: jobs run by the
real worker, followed on the ceremony page."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies import jobs as ceremony_jobs
from ceremonies.models import Certificate, Handover, HandoverItemSerial
from ceremonies.services import serial_problem
from ceremonies.tests.factories import held_ceremony
from projects.tests.factories import approved, make_project
from reintegration import jobs
from reintegration.formatting import LRI, PDI
from reintegration.models import Job, User
from reintegration.tests import following
from reintegration.tests.factories import ProvinceFactory, UserFactory

pytestmark = pytest.mark.django_db

# For the tests that read no PDF: the documents WeasyPrint lays out (the batch's summary page)
# are stubbed (see reintegration/tests/pdf_stub.py). Certificates are drawn without
# WeasyPrint, for real, in a few milliseconds.
layout_skipped = pytest.mark.usefixtures("no_pdf_layout")


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    for user in users.values():
        user.language = "en"


def ceremony_of(count, users, centre):
    people = [
        BeneficiaryFactory(centre=centre, by=users["coordinator"], first_name_latin=f"P{n}")
        for n in range(count)
    ]
    return held_ceremony(
        [approved(make_project(p, users["coordinator"]), users) for p in people], users
    )


def issue(client, ceremony):
    response = client.post(reverse("certificates_issue", args=[ceremony.pk]))
    assert response["Location"] == reverse("ceremony_detail", args=[ceremony.pk])
    return Job.objects.get(kind="ceremonies.jobs.issue_certificates")


def page(client, ceremony) -> str:
    return client.get(reverse("ceremony_detail", args=[ceremony.pk])).content.decode()


@layout_skipped
def test_the_request_issues_nothing_the_worker_issues_them_all_and_the_page_lists_them(
    client, users, centre, convention, run_jobs
):
    ceremony = ceremony_of(3, users, centre)
    client.force_login(users["coordinator"])
    job = issue(client, ceremony)
    assert Certificate.objects.count() == 0  # no request waits on a certificate
    assert (job.status, job.key, job.params) == (
        "queued",
        f"ceremony:{ceremony.pk}",
        {"ceremony": ceremony.pk},
    )
    html = page(client, ceremony)
    assert f'id="job-{job.pk}"' in html and "Waiting for a free worker" in html
    assert 'id="issue"' not in html  # no second button while the work is under way

    # A second click, even a colleague's, joins the job under way.
    client.force_login(users["national"])
    assert issue(client, ceremony).pk == job.pk
    assert (Job.objects.count(), DBTaskResult.objects.count()) == (1, 1)

    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == ("done", 3, 3, "")
    html = page(client, ceremony)
    assert f'id="job-{job.pk}"' not in html
    numbers = Certificate.objects.values_list("number", flat=True)
    assert len(numbers) == 3 and all(number in html for number in numbers)
    assert {c.issued_by for c in Certificate.objects.all()} == {users["coordinator"]}


@layout_skipped
def test_the_page_shows_where_the_issuing_stands_certificate_by_certificate(
    client, users, centre, convention, run_jobs, monkeypatch
):
    ceremony = ceremony_of(3, users, centre)
    client.force_login(users["coordinator"])
    job = issue(client, ceremony)
    seen = []
    rendering = certificates.render_certificate

    def watched(snapshot):
        # What the progress bar polls, and the page someone opening it now would get.
        status = following.status(client, job)
        seen.append((status["status"], status["done"], status["total"], status["percent"]))
        if status["done"] == 1:
            # The counts are isolated left to right (invisible marks), for Arabic.
            assert "1 of 3 done" in page(client, ceremony).replace(LRI, "").replace(PDI, "")
        return rendering(snapshot)

    monkeypatch.setattr(certificates, "render_certificate", watched)
    run_jobs()
    assert seen == [("running", 0, 3, 0), ("running", 1, 3, 33), ("running", 2, 3, 66)]
    assert following.status(client, job)["percent"] == 100


@layout_skipped
def test_issuing_costs_no_more_queries_per_certificate_than_in_the_request(
    users, centre, convention, run_jobs
):
    """Issuing in the request took 13 queries per certificate (lock, handover and its items,
    number, code, conventions, certificate, audit entry, savepoints); the job takes the same,
    its progress included (the number counter is no longer read twice)."""
    certificates.certificates_issue(ceremony=ceremony_of(1, users, centre), by=users["national"])
    counted = []
    for count in (2, 4):
        ceremony = ceremony_of(count, users, centre)
        jobs.job_start(
            ceremony_jobs.issue_certificates,
            key=ceremony_jobs.issue_key(ceremony),
            by=users["coordinator"],
            params={"ceremony": ceremony.pk},
        )
        with CaptureQueriesContext(connection) as queries:
            run_jobs()
        assert Certificate.objects.filter(handover__ceremony=ceremony).count() == count
        counted.append(len(queries))
    assert (counted[1] - counted[0]) / 2 <= 13, counted


@layout_skipped
def test_an_incomplete_serial_list_stops_the_issuing_and_says_which_file_in_french(
    client, users, centre, convention, run_jobs
):
    ceremony = ceremony_of(2, users, centre)
    first, second = Handover.objects.filter(ceremony=ceremony).order_by("pk")
    machine = second.items.get()  # two sewing machines, one serial: the second untraceable
    HandoverItemSerial.objects.create(item=machine, handover=second, unit=1, serial="OLD-1")
    coordinator = users["coordinator"]
    User.objects.filter(pk=coordinator.pk).update(language="fr")
    client.force_login(coordinator)
    job = issue(client, ceremony)
    run_jobs()
    job.refresh_from_db()
    number = second.project.beneficiary.file_number
    with translation.override("fr"):
        problem = serial_problem(
            designation=machine.designation, quantity=machine.quantity, serials=["OLD-1"]
        )
    assert job.status == "failed"
    assert job.error == f"Le procès-verbal de {number} n'a pas été établi. {problem}"
    # The certificate issued before the refusal stays; the page says what stopped the rest.
    assert list(Certificate.objects.values_list("handover", flat=True)) == [first.pk]
    html = page(client, ceremony)
    assert f'id="job-{job.pk}"' in html and "n&#x27;a pas été établi" in html
    assert 'id="issue"' in html  # once the serials are completed, issue again
    # A colleague reads the page in their own language: the refusal, in French, is not theirs.
    client.force_login(users["national"])
    assert f'id="job-{job.pk}"' not in page(client, ceremony)


@layout_skipped
def test_everyone_who_sees_the_ceremony_follows_the_issuing_and_nobody_else(
    client, users, centre, convention, elsewhere
):
    ceremony = ceremony_of(1, users, centre)
    client.force_login(users["coordinator"])
    job = issue(client, ceremony)
    url = reverse("job_status", args=[job.pk])
    for role in ("regional", "official", "national", "auditor"):
        client.force_login(users[role])
        assert client.get(url).status_code == 200, role
        assert f'id="job-{job.pk}"' in page(client, ceremony), role
    for outsider in (
        elsewhere["coordinator"],
        elsewhere["regional"],
        UserFactory(official=True, province=ProvinceFactory(code="06.141")),
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


@layout_skipped
def test_a_role_that_may_not_issue_cannot_start_the_job(client, users, centre, convention):
    ceremony = ceremony_of(1, users, centre)
    for role in ("regional", "official", "auditor"):
        client.force_login(users[role])
        response = client.post(reverse("certificates_issue", args=[ceremony.pk]))
        assert response.status_code == 403, role
    assert not Job.objects.exists()


def test_a_large_ceremony_prepares_the_pdf_of_its_certificates_as_a_job(
    client, users, centre, convention, run_jobs, monkeypatch
):
    monkeypatch.setattr(certificates, "BATCH_DIRECT_MAX", 1)  # two certificates are "large"
    ceremony = ceremony_of(2, users, centre)
    issued = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    client.force_login(users["official"])
    html = page(client, ceremony)
    assert 'id="batch-prepare"' in html and 'id="batch"' not in html
    # The direct address no longer makes a large PDF while the user waits.
    direct = client.get(reverse("ceremony_batch", args=[ceremony.pk]))
    assert direct["Location"] == reverse("ceremony_detail", args=[ceremony.pk])

    prepare = reverse("ceremony_batch_prepare", args=[ceremony.pk])
    assert client.post(prepare)["Location"] == reverse("ceremony_detail", args=[ceremony.pk])
    client.post(prepare)  # the second click joins the first
    job = Job.objects.get()
    assert (job.kind, job.key) == (
        "ceremonies.jobs.certificates_batch",
        f"ceremony-batch:{ceremony.pk}:{users['official'].pk}",
    )
    html = page(client, ceremony)
    assert f'id="job-{job.pk}"' in html and 'id="batch-prepare"' not in html

    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 3, 3)  # the summary, two certificates
    html = page(client, ceremony)
    assert reverse("job_result", args=[job.pk]) in html
    reader = PdfReader(io.BytesIO(following.downloaded(client, job)))
    assert len(reader.pages) == 3
    for pdf_page, certificate in zip(reader.pages[1:], issued, strict=True):
        assert certificate.number in pdf_page.extract_text()
    # Prepared for whoever asked: another printer of the ceremony does not get it.
    client.force_login(users["regional"])
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 404
    assert f'id="job-{job.pk}"' not in page(client, ceremony)

    # Once a certificate is corrected, the prepared PDF is out of date: it is no longer
    # offered, and a new one can be prepared.
    certificates.certificate_correct(certificate=issued[0], by=users["national"], reason="CIN")
    client.force_login(users["official"])
    html = page(client, ceremony)
    assert f'id="job-{job.pk}"' not in html and 'id="batch-prepare"' in html


@layout_skipped
def test_a_printer_who_lost_the_ceremony_is_told_why_the_pdf_was_not_made(
    client, users, centre, convention, run_jobs
):
    ceremony = ceremony_of(1, users, centre)
    certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    official = users["official"]
    client.force_login(official)
    client.post(reverse("ceremony_batch_prepare", args=[ceremony.pk]))
    # Moved to another province before the worker took the job.
    official.province = ProvinceFactory(code="06.141")
    official.save(update_fields=["province"])
    run_jobs()
    job = Job.objects.get()
    with translation.override("en"):
        assert job.error == "This ceremony is no longer within your area."
    assert following.status(client, job)["text"] == job.error


@layout_skipped
def test_a_small_ceremony_still_gives_its_pdf_at_once_never_cached(
    client, users, centre, convention
):
    ceremony = ceremony_of(1, users, centre)
    certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    client.force_login(users["official"])
    assert 'id="batch"' in page(client, ceremony)
    response = client.get(reverse("ceremony_batch", args=[ceremony.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
