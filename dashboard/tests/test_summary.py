"""The figures kept per centre (dashboard/summary.py) against the same figures computed live
(``selectors._figures``), for every scope, after random sequences of real service calls; and
what a reader pays for them."""

from __future__ import annotations

import contextlib
import datetime
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaries import services as people_services
from beneficiaries.assessments import needs_by_domain
from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory, consent_text
from beneficiaries.tests.test_needs import record as assess
from casework import transfers
from ceremonies.tests.factories import held_ceremony
from dashboard import summary
from dashboard.models import CentreFigures
from dashboard.selectors import Filters, _figures, dashboard_scope
from dashboard.tests.factories import make_network, populate, record
from partners import services as money
from projects import placements
from projects import services as projects
from projects.models import FollowUpVisit, LifeProject, Status, Trade
from projects.tests.factories import make_project
from reintegration import audit
from reintegration.models import Centre
from reintegration.refusals import Refused
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


@pytest.fixture
def world(db):
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


class Story:
    """Random steps through the services, each in its own committed-like block (the version
    bumps run as a commit would run them)."""

    def __init__(self, network, seed: int):
        self.network = network
        self.random = random.Random(seed)  # noqa: S311 (test data)
        self.today = timezone.localdate()
        self.codes = list(network.centres)

    def staff(self, centre_id: int) -> dict:
        code = Centre.objects.get(pk=centre_id).code
        return self.network.staff[code]

    def convention(self, project: LifeProject):
        code = project.beneficiary.centre.code
        return self.network.conventions.get(code, self.network.conventions["TNG"])

    def pick(self, queryset):
        rows = list(queryset.order_by("pk"))
        return self.random.choice(rows) if rows else None

    def projects(self, *statuses):
        return LifeProject.objects.filter(status__in=statuses).select_related("beneficiary__centre")

    # --- Steps ---------------------------------------------------------------------------

    def open_file(self):
        code = self.random.choice(self.codes)
        person = BeneficiaryFactory(
            centre=self.network.centres[code],
            by=self.network.staff[code]["coordinator"],
            sex=self.random.choice("FM"),
            track=self.pick(ProgrammeTrack.objects.all()),
        )
        if self.random.random() < 0.6:
            people_services.consent_record(
                beneficiary=person,
                by=self.network.staff[code]["coordinator"],
                data={"given_on": self.today, "language": "ar", "text": consent_text()},
            )

    def start_project(self):
        person = self.pick(
            Beneficiary.objects.filter(archived_at__isnull=True, projects__isnull=True)
        )
        if person:
            coordinator = self.staff(person.centre_id)["coordinator"]
            make_project(person, coordinator, trade=self.pick(Trade.objects.all()))

    def submit(self):
        project = self.pick(self.projects(Status.DRAFT, Status.RETURNED))
        if project:
            coordinator = self.staff(project.beneficiary.centre_id)["coordinator"]
            projects.project_submit(project=project, by=coordinator)

    def decide(self):
        project = self.pick(self.projects(Status.SUBMITTED))
        if not project:
            return
        regional = self.staff(project.beneficiary.centre_id)["regional"]
        choice = self.random.choice(("approve", "approve", "return", "reject"))
        if choice == "approve":
            projects.project_approve(
                project=project,
                by=regional,
                allocations=[(self.convention(project), project.requested_total)],
            )
        elif choice == "return":
            projects.project_return(project=project, by=regional, comment="ناقص")
        else:
            projects.project_reject(project=project, by=regional, comment="غير ملائم")

    def fund_or_abandon(self):
        project = self.pick(self.projects(Status.APPROVED))
        if not project:
            return
        staff = self.staff(project.beneficiary.centre_id)
        if self.random.random() < 0.8:
            projects.project_fund(project=project, by=staff["national"])
        else:
            projects.project_abandon(project=project, by=staff["coordinator"], comment="انسحب")

    def hold_ceremony(self):
        """Today's ceremony of one centre, for its funded projects."""
        project = self.pick(self.projects(Status.FUNDED))
        if not project:
            return
        funded = list(
            self.projects(Status.FUNDED).filter(beneficiary__centre=project.beneficiary.centre_id)
        )
        staff = self.staff(project.beneficiary.centre_id)
        held_ceremony(funded, staff, conventions=[self.convention(project)])

    def equip_in_the_past(self):
        """A handover months ago, as a ceremony does it, so that outcomes come of age."""
        project = self.pick(self.projects(Status.FUNDED))
        if not project:
            return
        national = self.staff(project.beneficiary.centre_id)["national"]
        months = self.random.randint(1, 30)
        handover = projects.add_months(self.today, -months)
        money.disburse(project=project, amount=project.approved_total, by=national)
        projects.project_equip(project=project, by=national, handover_date=handover)

    def visit(self):
        visit = self.pick(
            FollowUpVisit.objects.filter(
                done_on__isnull=True,
                due_on__lte=self.today,
                project__status__in=(Status.EQUIPPED, Status.FOLLOW_UP),
            ).select_related("project__beneficiary")
        )
        if visit:
            coordinator = self.staff(visit.project.beneficiary.centre_id)["coordinator"]
            active = self.random.random() < 0.75
            record(visit, coordinator, active=active, reincarcerated=not active)

    def close(self):
        project = self.pick(self.projects(Status.FOLLOW_UP))
        if not project:
            return
        coordinator = self.staff(project.beneficiary.centre_id)["coordinator"]
        failed = self.random.random() < 0.4
        projects.project_close(
            project=project,
            by=coordinator,
            outcome=LifeProject.Outcome.FAILED if failed else LifeProject.Outcome.ACTIVE,
            exit_reason=(
                LifeProject.ExitReason.BUSINESS_FAILED
                if failed
                else self.random.choice(
                    (LifeProject.ExitReason.COMPLETED, LifeProject.ExitReason.MOVED_AWAY)
                )
            ),
            reason="",
        )

    def transfer(self):
        person = self.pick(Beneficiary.objects.filter(archived_at__isnull=True))
        if not person:
            return
        to = self.pick(
            Centre.objects.filter(pk__in=[c.pk for c in self.network.centres.values()]).exclude(
                pk=person.centre_id
            )
        )
        asked = transfers.transfer_request(
            beneficiary=person,
            to_centre=to,
            reason="انتقل",
            by=self.staff(person.centre_id)["coordinator"],
        )
        transfers.transfer_accept(transfer=asked, by=self.staff(to.pk)["coordinator"])

    def place(self):
        person = self.pick(Beneficiary.objects.filter(archived_at__isnull=True))
        if not person:
            return
        coordinator = self.staff(person.centre_id)["coordinator"]
        started = self.today - datetime.timedelta(days=self.random.randint(10, 500))
        placement = placements.placement_create(
            beneficiary=person,
            employer="مقاولة",
            job="عامل",
            started_on=started,
            monthly_pay=None,
            by=coordinator,
        )
        checked = started + datetime.timedelta(days=self.random.randint(150, 400))
        if checked <= self.today:
            placements.placement_check(
                placement=placement,
                checked_on=checked,
                answer=placements.Answer(employed=self.random.random() < 0.6),
                by=coordinator,
            )

    def assess(self):
        """A needs assessment, at intake or before release, some months ago or today: the person's
        latest one is what counts."""
        person = self.pick(Beneficiary.objects.filter(archived_at__isnull=True))
        if person:
            assess(
                person,
                self.staff(person.centre_id)["coordinator"],
                pick=self.random.choice(("first", "last")),
                on=self.today - datetime.timedelta(days=self.random.randint(0, 400)),
                occasion=self.random.choice(("intake", "before_release")),
            )

    def archive(self):
        person = self.pick(Beneficiary.objects.filter(archived_at__isnull=True))
        if person:
            people_services.beneficiary_archive(
                beneficiary=person, by=self.staff(person.centre_id)["coordinator"], reason="رحل"
            )

    STEPS = (
        "open_file",
        "assess",
        "assess",
        "archive",
        "start_project",
        "submit",
        "decide",
        "fund_or_abandon",
        "hold_ceremony",
        "equip_in_the_past",
        "visit",
        "close",
        "transfer",
        "place",
    )

    def step(self) -> str:
        name = self.random.choice(self.STEPS)
        # A random choice the services refuse (a transfer of a file on a planned ceremony, a
        # budget that needs headquarters) changes nothing.
        with contextlib.suppress(Refused):
            getattr(self, name)()
        return name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_figures_agree_with_live_ones_after_random_changes(
    world, seed, django_capture_on_commit_callbacks
):
    network, readers = world
    populate(network)
    story = Story(network, seed)
    assert_agree(readers)  # the first read computes every centre's row
    # Checked after every step, a change that failed to make its centre stale shows before
    # another change can hide it. A change adds or removes figures, which the national total
    # (every centre's row) shows; a transfer moves them from one centre to another, which
    # only the two centres' own rows, read alone by their coordinators, show. Every tenth
    # step, every reader.
    national = readers[0]
    coordinators = [network.staff[code]["coordinator"] for code in ("TNG", "TET", "CAS")]
    done = []
    for number in range(1, 31):
        with django_capture_on_commit_callbacks(execute=True):
            done.append(story.step())
        if number % 10 == 0:
            assert_agree(readers)
        else:
            assert_agree(coordinators if done[-1] == "transfer" else [national])
    # The sequence went through most kinds of change, needs assessments among them.
    assert len(set(done)) >= 8, done
    assert "assess" in done, done


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


def test_territories_merge_the_centres_within_them(world):
    network, readers = world
    populate(network)
    national = readers[0]
    tanger = network.centres["TNG"]
    for territory in (tanger, tanger.province, tanger.province.region, network.centres["CAS"]):
        assert summary.covers(Filters(territory=territory))
        assert_agree([national], Filters(territory=territory))
    assert not summary.covers(Filters(track=ProgrammeTrack.objects.first()))


def test_a_row_of_another_day_is_recomputed(world):
    network, readers = world
    populate(network)
    national = readers[0]
    kept(national)
    # Yesterday's rows: their visits due and outcomes old enough counted from yesterday.
    CentreFigures.objects.update(computed_for=timezone.localdate() - datetime.timedelta(1))
    CentreFigures.objects.update(parts={})
    assert_agree([national])
    assert set(CentreFigures.objects.values_list("computed_for", flat=True)) == {
        timezone.localdate()
    }


def test_a_row_of_an_older_layout_is_recomputed(world):
    """Rows computed before the parts held the needs by domain are computed again."""
    network, readers = world
    populate(network)
    coordinator = network.staff["TNG"]["coordinator"]
    person = Beneficiary.objects.filter(centre=network.centres["TNG"]).first()
    assess(person, coordinator, pick="last")
    kept(coordinator)
    CentreFigures.objects.update(computed_layout=summary.LAYOUT - 1, parts={})
    assert_agree(readers)
    assert kept(coordinator)["needs"][0].red == 1
    assert set(CentreFigures.objects.values_list("computed_layout", flat=True)) == {summary.LAYOUT}


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


def without_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def needs_cells(response) -> str:
    html = response.content.decode()
    start = html.index('id="needs-by-domain"')
    return html[start : html.index("</section>", start)]


def test_the_kept_page_is_the_page_rendered_afresh(client, world, settings):
    """Read from the cache, the page (figures, filters and needs) is the one rendered for it."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    network, readers = world
    populate(network)
    for reader in readers[:3]:
        client.force_login(reader)
        rendered = client.get("/")
        assert rendered.context["page"].html is None
        reused = client.get("/")
        assert reused.context["page"].html is not None
        assert without_token(reused) == without_token(rendered)


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


def test_the_nightly_rebuild_repairs_drift(world):
    network, readers = world
    populate(network)
    national = readers[0]
    kept(national)
    # A change whose version bump was lost (the process stopped between commit and bump).
    CentreFigures.objects.update(parts={"registered": 999})
    assert kept(national)["people"]["registered"] == 999 * Centre.objects.count()
    assert summary.rebuild() == Centre.objects.count()
    assert_agree(readers)


def test_a_user_without_a_dashboard_counts_nothing(world):
    network, readers = world
    populate(network)
    gone = UserFactory(national=True, is_active=False)
    assert not summary.centres_of(gone, Filters()).exists()
    assert kept(gone)["people"]["registered"] == 0
    assert kept(readers[0])["people"]["registered"] > 0


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
