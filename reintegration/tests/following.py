"""Following a job as its page does: where it stands (the JSON the progress bar polls), then
the file it left, fetched through the link the page shows."""

from django.urls import reverse

from reintegration.models import Job


def status(client, job: Job) -> dict:
    response = client.get(reverse("job_status", args=[job.pk]))
    assert response.status_code == 200, response.status_code
    return response.json()


def downloaded(client, job: Job) -> bytes:
    """The job's file, as the Download link gives it: never kept by a cache (personal data)."""
    followed = status(client, job)
    assert (followed["status"], followed["percent"]) == ("done", 100), followed
    response = client.get(followed["result_url"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)


def started_by(user, **filters) -> Job:
    """The job ``user`` started last (of a kind whose dotted name ends with ``kind``)."""
    kind = filters.pop("kind", "")
    return Job.objects.filter(requested_by=user, kind__endswith=kind, **filters).first()
