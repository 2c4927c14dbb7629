"""The home page's dashboard: every figure, for every role, compared with counts made here in
plain Python over the objects the factories created (never with the same queries)."""

import datetime
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from beneficiaries.models import Beneficiary, ProgrammeTrack
from ceremonies.tests import outcome_counts
from dashboard.forms import DashboardFilterForm
from dashboard.selectors import (
    TABLE_KEYS,
    Filters,
    build_dashboard,
    dashboard_scope,
)
from dashboard.tests.factories import make_network, populate
from partners.models import Convention, LedgerMovement
from projects.models import Decision, FollowUpVisit, Sector, Status
from reintegration.models import Region, User
from reintegration.tests import following
from reintegration.tests.protection import unprotected
from reintegration.tests.worlds import (
    built_once,
    make_centre,
    make_convention,
    make_elsewhere,
    make_users,
)

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "regional", "official", "national", "auditor", "casablanca")
WAITING = (Status.SUBMITTED, Status.AWAITING_NATIONAL)
APPROVED = (Status.APPROVED, Status.FUNDED, Status.EQUIPPED, Status.FOLLOW_UP, Status.CLOSED)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The network, its staff and conventions, built once for the module (see worlds.py)."""

    def build():
        centre = make_centre()
        users = make_users(centre)
        return populate(make_network(users, make_elsewhere(), make_convention(centre)))

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def network(world, db):
    """This test's own copy of the module's network, read from the database."""
    return world.fresh()


# The shared fixtures of conftest.py, taken from the module's network instead of built again.


@pytest.fixture
def centre(network):
    return network.centres["TNG"]


@pytest.fixture
def users(network):
    return dict(network.staff["TNG"])


@pytest.fixture
def elsewhere(network):
    staff = network.staff["CAS"]
    return {
        "centre": network.centres["CAS"],
        "coordinator": staff["coordinator"],
        "regional": staff["regional"],
    }


@pytest.fixture
def convention(network):
    return network.conventions["TNG"]


@pytest.fixture
def staff(users, elsewhere):
    return {**users, "casablanca": elsewhere["coordinator"]}


def tracks():
    return {t.pk: t for t in ProgrammeTrack.objects.all()}


# --- The figures as a person would count them, one object at a time ------------------------


def in_scope(user, centre) -> bool:
    if user.role == "coordinator":
        return centre.pk == user.centre_id
    if user.role == "regional":
        return centre.province.region_id == user.region_id
    if user.role == "official":
        return centre.province_id == user.province_id
    return True


def local_day(moment):
    return timezone.localtime(moment).date()


def quarter_of(day):
    return (day.year, (day.month - 1) // 3 + 1)


def count_by_hand(network, user, today, *, start=None, end=None, keep=lambda person: True):
    """``keep`` narrows people (and so their projects) like the track, sector or territory."""

    def within(day):
        return day is not None and (start is None or day >= start) and (end is None or day <= end)

    people = [p for p in network.people if in_scope(user, p.centre) and keep(p)]
    projects = [p for p in network.projects if p.beneficiary in people]
    registered = [p for p in people if within(local_day(p.created_at))]

    def approved_on(project):
        days = [
            local_day(d.created_at) for d in project.decisions.all() if d.to_status == "approved"
        ]
        return days[-1] if days else None

    approved = [
        p
        for p in projects
        if p.status in APPROVED and p.outcome != "abandoned" and within(approved_on(p))
    ]
    ids = {p.pk for p in projects}
    movements = [
        m
        for m in LedgerMovement.objects.all()
        if m.project_id in ids and within(local_day(m.created_at))
    ]
    visits = [v for v in FollowUpVisit.objects.all() if v.project_id in ids]
    project_of = {p.pk: p for p in projects}
    pending = [
        v
        for v in visits
        if v.done_on is None and project_of[v.project_id].status in ("equipped", "follow_up")
    ]
    handed_over = [p for p in projects if within(p.handover_date)]
    survival = {}
    for months in (6, 12, 24):
        _eligible, active, stopped = outcome_counts.business_counts(handed_over, today, months)
        survival[months] = (active + stopped, active)
    reincarceration = {
        months: outcome_counts.reincarceration_counts(handed_over, today, months)
        for months in (12, 24)
    }
    exits = Counter(p.exit_reason or None for p in projects if p.status == "closed")
    cohorts = {}
    for project in handed_over:
        size, back = cohorts.get(quarter_of(project.handover_date), (0, 0))
        reincarcerated = any(
            v.reincarcerated_on and v.reincarcerated_on >= project.handover_date
            for v in visits
            if v.project_id == project.pk
        )
        cohorts[quarter_of(project.handover_date)] = (size + 1, back + reincarcerated)
    per_track = {}
    for project in approved:
        people_of_track, total = per_track.get(project.beneficiary.track_id, (set(), Decimal(0)))
        per_track[project.beneficiary.track_id] = (
            people_of_track | {project.beneficiary_id},
            total + project.approved_total,
        )
    submitted = [p for p in projects if p.status != "draft" and within(local_day(p.submitted_at))]
    waiting = [p for p in projects if p.status in WAITING]
    return {
        "registered": len(registered),
        "women": sum(1 for p in registered if p.sex == "F"),
        "with_consent": sum(
            1 for p in registered if any(c.withdrawn_on is None for c in p.consents.all())
        ),
        "stages": Counter(p.status for p in registered),
        "statuses": Counter(p.status for p in projects if within(local_day(p.created_at))),
        "waiting": len(waiting),
        "longest_wait_days": max(
            ((timezone.now() - p.submitted_at).days for p in waiting), default=None
        ),
        "approved": len(approved),
        "approved_amount": sum((p.approved_total for p in approved), Decimal("0.00")),
        "requested_amount": sum((p.requested_total for p in submitted), Decimal("0.00")),
        "equipped": sum(1 for p in projects if within(p.handover_date)),
        "committed": sum(m.amount for m in movements if m.kind == "commit")
        - sum(m.amount for m in movements if m.kind == "release"),
        "disbursed": sum((m.amount for m in movements if m.kind == "disburse"), Decimal(0)),
        "due": sum(1 for v in pending if today <= v.due_on <= today + datetime.timedelta(30)),
        "overdue": sum(1 for v in pending if v.due_on < today),
        "survival": survival,
        "reincarceration": reincarceration,
        "exits": exits,
        "cohorts": cohorts,
        "per_track": {
            track: (len(who), total, (total / len(who)).quantize(Decimal("0.01")))
            for track, (who, total) in per_track.items()
        },
    }


def figures_of(dashboard):
    """The dashboard's figures in the shape of ``count_by_hand``."""
    people, projects, money, outcomes = (
        dashboard.people,
        dashboard.projects,
        dashboard.money,
        dashboard.outcomes,
    )
    return {
        "registered": people["registered"],
        "women": people["women"],
        "with_consent": people["with_consent"],
        "stages": Counter({stage.value: n for stage, n in people["stages"] if n}),
        "statuses": Counter({status.value: n for status, n in projects["statuses"] if n}),
        "waiting": projects["waiting"],
        "longest_wait_days": projects["longest_wait_days"],
        "approved": projects["approved"],
        "approved_amount": money["approved"],
        "requested_amount": money["requested"],
        "equipped": projects["equipped"],
        "committed": money["committed"],
        "disbursed": money["disbursed"],
        "due": outcomes["due"],
        "overdue": outcomes["overdue"],
        "survival": {row["months"]: (row["done"], row["active"]) for row in outcomes["survival"]},
        "reincarceration": {
            row["months"]: (row["eligible"], row["reincarcerated"])
            for row in outcomes["reincarceration"]
        },
        "exits": Counter({reason or None: n for reason, n in outcomes["exits"] if n}),
        "cohorts": {
            (row.year, row.quarter): (row.size, row.reincarcerated_ever)
            for row in outcomes["cohorts"]
        },
        "per_track": {
            row["beneficiary__track"]: (row["people"], row["total"], row["average"])
            for row in money["tracks"]
        },
    }


# --- Each role, its own scope --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_figures_of_its_own_scope(network, staff, role):
    user = staff[role]
    today = timezone.localdate()
    expected = count_by_hand(network, user, today)
    assert figures_of(build_dashboard(user, Filters(), tracks=tracks())) == expected
    # The network really tells the scopes apart.
    assert (
        expected["registered"]
        == {
            "coordinator": 10,
            "regional": 15,
            "official": 10,
            "national": 20,
            "auditor": 20,
            "casablanca": 5,
        }[role]
    )


def test_the_test_network_exercises_every_figure(network, users):
    expected = count_by_hand(network, users["national"], timezone.localdate())
    assert expected["waiting"] and expected["due"] and expected["overdue"]
    assert expected["disbursed"] and expected["committed"] < expected["approved_amount"] + 1
    assert expected["survival"][6] == (4, 2) and expected["survival"][12] == (2, 0)
    assert sum(back for _size, back in expected["cohorts"].values()) == 2
    assert len(expected["per_track"]) == 2


def test_each_role_sees_only_the_conventions_of_its_territory(network, staff):
    def references(role):
        rows = build_dashboard(staff[role], Filters(), tracks=tracks()).money["conventions"]
        return [row["reference"] for row in rows]

    assert references("coordinator") == ["CPDH-TNG-TEST"]
    assert references("official") == ["CPDH-TNG-TEST"]
    assert references("casablanca") == ["CPDH-CAS-TEST"]
    assert references("national") == ["CPDH-CAS-TEST", "CPDH-TNG-TEST"]
    tanger = build_dashboard(staff["national"], Filters(), tracks=tracks()).money["conventions"][1]
    # The convention's own ledger: what its projects committed, less what was released.
    charged = sum(
        a.amount
        for p in network.projects
        for a in p.allocations.all()
        if a.convention.reference == "CPDH-TNG-TEST" and a.released_at is None
    )
    assert (tanger["envelope"], tanger["committed"]) == (Decimal("10000000.00"), charged)
    assert tanger["consumed"] == charged / Decimal("10000000.00")


def test_staff_aggregate_exactly_what_they_may_read(network, staff):
    for role in ("coordinator", "regional", "national", "auditor"):
        user = staff[role]
        assert set(dashboard_scope(user, Beneficiary)) == set(Beneficiary.objects.visible_to(user))


def test_officials_aggregate_their_province_but_may_read_no_file(network, users):
    official = users["official"]
    assert not Beneficiary.objects.visible_to(official).exists()
    counted = set(dashboard_scope(official, Beneficiary))
    assert counted == {p for p in network.people if p.centre.province_id == official.province_id}


def test_an_official_reads_province_figures_and_never_a_name_or_file_number(client, network, users):
    client.force_login(users["official"])
    html = client.get("/").content.decode()
    registered = re.search(r'id="kpi-registered".*?kpi-value">([^<]*)<', html, re.S).group(1)
    assert registered.strip() == "10"
    for person in network.people:
        assert person.file_number not in html
        for name in (person.last_name_latin, person.first_name_latin, person.first_name_ar):
            assert name not in html
    # Tétouan is in the region but not in the official's province.
    assert "مركز TET" not in html and "مركز TNG" in html
    workbook = load_workbook(io.BytesIO(client.get("/dashboard/all.xlsx").content))
    cells = {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row}
    assert cells.isdisjoint(p.file_number for p in network.people)
    assert not any("Benani" in cell for cell in cells)


# --- Filters -------------------------------------------------------------------------------


def test_the_period_counts_each_event_on_its_own_date(network, users):
    national = users["national"]
    today = timezone.localdate()
    long_ago = timezone.now() - datetime.timedelta(days=400)
    # Three files opened last year; one approval decided last year.
    old = [p.pk for p in network.people[:3]]
    Beneficiary.objects.filter(pk__in=old).update(created_at=long_ago)
    approved = next(p for p in network.projects if p.status == "funded")
    # Decisions are never rewritten (the database refuses): this one is made a year old here.
    with unprotected("projects.migrations.0010_protect_decisions"):
        Decision.objects.filter(project=approved, to_status="approved").update(created_at=long_ago)
    network.refresh()
    start, end = today - datetime.timedelta(days=100), today
    expected = count_by_hand(network, national, today, start=start, end=end)
    filters = Filters(date_from=start, date_to=end)
    assert figures_of(build_dashboard(national, filters, tracks=tracks())) == expected
    assert expected["registered"] == 17
    # Only the "recent" handovers (80 days ago) fall in the period.
    assert expected["equipped"] == 2 and expected["survival"] == {6: (0, 0), 12: (0, 0), 24: (0, 0)}
    assert expected["approved"] == count_by_hand(network, national, today)["approved"] - 1


def test_track_sector_and_territory_narrow_every_figure(network, users):
    national, regional = users["national"], users["regional"]
    today = timezone.localdate()
    moussalaha = ProgrammeTrack.objects.get(code="moussalaha")
    industry = Sector.objects.get(code="industry")
    tetouan = network.centres["TET"]
    cases = [
        (national, Filters(track=moussalaha), lambda p: p.track_id == moussalaha.pk),
        (
            national,
            Filters(sector=industry),
            lambda p: any(pr.trade.sector_id == industry.pk for pr in p.projects.all()),
        ),
        (regional, Filters(territory=tetouan), lambda p: p.centre_id == tetouan.pk),
        (
            national,
            Filters(territory=Region.objects.get(code="06")),
            lambda p: p.centre.province.region.code == "06",
        ),
    ]
    for user, filters, keep in cases:
        expected = count_by_hand(network, user, today, keep=keep)
        assert expected["registered"]
        assert figures_of(build_dashboard(user, filters, tracks=tracks())) == expected, filters


def test_the_form_offers_only_territories_within_the_scope(network, users, staff):
    form = DashboardFilterForm(user=users["regional"])
    offered = [
        value for _group, choices in form.fields["territory"].choices[1:] for value, _n in choices
    ]
    places = {form.territories[value].name_fr for value in offered}
    assert places == {"Tanger-Assilah", "Tétouan", "CAR TNG", "CAR Tétouan"}
    official = DashboardFilterForm(user=users["official"])
    assert [str(p) for p in official.territories.values()] and all(
        place.code == "TNG" for place in official.territories.values()
    )
    assert "territory" not in DashboardFilterForm(user=users["coordinator"]).fields
    # Casablanca exists, but is not the regional's to choose: refused, and nothing filtered.
    outsider = f"centre-{network.centres['CAS'].pk}"
    form = DashboardFilterForm({"territory": outsider}, user=users["regional"])
    assert not form.is_valid() and form.filters() == Filters()


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(client, users):
    User.objects.filter(pk=users["national"].pk).update(language="en")
    client.force_login(users["national"])
    html = client.get("/?date_from=2026-03-01&date_to=2026-01-31").content.decode()
    assert "The end of the period comes before its start." in html


# --- Page, exports, cost -------------------------------------------------------------------


def test_the_page_shows_the_figures_charts_and_their_tables(client, network, users):
    User.objects.filter(pk=users["regional"].pk).update(language="fr")
    client.force_login(users["regional"])
    response = client.get("/")
    html = response.content.decode()
    expected = count_by_hand(network, users["regional"], timezone.localdate())
    assert re.search(r'id="kpi-waiting".*?kpi-value">\s*(\d+)', html, re.S).group(1) == str(
        expected["waiting"]
    )
    charts = {chart["key"] for chart in response.context["dashboard"].charts}
    assert charts == {
        "stages",
        "statuses",
        "waiting",
        "money",
        "conventions",
        "tracks",
        "survival",
        "reincarceration",
        "employment",
        "exits",
        "cohort_business",
        "cohorts",
    }
    # The cohorts are curves: one line per handover quarter across the months since the
    # handover, each named with its size, and a milestone the cohort has not reached leaves
    # its line short (None), never at zero.
    curves = {chart["key"]: chart for chart in response.context["dashboard"].charts}
    business = curves["cohort_business"]
    assert business["lines"] is True
    assert len(business["labels"]) == 3 and "12" in business["labels"][1]
    table = response.context["dashboard"].table("cohort_business")
    assert [d["label"] for d in business["datasets"]] == [str(row[0]) for row in table.chart_rows]
    for dataset, row in zip(business["datasets"], table.rows, strict=True):
        for drawn_value, cell in zip(dataset["data"], row[2:], strict=True):
            if isinstance(cell, Decimal):
                assert drawn_value == (cell * 100).quantize(Decimal("0.1"))
            else:  # "too young", or not known yet: no point on the curve
                assert drawn_value is None
    # A chart with nothing but zeros shows its table open instead of empty axes.
    drawn = [t for t in response.context["dashboard"].tables if t.chart and not t.is_empty]
    assert html.count('data-chart="') == len(drawn)
    assert html.count('<details class="chart-table') == len(charts)
    # Amounts the Moroccan way, in the table behind the money chart.
    approved = expected["approved_amount"]
    assert f"{approved:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") in html
    assert 'id="dashboard-charts"' in html


def test_the_page_costs_the_same_queries_for_three_times_the_data(client, network, users):
    client.force_login(users["national"])

    def queries():
        # Nothing from the cache: the cost per sustained outcome is computed each time too.
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        # The rendered fragment's cache is the database cache by default: its reads and writes
        # are the cache's, not the figures'.
        return len(
            [q for q in captured if "cache_table" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
        )

    queries()  # the first request of a session also writes the session
    once = queries()
    populate(network)
    populate(network)
    assert queries() == once
    # The session and the user; the kept figures (dashboard/tests/test_summary.py: the centres'
    # rows, the waiting projects, the conventions), then, the page not being in the cache, the
    # rows' parts and the cost per sustained outcome computed live; headquarters' today
    # panel (one per block, three blocks, computed live: dashboard/tests/test_today.py), the
    # summary's job, the filters' tracks, sectors and centres, and the top bar's unread
    # notifications.
    assert once == 15, once
    # Once the page is in the cache, neither its figures nor the filters' options are read: the
    # page and the cost per sustained outcome come in one read of the cache.
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    kept = [q for q in captured if "SAVEPOINT" not in q["sql"]]
    assert len(kept) == 11, [q["sql"][:80] for q in kept]


def test_each_table_downloads_as_a_workbook_with_the_same_numbers(client, network, users):
    national = users["national"]
    User.objects.filter(pk=national.pk).update(language="fr")
    client.force_login(national)
    expected = count_by_hand(network, national, timezone.localdate())
    money = load_workbook(io.BytesIO(client.get("/dashboard/money.xlsx").content))
    assert money.sheetnames[-1] == "Filtres" or len(money.sheetnames) == 2
    values = [row[1] for row in money.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in values] == [
        expected["requested_amount"],
        expected["approved_amount"],
        expected["committed"],
        expected["disbursed"],
    ]
    everything = load_workbook(io.BytesIO(client.get("/dashboard/all.xlsx").content))
    assert len(everything.sheetnames) == len(TABLE_KEYS) + 1
    cohorts = everything.worksheets[TABLE_KEYS.index("cohorts")]
    sizes = [row[1] for row in cohorts.iter_rows(min_row=2, values_only=True)]
    assert sizes == [size for _q, (size, _b) in sorted(expected["cohorts"].items())]
    # The filters of the page apply to the file.
    tetouan = network.centres["TET"]
    filtered = client.get(f"/dashboard/people.xlsx?territory=centre-{tetouan.pk}").content
    people = load_workbook(io.BytesIO(filtered)).worksheets[0]
    assert people["B2"].value == 5
    assert client.get("/dashboard/nothing.xlsx").status_code == 404


def test_the_pdf_summary_is_in_arabic_then_french(client, network, users, run_jobs):
    client.force_login(users["national"])
    assert client.post(reverse("dashboard_pdf")).status_code == 302
    run_jobs()
    pdf = following.downloaded(client, following.started_by(users["national"]))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    middle = len(pages) // 2
    arabic, french = "".join(pages[:middle]), "".join(pages[middle:])
    for language, text in (("ar", arabic), ("fr", french)):
        with translation.override(language):
            heading = translation.gettext("Dashboard summary")
            registered = translation.gettext("Registered")
        assert heading in text and registered in text, language
    assert "درهم" in arabic and not re.search(r"\d DH", arabic)
    assert "DH" in french and "درهم" not in french
    approved = count_by_hand(network, users["national"], timezone.localdate())["approved_amount"]
    moroccan = f"{approved:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert moroccan in arabic and moroccan in french


def test_every_table_has_a_key_the_export_knows(network, users):
    dashboard = build_dashboard(users["national"], Filters(), tracks=tracks())
    assert tuple(table.key for table in dashboard.tables) == TABLE_KEYS


def test_conventions_filtered_by_territory(network, users):
    national = users["national"]
    region = Region.objects.get(code="06")
    rows = build_dashboard(national, Filters(territory=region), tracks=tracks()).money[
        "conventions"
    ]
    assert [row["reference"] for row in rows] == ["CPDH-CAS-TEST"]
    assert Convention.objects.count() == 2
