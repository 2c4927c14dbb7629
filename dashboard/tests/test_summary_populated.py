"""The figures kept per centre (dashboard/summary.py) of a populated network: the same as the
figures computed live after random sequences of real service calls, for every scope, and
computed again when a row is of another day, of an older layout or drifted.

The network and its people are built once for the module (reintegration/tests/worlds.py);
each test reads its own copy and changes it as it likes. The tests of an empty network, and of
what a read costs as the files grow, are in test_summary.py."""

from __future__ import annotations

import contextlib
import datetime
import random
import re

import pytest
from django.utils import timezone

from beneficiaries import services as people_services
from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory, consent_text
from beneficiaries.tests.test_needs import record as assess
from casework import transfers
from ceremonies.tests.factories import held_ceremony
from dashboard import summary
from dashboard.models import CentreFigures
from dashboard.selectors import Filters
from dashboard.tests.factories import populate, record
from dashboard.tests.test_summary import assert_agree, kept, network_and_readers
from partners import services as money
from projects import placements
from projects import services as projects
from projects.models import FollowUpVisit, LifeProject, Status, Trade
from projects.tests.factories import make_project
from reintegration.models import Centre, User
from reintegration.refusals import Refused
from reintegration.tests.factories import UserFactory
from reintegration.tests.worlds import built_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def populated(django_db_setup, django_db_blocker, tmp_path_factory):
    """The network with every story told (``populate``) and its readers, built once."""

    def build():
        network, readers = network_and_readers()
        populate(network)
        return network, [reader.pk for reader in readers]

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def world(populated, db):
    """This test's own copy of the module's network, and its readers, read from the database."""
    network, readers = populated
    found = User.objects.in_bulk(readers)
    return network.fresh(), [found[pk] for pk in readers]


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


def test_territories_merge_the_centres_within_them(world):
    network, readers = world
    national = readers[0]
    tanger = network.centres["TNG"]
    for territory in (tanger, tanger.province, tanger.province.region, network.centres["CAS"]):
        assert summary.covers(Filters(territory=territory))
        assert_agree([national], Filters(territory=territory))
    assert not summary.covers(Filters(track=ProgrammeTrack.objects.first()))


def test_a_row_of_another_day_is_recomputed(world):
    _network, readers = world
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
    coordinator = network.staff["TNG"]["coordinator"]
    person = Beneficiary.objects.filter(centre=network.centres["TNG"]).first()
    assess(person, coordinator, pick="last")
    kept(coordinator)
    CentreFigures.objects.update(computed_layout=summary.LAYOUT - 1, parts={})
    assert_agree(readers)
    assert kept(coordinator)["needs"][0].red == 1
    assert set(CentreFigures.objects.values_list("computed_layout", flat=True)) == {summary.LAYOUT}


def without_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_kept_page_is_the_page_rendered_afresh(client, world, settings):
    """Read from the cache, the page (figures, filters and needs) is the one rendered for it."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    _network, readers = world
    for reader in readers[:3]:
        client.force_login(reader)
        rendered = client.get("/")
        assert rendered.context["page"].html is None
        reused = client.get("/")
        assert reused.context["page"].html is not None
        assert without_token(reused) == without_token(rendered)


def test_the_nightly_rebuild_repairs_drift(world):
    _network, readers = world
    national = readers[0]
    kept(national)
    # A change whose version bump was lost (the process stopped between commit and bump).
    CentreFigures.objects.update(parts={"registered": 999})
    assert kept(national)["people"]["registered"] == 999 * Centre.objects.count()
    assert summary.rebuild() == Centre.objects.count()
    assert_agree(readers)


def test_a_user_without_a_dashboard_counts_nothing(world):
    _network, readers = world
    gone = UserFactory(national=True, is_active=False)
    assert not summary.centres_of(gone, Filters()).exists()
    assert kept(gone)["people"]["registered"] == 0
    assert kept(readers[0])["people"]["registered"] > 0
