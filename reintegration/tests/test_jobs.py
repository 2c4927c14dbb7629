"""Long work as jobs: queued in the database, run by the real worker, followed by its page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from reintegration import jobs
from reintegration.models import Job
from reintegration.refusals import Refused


@jobs.job_kind()
def count_to(job: Job) -> jobs.Result:
    total = job.params["total"]
    for done in range(1, total + 1):
        jobs.progress(job, done, total)
        if job.params.get("refuse_at") == done:
            raise Refused(_("This message was already sent."))
        if job.params.get("break_at") == done:
            raise ZeroDivisionError
    return jobs.Result(content=b"%d" % total, filename="count.txt")


@jobs.job_kind()
def count_rows(job: Job) -> None:
    report = jobs.reporter(job)
    total = job.params["total"]
    for done in range(total + 1):
        report(done, total)


def not_a_job(job: Job) -> None:
    raise AssertionError("never run")


def test_a_second_click_joins_the_job_already_waiting(users):
    first = jobs.job_start(count_to, key="a", by=users["coordinator"], params={"total": 3})
    again = jobs.job_start(count_to, key="a", by=users["regional"], params={"total": 9})
    assert again.pk == first.pk
    assert Job.objects.count() == 1
    assert DBTaskResult.objects.count() == 1  # queued once, in the same transaction
    other = jobs.job_start(count_to, key="b", by=users["coordinator"], params={"total": 1})
    assert other.pk != first.pk


def test_only_declared_functions_are_jobs(users):
    with pytest.raises(ValueError, match="not a job kind"):
        jobs.job_start(not_a_job, key="x", by=users["coordinator"])


def test_the_worker_runs_the_job_and_its_requester_downloads_the_result(
    users, client, run_jobs, django_assert_max_num_queries
):
    job = jobs.job_start(count_to, key="c", by=users["coordinator"], params={"total": 4})
    client.force_login(users["coordinator"])
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert (status["status"], status["percent"], status["result_url"]) == ("queued", 0, "")
    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == ("done", 4, 4, "")
    with django_assert_max_num_queries(4):
        status = client.get(reverse("job_status", args=[job.pk])).json()
    assert (status["status"], status["percent"]) == ("done", 100)
    response = client.get(status["result_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"4"
    assert "no-store" in response["Cache-Control"]
    # A job is followed by whoever started it (or whom its kind lets see it): others get 404.
    client.force_login(users["regional"])
    assert client.get(reverse("job_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 404


def test_a_refusal_is_told_in_the_language_of_who_asked(users, run_jobs):
    users["coordinator"].language = "fr"
    users["coordinator"].save(update_fields=["language"])
    job = jobs.job_start(
        count_to, key="d", by=users["coordinator"], params={"total": 5, "refuse_at": 2}
    )
    run_jobs()
    job.refresh_from_db()
    assert (job.status, job.done) == ("failed", 2)
    assert job.error == "Ce message a déjà été envoyé."
    # Once failed, the work can be asked for again.
    assert jobs.job_start(count_to, key="d", by=users["coordinator"], params={"total": 1}) != job


def test_an_unexpected_error_fails_the_job_with_a_message_not_a_trace(users, run_jobs, caplog):
    job = jobs.job_start(
        count_to, key="e", by=users["coordinator"], params={"total": 3, "break_at": 1}
    )
    run_jobs()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "ZeroDivisionError" not in job.error and job.error
    assert "ZeroDivisionError" in caplog.text  # for the people who run the servers


def test_finished_jobs_and_their_files_are_deleted_after_a_week(users, run_jobs):
    import datetime

    from django.core.files.storage import default_storage
    from django.utils import timezone

    done = jobs.job_start(count_to, key="old", by=users["coordinator"], params={"total": 1})
    live = jobs.job_start(count_to, key="live", by=users["coordinator"], params={"total": 1})
    run_jobs(1)
    done.refresh_from_db()
    assert done.status == "done" and default_storage.exists(done.result.name)
    next_week = timezone.now() + datetime.timedelta(days=8)
    assert jobs.prune_jobs(before=next_week) == 1
    assert not default_storage.exists(done.result.name)
    assert list(Job.objects.all()) == [live]


@pytest.mark.parametrize(("total", "writes"), [(3, 4), (2000, 101)])
def test_progress_is_written_at_most_about_a_hundred_times(users, run_jobs, total, writes):
    """Each record is a write the page can read at once: one per row of a large sheet would
    cost the work more than the rows themselves."""
    job = jobs.job_start(count_rows, key="rows", by=users["coordinator"], params={"total": total})
    with CaptureQueriesContext(connection) as queries:
        run_jobs()
    recorded = [q for q in queries if q["sql"].startswith('UPDATE "reintegration_job" SET "done"')]
    assert len(recorded) == writes
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", total, total)


def test_the_progress_reads_in_order_in_arabic(users):
    from django.utils import translation

    from reintegration.formatting import LRI, PDI
    from reintegration.views.jobs import progress_text

    job = jobs.job_start(count_to, key="ar", by=users["coordinator"], params={"total": 100})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=34, total=100)
    job.refresh_from_db()
    with translation.override("ar"):
        text = progress_text(job)
    assert f"{LRI}34{PDI}" in text and f"{LRI}100{PDI}" in text
