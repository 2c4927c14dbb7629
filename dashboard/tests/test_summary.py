"""The figures kept per centre (dashboard/summary.py) against the same figures computed live
(``selectors._figures``), for every scope, after random sequences of real service calls; and
what a reader pays for them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries.assessments import needs_by_domain
from beneficiaries.models import Beneficiary
from beneficiaries.tests.factories import BeneficiaryFactory
from beneficiaries.tests.test_needs import record as assess
from dashboard import summary
from dashboard.models import CentreFigures
from dashboard.selectors import Filters, _figures, dashboard_scope
from dashboard.tests.factories import make_network, populate
from reintegration import audit
from reintegration.models import Centre
from reintegration.tests.factories import UserFactory
from reintegration.tests.worlds import make_centre, make_convention, make_elsewhere, make_users

pytestmark = pytest.mark.django_db


FIGURE_BLOCKS = ("people", "projects", "money", "outcomes")


def kept(user, filters=None):
    figures, _digest = summary.figures_for(user, filters or Filters())
    return figures


def assert_agree(readers, filters=None):
    """Every reader's kept figures are the live ones, block by block, and so are the needs by
    domain of the reader's whole scope (whatever the territory chosen)."""
    for reader in readers:
        live = _figures(reader, filters or Filters())
        found = kept(reader, filters)
        for block in FIGURE_BLOCKS:
            assert found[block] == live[block], (reader.role, reader.pk, block)
        assert found["needs"] == needs_by_domain(dashboard_scope(reader, Beneficiary)), (
            reader.role,
            reader.pk,
            "needs",
        )


def network_and_readers():
    """The network of three centres, no people yet, and a reader of every kind of scope: the
    whole country (twice), a region (twice), a province (twice), each centre."""
    centre = make_centre()
    users = make_users(centre)
    elsewhere = make_elsewhere()
    network = make_network(users, elsewhere, make_convention(centre))
    tetouan = network.centres["TET"]
    readers = [
        users["national"],
        users["auditor"],
        users["regional"],
        users["official"],
        elsewhere["regional"],
        *(network.staff[code]["coordinator"] for code in ("TNG", "TET", "CAS")),
        UserFactory(official=True, province=tetouan.province),
    ]
    return network, readers


@pytest.fixture
def world(db):
    return network_and_readers()


def test_without_the_commit_the_rows_would_be_stale(world, django_capture_on_commit_callbacks):
    """What makes the figures current is the version raised after the commit: the same change
    with its commit callbacks not run leaves the kept figures behind."""
    network, _readers = world
    coordinator = network.staff["TNG"]["coordinator"]
    before = kept(coordinator)["people"]["registered"]
    BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    assert kept(coordinator)["people"]["registered"] == before
    with django_capture_on_commit_callbacks(execute=True):
        BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    assert kept(coordinator)["people"]["registered"] == before + 2


def test_changes_outside_the_figures_leave_the_rows_current(
    world, django_capture_on_commit_callbacks
):
    network, _readers = world
    coordinator = network.staff["TNG"]["coordinator"]
    tanger = network.centres["TNG"]
    kept(coordinator)
    version = CentreFigures.objects.get(pk=tanger.pk).version
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("auth.two_factor_verified", actor=coordinator, target=coordinator)
    assert CentreFigures.objects.get(pk=tanger.pk).version == version
    with django_capture_on_commit_callbacks(execute=True):
        audit.record("beneficiary.imported", actor=coordinator, target=tanger)
    assert CentreFigures.objects.get(pk=tanger.pk).version == version + 1


def test_a_read_costs_the_same_whatever_the_number_of_files(world):
    """Current rows: the centres with their rows, the waiting projects, the conventions and
    their costs; nothing grows with the files. A stale centre adds its own recompute."""
    network, readers = world
    national, coordinator = readers[0], network.staff["TNG"]["coordinator"]

    def read_queries(user) -> int:
        kept(user)  # the rows current
        with CaptureQueriesContext(connection) as queries:
            kept(user)
        return len(queries)

    few = {user.pk: read_queries(user) for user in (national, coordinator)}
    populate(network)
    populate(network)
    assert {user.pk: read_queries(user) for user in (national, coordinator)} == few
    # The centres with their rows (and the scope's parts), the waiting projects, the
    # conventions, and the cost per sustained outcome from the cache.
    assert few[coordinator.pk] == 4
    assert few[national.pk] == 4
    # One centre changed: the read recomputes that centre alone (and the cost per sustained
    # outcome, whose key holds every centre's version); all changed: every centre.
    with CaptureQueriesContext(connection) as one_centre:
        summary.refresh([network.centres["TET"].pk], force=True)
    per_centre = len(one_centre) - 1  # creating missing rows: one query for them all
    assert 0 < per_centre <= 20
    CentreFigures.objects.filter(pk=network.centres["TET"].pk).update(version=10**6)
    with CaptureQueriesContext(connection) as once:
        kept(national)
    CentreFigures.objects.update(version=2 * 10**6)
    with CaptureQueriesContext(connection) as every:
        kept(national)
    assert len(every) - len(once) == (Centre.objects.count() - 1) * per_centre


def shown_registered(response) -> str:
    html = response.content.decode()
    return re.search(r'id="kpi-registered">.*?kpi-value">([^<]*)<', html, re.S).group(1)


def test_the_page_shows_a_coordinators_change_at_once_with_the_cache_on(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_CACHE_SECONDS = 300
    network, _readers = world
    coordinator = network.staff["TNG"]["coordinator"]
    client.force_login(coordinator)
    first = client.get("/")
    assert first.context["dashboard"].people["registered"] == 0
    assert first.context["dashboard"].current
    with django_capture_on_commit_callbacks(execute=True):
        BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    second = client.get("/")
    assert second.context["dashboard"].people["registered"] == 1
    # The rendered figures (kept in the cache under the figures' own key) are the new ones.
    assert second.context["dashboard"].cache_key != first.context["dashboard"].cache_key
    assert shown_registered(second) != shown_registered(first)
    assert shown_registered(client.get("/")) == shown_registered(second)
    # The regional staff of the region see it too, and Casablanca's coordinator does not.
    client.force_login(network.staff["TNG"]["regional"])
    assert client.get("/").context["dashboard"].people["registered"] == 1
    client.force_login(network.staff["CAS"]["coordinator"])
    assert client.get("/").context["dashboard"].people["registered"] == 0


def needs_cells(response) -> str:
    html = response.content.decode()
    start = html.index('id="needs-by-domain"')
    return html[start : html.index("</section>", start)]


def test_the_kept_page_follows_the_readers_scope_not_only_its_figures(client, world, settings):
    """Tanger's coordinator and the regional staff of Tanger's region read the same figures while
    Tétouan has none; their pages still differ (the regional page offers the region's
    territories): the page is never handed to a reader of another scope."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    network, _readers = world
    coordinator = network.staff["TNG"]["coordinator"]
    regional = network.staff["TNG"]["regional"]
    BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    client.force_login(coordinator)
    assert 'id="id_territory"' not in client.get("/").content.decode()
    client.force_login(regional)
    page = client.get("/")
    assert page.context["page"].html is None  # rendered for this reader, not reused
    assert 'id="id_territory"' in page.content.decode()


def test_the_kept_page_shows_new_needs_at_once(
    client, world, settings, django_capture_on_commit_callbacks
):
    """The needs by domain are kept with the page: an assessment recorded shows on the next
    page, with a territory chosen too (the needs count the whole scope: a change in another
    centre of the scope shows as well)."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    network, _readers = world
    coordinator = network.staff["TNG"]["coordinator"]
    national = network.staff["TNG"]["national"]
    person = BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    casablanca = {"territory": f"centre-{network.centres['CAS'].pk}"}
    client.force_login(national)
    before = needs_cells(client.get("/"))
    before_there = needs_cells(client.get("/", casablanca))
    with django_capture_on_commit_callbacks(execute=True):
        assess(person, coordinator, pick="last")
    assert needs_cells(client.get("/")) != before
    assert needs_cells(client.get("/", casablanca)) != before_there
    client.force_login(coordinator)
    assert needs_cells(client.get("/")) == needs_cells(client.get("/"))


def test_the_kept_page_follows_a_change_of_the_costs_elsewhere(
    client, world, settings, django_capture_on_commit_callbacks
):
    """The cost per sustained outcome counts each convention over the whole network: a change
    in another region moves it, so the page of a region whose own figures did not move is
    named again (its key holds the cost's)."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    network, _readers = world
    regional = network.staff["TNG"]["regional"]
    client.force_login(regional)
    first = client.get("/").context["dashboard"]
    with django_capture_on_commit_callbacks(execute=True):
        BeneficiaryFactory(centre=network.centres["CAS"], by=network.staff["CAS"]["coordinator"])
    second = client.get("/").context["dashboard"]
    assert second.people["registered"] == first.people["registered"]
    assert second.kept.costs_key != first.kept.costs_key
    assert second.cache_key != first.cache_key


def test_the_worker_brings_a_changed_centre_current_before_its_next_reader(
    world, django_capture_on_commit_callbacks, run_jobs
):
    """After a change commits, the background task recomputes the centre: the national reader
    then merges current rows, with the change counted, and recomputes no centre."""
    network, readers = world
    national, coordinator = readers[0], network.staff["TNG"]["coordinator"]
    before = kept(national)["people"]["registered"]
    with CaptureQueriesContext(connection) as current:
        kept(national)
    with django_capture_on_commit_callbacks(execute=True):
        BeneficiaryFactory(centre=network.centres["TNG"], by=coordinator)
    row = CentreFigures.objects.get(pk=network.centres["TNG"].pk)
    assert row.computed_version != row.version  # stale until the worker runs
    run_jobs()
    row.refresh_from_db()
    assert row.computed_version == row.version
    computed_at = row.computed_at
    assert kept(national)["people"]["registered"] == before + 1
    row.refresh_from_db()
    assert row.computed_at == computed_at  # the reader recomputed nothing
    # (That first read computed the cost per sustained outcome again, whose key holds every
    # centre's version; the next read costs what a read of current rows costs.)
    with CaptureQueriesContext(connection) as after:
        kept(national)
    assert len(after) == len(current)


def test_a_queued_recompute_skips_a_centre_that_no_longer_exists(world, run_jobs):
    """Keys left by a rolled-back change can name a centre since removed: the worker skips it
    rather than writing a row for it."""
    network, _readers = world
    tanger = network.centres["TNG"]
    missing = Centre.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    summary.refresh_soon.enqueue([missing, tanger.pk])
    run_jobs()
    assert not CentreFigures.objects.filter(pk=missing).exists()
    row = CentreFigures.objects.get(pk=tanger.pk)
    assert row.computed_version == row.version
    connection.check_constraints()
