"""The dashboard summary and the partner report as PDFs: prepared by the real worker, followed
on their pages, downloaded by whoever asked."""

import pytest
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from beneficiaries.models import ProgrammeTrack
from reintegration.models import Job, User
from reintegration.tests import following

# Who gets which PDF and when, not what it says (test_dashboard.py and the convention tests
# read the real documents).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf_layout")]


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def test_the_summary_is_prepared_for_the_filters_of_the_page_then_offered(client, users, run_jobs):
    national = users["national"]
    client.force_login(national)
    track = ProgrammeTrack.objects.get(code="standard")
    # The filters as the page's form sends them, in its own order.
    query = f"track={track.pk}&date_from=2025-01-01"
    response = client.post(f"{reverse('dashboard_pdf')}?{query}")
    canonical = f"date_from=2025-01-01&track={track.pk}"
    assert response["Location"] == f"/?{canonical}"
    client.post(f"{reverse('dashboard_pdf')}?{canonical}")  # the second click joins the first
    assert (Job.objects.count(), DBTaskResult.objects.count()) == (1, 1)
    job = Job.objects.get()
    assert (job.kind, job.params) == ("dashboard.jobs.dashboard_summary", {"query": canonical})

    home = client.get(f"/?{canonical}").content.decode()
    assert f'id="job-{job.pk}"' in home and 'id="summary-prepare"' not in home
    # Other filters, another summary: none prepared yet.
    other = client.get("/").content.decode()
    assert f'id="job-{job.pk}"' not in other and 'id="summary-prepare"' in other

    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert job.result_name.startswith("dashboard-") and job.result_name.endswith(".pdf")
    home = client.get(f"/?{canonical}").content.decode()
    assert reverse("job_result", args=[job.pk]) in home and "prepared on" in home
    assert 'id="summary-prepare"' in home  # figures change: a new one can be prepared
    assert following.downloaded(client, job).startswith(b"%PDF")
    # The figures are those of who asked: nobody else follows it.
    for role in ("regional", "auditor"):
        client.force_login(users[role])
        assert client.get(reverse("job_status", args=[job.pk])).status_code == 404


def test_a_summary_asked_by_an_account_closed_since_is_not_made(client, users, run_jobs):
    official = users["official"]
    client.force_login(official)
    client.post(reverse("dashboard_pdf"))
    User.objects.filter(pk=official.pk).update(is_active=False)
    run_jobs()
    job = Job.objects.get()
    with translation.override("en"):
        assert (job.status, job.error) == ("failed", "Your role has no dashboard.")
    assert not job.result


def test_the_partner_report_is_prepared_then_offered_on_its_page(
    client, users, convention, run_jobs
):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    page_url = reverse("convention_report", args=[convention.pk])
    prepare = reverse("convention_report_pdf", args=[convention.pk])
    assert 'id="report-prepare"' in client.get(page_url).content.decode()
    assert client.post(prepare)["Location"] == page_url
    client.post(prepare)
    job = Job.objects.get()
    assert job.key == f"convention-report:{convention.pk}:{coordinator.pk}"
    page = client.get(page_url).content.decode()
    assert f'id="job-{job.pk}"' in page and 'id="report-prepare"' not in page

    run_jobs()
    page = client.get(page_url).content.decode()
    assert reverse("job_result", args=[job.pk]) in page
    assert following.downloaded(client, job).startswith(b"%PDF")
    job.refresh_from_db()
    assert (job.done, job.total, job.result_name) == (2, 2, "CPDH-TNG-TEST.pdf")
    # The list of projects is the reader's own: the official's report is another job.
    client.force_login(users["official"])
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 404
    assert f'id="job-{job.pk}"' not in client.get(page_url).content.decode()


def test_a_report_whose_convention_left_the_readers_area_is_not_made(
    client, users, convention, run_jobs
):
    client.force_login(users["official"])
    client.post(reverse("convention_report_pdf", args=[convention.pk]))
    convention.provinces.clear()
    run_jobs()
    job = Job.objects.get()
    with translation.override("en"):
        assert job.error == "This convention is no longer within your area."
    page = client.get(reverse("convention_report", args=[convention.pk]))
    assert page.status_code == 404  # nor is its page
