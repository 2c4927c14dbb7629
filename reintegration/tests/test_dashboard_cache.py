"""The dashboard's filtered figures are reused for a few minutes per role, scope and filters;
the unfiltered ones are merged from the figures kept per centre (dashboard/summary.py), which
follow every change (dashboard/tests/test_summary.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries.tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.DASHBOARD_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def registered(response) -> int:
    return response.context["dashboard"].people["registered"]


# A period filter: figures computed live, then kept in the cache.
SINCE = {"date_from": "2000-01-01"}


def test_filtered_figures_are_reused_then_recomputed(client, users, centre, elsewhere, cached):
    BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users["national"])
    first = client.get("/", SINCE)
    assert registered(first) == 1
    assert not first.context["dashboard"].current
    BeneficiaryFactory(centre=centre, by=users["coordinator"])
    with CaptureQueriesContext(connection) as reused:
        second = client.get("/", SINCE)
    assert registered(second) == 1  # the same figures, not computed again
    # Reading the cache is a query with the database cache (the default): not a figure. The
    # today panel is live on every request (three queries for headquarters), and so are the
    # session, the user, the summary's job and the top bar's unread count; the needs by domain
    # are read from the kept rows (one query).
    assert len([q for q in reused if "cache_table" not in q["sql"]]) == 9
    assert second.context["dashboard"].computed_at == first.context["dashboard"].computed_at
    assert 'id="computed-at"' in second.content.decode()
    # Other filters, or another scope, are computed for themselves.
    assert registered(client.get("/", {**SINCE, "territory": f"centre-{centre.pk}"})) == 2
    client.force_login(users["coordinator"])
    assert registered(client.get("/", SINCE)) == 2
    client.force_login(elsewhere["coordinator"])
    assert registered(client.get("/", SINCE)) == 0
    cache.clear()
    client.force_login(users["national"])
    assert registered(client.get("/", SINCE)) == 2


def test_the_rendered_figures_follow_the_language(client, users, centre, cached):
    from reintegration.models import User

    BeneficiaryFactory(centre=centre, by=users["coordinator"])
    client.force_login(users["national"])
    arabic = client.get("/").content.decode()
    User.objects.filter(pk=users["national"].pk).update(language="fr")
    client.force_login(User.objects.get(pk=users["national"].pk))
    french = client.get("/").content.decode()
    from django.utils import translation

    for language, html in (("ar", arabic), ("fr", french)):
        with translation.override(language):
            assert translation.gettext("What the figures count") in html, language
