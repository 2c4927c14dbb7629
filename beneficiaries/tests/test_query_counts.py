"""The beneficiary list costs the same number of queries for a few files as for several pages
of them, for a region and for the whole country, and counts a national list's files once a
minute (docs/benchmarks.md measures its time at national scale)."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries import views
from beneficiaries.models import Consent
from beneficiaries.tests.factories import BeneficiaryFactory, consent_text

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["regional", "national"])
def test_the_list_costs_the_same_queries_for_a_few_files_or_several_pages(
    client, users, centre, role
):
    for _index in range(2):
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users[role])
    client.get("/beneficiaries/")  # the first request of a session records its activity time
    few = queries(client, "/beneficiaries/")
    for _index in range(55):  # more than two pages of 25
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert queries(client, "/beneficiaries/") == few
    assert queries(client, "/beneficiaries/?page=3") == few
    assert queries(client, "/beneficiaries/?page=2&status=registered&sex=F") == few


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_large_count_is_kept_a_minute_and_a_small_one_never(
    client, users, centre, monkeypatch, empty_cache
):
    monkeypatch.setattr(views, "CACHED_COUNT", 3)
    client.force_login(users["national"])

    def found(path="/beneficiaries/"):
        return client.get(path).context["page"].paginator.count

    for _index in range(2):
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert found() == 2
    BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert found() == 3  # small counts are exact
    BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert found() == 3  # 3 reached the threshold: kept
    assert found("/beneficiaries/?sex=F") == 4  # other filters, another count
    assert len(client.get("/beneficiaries/").context["page"].object_list) == 4  # rows are fresh


def test_the_rows_are_read_with_their_consent_in_one_query(client, users, centre):
    """The page's files and whether each holds a consent come from one query; the badge still
    tells a withdrawn consent from a holding one."""
    by = users["coordinator"]
    holding, withdrawn, none = (BeneficiaryFactory(centre=centre, by=by) for _index in range(3))
    for beneficiary, withdrawn_on in ((holding, None), (withdrawn, datetime.date(2026, 1, 5))):
        Consent.objects.create(
            beneficiary=beneficiary,
            collected_by=by,
            given_on=datetime.date(2026, 1, 2),
            language=Consent.Language.FRENCH,
            text=consent_text(),
            withdrawn_on=withdrawn_on,
        )
    client.force_login(users["national"])
    client.get("/beneficiaries/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/beneficiaries/")
    reading_files = [q["sql"] for q in captured if '"beneficiaries_beneficiary"' in q["sql"]]
    # Counting, the page's keys, then its rows with whether each holds a consent.
    assert len(reading_files) == 3
    assert "beneficiaries_consent" in reading_files[2]
    assert response.context["consented"] == {holding.pk}
    rows = response.content.decode().split("<tr>")[2:]
    badges = {row.split("</a>")[0].rsplit(">", 1)[1]: "text-bg-warning" in row for row in rows}
    assert badges == {
        holding.file_number: False,
        withdrawn.file_number: True,
        none.file_number: True,
    }
