import pytest


@pytest.fixture
def dry_run(client, run_jobs):
    """Send the sheet, let the worker check it, and open the page that shows the result."""

    def check(upload):
        sent = client.post("/beneficiaries/import/", {"sheet": upload})
        assert sent.status_code == 302
        run_jobs()
        response = client.get(sent["Location"])
        assert response.status_code == 200
        return response

    return check
