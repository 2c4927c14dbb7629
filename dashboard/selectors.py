"""The figures of each role's home page: people, projects, money and outcomes within the user's
scope, for the chosen filters.

Every figure is a database aggregate (``aggregate()`` or ``values().annotate()``), one query per
block, so the page costs the same number of queries for ten files or a hundred thousand. No
function here returns rows about a person or a project: the results are counts and sums, which
is what lets provincial officials, who may never open a file, have a dashboard too.

What the filters select (``Filters``):

- **period** (``date_from``/``date_to``, inclusive, local dates) applies to the date of the event
  each figure counts: people by the day their file was opened; projects by status by the day the
  project was opened; money requested by the (last) submission date; approvals by the date of
  the final approval decision; equipment by the handover date; committed and disbursed money by
  the date of the ledger movement; outcomes (business active, re-incarceration, cohorts) by
  the handover date; employment by the start of the placement; closures by the date of the
  closing decision. Two figures describe today and ignore the period: projects waiting for
  approval, and follow-up visits due or overdue.
- **track**: the person's programme track.
- **sector**: the project's trade sector; people figures then count only people who have a
  project in that sector.
- **territory**: a region, prefecture/province or centre within the user's scope (the person's
  centre decides).

Every outcome is computed by ``ceremonies.outcomes`` (definitions: docs/outcomes.md); this
module only chooses the projects, placements and conventions of the reader's scope and filters.

The conventions table lists the conventions the user may read (within the chosen territory);
their envelope, committed and disbursed amounts are the conventions' own ledger totals, which no
period, track or sector changes.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from beneficiaries.assessments import DomainCounts
from beneficiaries.models import Beneficiary, Consent, ProgrammeTrack
from ceremonies import outcomes as measured
from dashboard import summary
from partners.models import Convention, LedgerMovement
from projects.models import (
    Decision,
    FollowUpVisit,
    LifeProject,
    Placement,
    Sector,
    Status,
    Trade,
)
from reintegration.formatting import format_date
from reintegration.models import Centre, Province, Region, Role, User
from reintegration.permissions import has_role
from reintegration.scoping import ROLE_SCOPE

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Integer zero: the money columns hold centimes (reintegration/money.py), and a Decimal
# default would mix types in the COALESCE.
ZERO = 0
# Roles with a dashboard; each sees it within its own scope (ARCHITECTURE.md, role table).
DASHBOARD_ROLES = (Role.COORDINATOR, Role.REGIONAL, Role.OFFICIAL, Role.NATIONAL, Role.AUDITOR)
WAITING = (Status.SUBMITTED, Status.AWAITING_NATIONAL)
# Approved and not gone back on since: a rejection after approval or an abandonment (closed
# with the outcome "abandoned") released the money, so those no longer count as approved.
APPROVED_ONWARD = (Status.APPROVED, Status.FUNDED, Status.EQUIPPED, Status.FOLLOW_UP, Status.CLOSED)
FOLLOWED = (Status.EQUIPPED, Status.FOLLOW_UP)
DUE_WITHIN_DAYS = 30
# Waiting for approval, in days since the (last) submission: [low, high) brackets.
WAITING_BRACKETS = (
    (0, 7, _("Less than a week")),
    (7, 28, _("1 to 4 weeks")),
    (28, None, _("More than 4 weeks")),
)


def can_view_dashboard(user: User | AnonymousUser) -> bool:
    return has_role(user, DASHBOARD_ROLES)


# --- Scope ---------------------------------------------------------------------------------

# Lookup prefix from each model to the person the figures are about.
PERSON_PATH = {
    Beneficiary: "",
    LifeProject: "beneficiary__",
    FollowUpVisit: "project__beneficiary__",
    LedgerMovement: "project__beneficiary__",
    Placement: "beneficiary__",
}
PROJECT_PATH = {LifeProject: "", FollowUpVisit: "project__", LedgerMovement: "project__"}


def scope_of(user: User) -> Centre | Region | Province | None:
    """The user's centre, region or province as an object, so each PDF page names it in its own
    language; None for the whole country."""
    field = ROLE_SCOPE.get(user.role)
    return getattr(user, field) if field else None


#: The rows of a model that a set of figures counts (``user_scope``, or one centre's).
Scope = Callable[[Any], QuerySet]


def user_scope(user: User) -> Scope:
    return lambda model: dashboard_scope(user, model)


def centre_scope(centre_id: int) -> Scope:
    """Every row of one centre's files: what ``dashboard.summary`` keeps per centre."""
    return lambda model: model.objects.filter(**{f"{PERSON_PATH[model]}centre": centre_id})


def dashboard_scope(user: User, model: Any) -> QuerySet:
    """The rows of ``model`` whose figures a user's dashboard may count, never to be listed.

    Everyone but officials gets exactly what ``visible_to`` gives them. Officials see no file
    or project (``visible_to`` returns nothing), yet their dashboard aggregates their province:
    this is the one place that grants that, for aggregates only.
    """
    if not can_view_dashboard(user):
        return model.objects.none()
    if user.role == Role.OFFICIAL:
        return model.objects.filter(**{f"{PERSON_PATH[model]}centre__province": user.province_id})
    if model is LedgerMovement:
        return LedgerMovement.objects.filter(
            project__in=dashboard_scope(user, LifeProject).values("pk")
        )
    return model.objects.visible_to(user)


# --- Filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    track: ProgrammeTrack | None = None
    sector: Sector | None = None
    territory: Region | Province | Centre | None = None

    def describe(self) -> list[tuple[Promise, object]]:
        """What was chosen, as (label, value) pairs rendered in the reader's language."""
        period: object = "—"
        if self.date_from or self.date_to:
            period = _Period(self.date_from, self.date_to, format_date)
        return [
            (_("Period"), period),
            (_("Programme track"), self.track or _All()),
            (_("Sector"), self.sector or _All()),
            (_("Territory"), self.territory or _All()),
        ]


class _All:
    def __str__(self) -> str:
        return gettext("All")


@dataclass(frozen=True)
class _Period:
    start: datetime.date | None
    end: datetime.date | None
    formatter: Callable[[datetime.date], str]

    def __str__(self) -> str:
        start = self.formatter(self.start) if self.start else "…"
        end = self.formatter(self.end) if self.end else "…"
        return f"{start} – {end}"


def in_territory(
    queryset: QuerySet, territory: Region | Province | Centre | None, centre: str
) -> QuerySet:
    """The rows within ``territory``; ``centre`` leads from the model to its centre ("pk" for
    the centres themselves)."""
    base = "" if centre == "pk" else f"{centre}__"
    if isinstance(territory, Region):
        return queryset.filter(**{f"{base}province__region": territory.pk})
    if isinstance(territory, Province):
        return queryset.filter(**{f"{base}province": territory.pk})
    if isinstance(territory, Centre):
        return queryset.filter(**{centre: territory.pk})
    return queryset


def _narrow(queryset: QuerySet, filters: Filters) -> QuerySet:
    """Track, sector and territory; the period depends on the figure (see ``_period``)."""
    model = queryset.model
    person = PERSON_PATH[model]
    if filters.track:
        queryset = queryset.filter(**{f"{person}track": filters.track.pk})
    queryset = in_territory(queryset, filters.territory, f"{person}centre")
    if filters.sector:
        if model in (Beneficiary, Placement):
            queryset = queryset.filter(
                **{
                    f"{person}pk__in": LifeProject.objects.filter(
                        trade__sector=filters.sector.pk
                    ).values("beneficiary")
                }
            )
        else:
            # An IN over the sector's trades, not a join: PostgreSQL then filters the scope's
            # projects in one pass instead of scanning them once per trade.
            trades = Trade.objects.filter(sector=filters.sector.pk).values("pk")
            queryset = queryset.filter(**{f"{PROJECT_PATH[model]}trade__in": trades})
    return queryset


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(filters: Filters, lookup: str, *, is_date: bool = False) -> Q:
    """The period as a condition on one date or datetime field (bounds in local time, so that
    an index on the field stays usable, unlike ``__date``)."""
    condition = Q()
    if filters.date_from:
        start = filters.date_from if is_date else _start_of(filters.date_from)
        condition &= Q(**{f"{lookup}__gte": start})
    if filters.date_to:
        if is_date:
            condition &= Q(**{f"{lookup}__lte": filters.date_to})
        else:
            condition &= Q(**{f"{lookup}__lt": _start_of(filters.date_to + datetime.timedelta(1))})
    return condition


def _approved(filters: Filters) -> Q:
    condition = Q(status__in=APPROVED_ONWARD) & ~Q(outcome=LifeProject.Outcome.ABANDONED)
    if filters.date_from or filters.date_to:
        approvals = Decision.objects.filter(
            _period(filters, "created_at"), to_status=Status.APPROVED
        )
        condition &= Q(pk__in=approvals.values("project"))
    return condition


def _share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)) if whole else None


# --- Figures (one query per block) ---------------------------------------------------------


def people_figures(scope: Scope, filters: Filters) -> dict:
    people = _narrow(scope(Beneficiary), filters).filter(_period(filters, "created_at"))
    consented = Q(pk__in=Consent.objects.filter(withdrawn_on=None).values("beneficiary"))
    figures = people.aggregate(
        registered=Count("pk"),
        with_consent=Count("pk", filter=consented),
        women=Count("pk", filter=Q(sex=Beneficiary.Sex.FEMALE)),
        **{
            f"stage_{stage}": Count("pk", filter=Q(status=stage))
            for stage in Beneficiary.Status.values
        },
    )
    figures["women_share"] = _share(figures["women"], figures["registered"])
    figures["stages"] = [
        (stage, figures.pop(f"stage_{stage.value}")) for stage in Beneficiary.Status
    ]
    return figures


def _waiting_counts(now: datetime.datetime, *, waiting_only: bool = False) -> dict[str, Any]:
    """The projects waiting for approval, as of ``now``: aggregate expressions. With
    ``waiting_only``, over rows already restricted to the waiting projects (fewer conditions
    to build and to evaluate, the same counts)."""
    waiting = Q() if waiting_only else Q(status__in=WAITING)
    counts: dict[str, Any] = {
        "waiting": Count("pk", filter=waiting),
        "oldest_submission": Min("submitted_at", filter=waiting),
    }
    for index, (low, high, _label) in enumerate(WAITING_BRACKETS):
        condition = waiting & Q(submitted_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            condition &= Q(submitted_at__gt=now - datetime.timedelta(days=high))
        counts[f"waiting_{index}"] = Count("pk", filter=condition)
    return counts


def _waiting_found(figures: dict, now: datetime.datetime) -> None:
    """``_waiting_counts``' results, in the figures' shape (in place)."""
    oldest = figures.pop("oldest_submission")
    figures["longest_wait_days"] = (now - oldest).days if oldest else None
    figures["waiting_brackets"] = [
        (label, figures.pop(f"waiting_{index}"))
        for index, (_low, _high, label) in enumerate(WAITING_BRACKETS)
    ]


def waiting_figures(scope: Scope, now: datetime.datetime) -> dict:
    """The waiting projects alone (their partial index makes it cheap): they depend on the
    hour, so the pre-aggregated figures (``dashboard.summary``) leave them to this query."""
    figures = (
        scope(LifeProject)
        .filter(status__in=WAITING)
        .aggregate(**_waiting_counts(now, waiting_only=True))
    )
    _waiting_found(figures, now)
    return figures


def project_figures(scope: Scope, filters: Filters, now: datetime.datetime) -> dict:
    projects = _narrow(scope(LifeProject), filters)
    opened = _period(filters, "created_at")
    approved = _approved(filters)
    figures = projects.aggregate(
        **_waiting_counts(now),
        approved=Count("pk", filter=approved),
        approved_amount=Sum("approved_total", filter=approved, default=ZERO),
        equipped=Count(
            "pk",
            filter=Q(handover_date__isnull=False) & _period(filters, "handover_date", is_date=True),
        ),
        requested_amount=Sum(
            "requested_total",
            filter=~Q(status=Status.DRAFT)
            & Q(submitted_at__isnull=False)
            & _period(filters, "submitted_at"),
            default=ZERO,
        ),
        **{f"status_{s}": Count("pk", filter=opened & Q(status=s)) for s in Status.values},
    )
    _waiting_found(figures, now)
    figures["statuses"] = [(status, figures.pop(f"status_{status.value}")) for status in Status]
    return figures


def ledger_figures(scope: Scope, filters: Filters) -> dict:
    """Committed is net of releases, like a convention's own ``committed``: what stays charged."""
    movements = _narrow(scope(LedgerMovement), filters).filter(_period(filters, "created_at"))
    kind = LedgerMovement.Kind
    figures = movements.aggregate(
        commit=Sum("amount", filter=Q(kind=kind.COMMIT), default=ZERO),
        release=Sum("amount", filter=Q(kind=kind.RELEASE), default=ZERO),
        disbursed=Sum("amount", filter=Q(kind=kind.DISBURSE), default=ZERO),
    )
    return {"committed": figures["commit"] - figures["release"], "disbursed": figures["disbursed"]}


def convention_rows(user: User, filters: Filters) -> list[dict]:
    conventions = Convention.objects.visible_to(user).exclude(status=Convention.Status.DRAFT)
    territory = filters.territory
    if isinstance(territory, Region):
        conventions = conventions.filter(provinces__region=territory.pk)
    elif isinstance(territory, Province):
        conventions = conventions.filter(provinces=territory.pk)
    elif isinstance(territory, Centre):
        conventions = conventions.filter(provinces=territory.province_id)
    rows = list(
        conventions.distinct()
        .order_by("reference")
        .values("pk", "reference", "envelope", "committed", "disbursed")
    )
    for row in rows:
        row["remaining"] = row["envelope"] - row["committed"]
        row["undisbursed"] = row["committed"] - row["disbursed"]
        row["consumed"] = _share(row["committed"], row["envelope"])
    return rows


def track_rows(scope: Scope, filters: Filters) -> list[dict]:
    """Average approved amount per beneficiary of each track (approved projects, see
    ``_approved``): the total approved divided by the number of people, not of projects."""
    rows = list(
        _narrow(scope(LifeProject), filters)
        .filter(_approved(filters))
        .values("beneficiary__track")
        .annotate(people=Count("beneficiary", distinct=True), total=Sum("approved_total"))
        .order_by("beneficiary__track")
    )
    for row in rows:
        row["average"] = (row["total"] / row["people"]).quantize(Decimal("0.01"))
    return rows


def outcome_figures(scope: Scope, filters: Filters, today: datetime.date) -> dict:
    """The follow-up workload of today, then the outcomes (``ceremonies.outcomes``) of the
    projects handed over within the period, of the placements started within it, and of the
    projects closed within it."""
    visits = _narrow(scope(FollowUpVisit), filters)
    pending = Q(done_on__isnull=True, project__status__in=FOLLOWED)
    figures = visits.aggregate(
        due=Count(
            "pk",
            filter=pending
            & Q(due_on__gte=today, due_on__lte=today + datetime.timedelta(DUE_WITHIN_DAYS)),
        ),
        overdue=Count("pk", filter=pending & Q(due_on__lt=today)),
    )
    projects = _narrow(scope(LifeProject), filters)
    handed_over = projects.filter(_period(filters, "handover_date", is_date=True))
    found = measured.project_outcomes(handed_over, today)
    figures["survival"] = found["business"]
    figures["reincarceration"] = found["reincarceration"]
    figures["employment"] = measured.employment(
        _narrow(scope(Placement), filters).filter(_period(filters, "started_on", is_date=True)),
        today,
    )
    closed = projects
    if filters.date_from or filters.date_to:
        closings = Decision.objects.filter(_period(filters, "created_at"), to_status=Status.CLOSED)
        closed = closed.filter(pk__in=closings.values("project"))
    figures["exits"] = measured.exit_reasons(closed)
    return figures


def cohort_rows(scope: Scope, filters: Filters, today: datetime.date) -> list[measured.CohortRow]:
    """Projects grouped by the quarter of their handover (``ceremonies.outcomes.cohorts``)."""
    projects = _narrow(scope(LifeProject), filters)
    return measured.cohorts(projects.filter(_period(filters, "handover_date", is_date=True)), today)


def convention_costs(conventions: list[dict], today: datetime.date) -> dict:
    """The cost per sustained outcome of each listed convention (``convention_rows``)."""
    return measured.convention_outcomes({row["pk"]: row["disbursed"] for row in conventions}, today)


# --- Tables: what the page, the XLSX files and the PDF show --------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    def __str__(self) -> str:
        return gettext("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.year}


@dataclass(frozen=True)
class Cohort:
    """A chart label that carries the cohort's size, so a rate is never read without it."""

    quarter: Quarter
    size: int

    def __str__(self) -> str:
        return ngettext(
            "%(quarter)s (%(size)s project)", "%(quarter)s (%(size)s projects)", self.size
        ) % {"quarter": self.quarter, "size": self.size}


@dataclass(frozen=True)
class Milestone:
    months: int

    def __str__(self) -> str:
        return ngettext(
            "%(months)s month after the handover",
            "%(months)s months after the handover",
            self.months,
        ) % {"months": self.months}


@dataclass(frozen=True)
class Window:
    months: int

    def __str__(self) -> str:
        return ngettext(
            "Within %(months)s month of the handover",
            "Within %(months)s months of the handover",
            self.months,
        ) % {"months": self.months}


@dataclass(frozen=True)
class SinceStart:
    months: int

    def __str__(self) -> str:
        return ngettext(
            "%(months)s month after the start of the job",
            "%(months)s months after the start of the job",
            self.months,
        ) % {"months": self.months}


@dataclass(frozen=True)
class Cell:
    """A value formatted otherwise than its column says."""

    value: object
    kind: str


@dataclass(frozen=True)
class Column:
    #: A lazy string, or an object that renders itself in the active language.
    label: Promise | Milestone | Window
    #: "text", "count", "days", "mad" or "percent": how cells are formatted and exported.
    kind: str = "count"


@dataclass(frozen=True)
class Chart:
    #: Indexes of the columns drawn as datasets; the first column gives the labels.
    series: tuple[int, ...]
    horizontal: bool = False
    stacked: bool = False
    #: Colour names known to static/js/dashboard.js, one per series.
    colours: tuple[str, ...] = ("brand",)
    #: Dataset names when they differ from the columns' labels.
    legend: tuple[Promise, ...] | None = None
    #: How the drawn values are formatted, when not as their columns are.
    unit: str | None = None
    #: Each row drawn as a line across the series' columns (a cohort's curve over the months
    #: since its handover), instead of each column as a set of bars.
    lines: bool = False


@dataclass(frozen=True)
class Table:
    key: str
    title: Promise
    columns: tuple[Column, ...]
    rows: list[list]
    chart: Chart | None = None
    note: Promise | str = ""
    #: Rows drawn on the chart when they differ from the table's (e.g. without a total row).
    chart_rows: list[list] | None = field(default=None)

    @property
    def typed_rows(self) -> list[list[tuple[object, str]]]:
        """Each cell with the kind of its column, for templates (which cannot zip)."""
        kinds = [column.kind for column in self.columns]
        return [list(zip(row, kinds, strict=True)) for row in self.rows]

    @property
    def is_empty(self) -> bool:
        """Nothing but zeros: a chart of it would only draw axes."""
        return not any(
            cell.value if isinstance(cell, Cell) else cell
            for row in self.rows
            for cell in row[1:]
            if not isinstance(cell, str | Promise)
        )

    def chart_data(self) -> dict | None:
        """The chart as JSON-ready data, labels in the active language."""
        if self.chart is None:
            return None
        rows = self.rows if self.chart_rows is None else self.chart_rows
        if self.chart.lines:
            return self._line_data(rows, self.chart)
        datasets = []
        legend = self.chart.legend or [self.columns[i].label for i in self.chart.series]
        for index, colour, name in zip(self.chart.series, self.chart.colours, legend, strict=True):
            unit = self.chart.unit or self.columns[index].kind
            values = [row[index] for row in rows]
            datasets.append(
                {"label": str(name), "data": _drawn(values, unit), "unit": unit, "colour": colour}
            )
        return {
            "key": self.key,
            "title": str(self.title),
            "labels": [str(row[0]) for row in rows],
            "datasets": datasets,
            "horizontal": self.chart.horizontal,
            "stacked": self.chart.stacked,
        }

    def _line_data(self, rows: list[list], chart: Chart) -> dict:
        """One line per row over the series' columns; a value not known yet (a cohort too young
        for a milestone) leaves the line short rather than drawing it at zero."""
        series = chart.series
        unit = chart.unit or self.columns[series[0]].kind
        return {
            "key": self.key,
            "title": str(self.title),
            "labels": [str(self.columns[i].label) for i in series],
            "datasets": [
                {
                    "label": str(row[0]),
                    "data": _drawn([row[i] for i in series], unit),
                    "unit": unit,
                    "colour": "",
                }
                for row in rows
            ],
            "horizontal": False,
            "stacked": False,
            "lines": True,
        }


def _drawn(values: list, unit: str) -> list:
    if unit != "percent":
        return values
    return [None if v is None else (v * 100).quantize(Decimal("0.1")) for v in values]


@dataclass
class Page:
    """The dashboard's rendered figures as kept in the cache (``html``, None when they are to be
    rendered), and where to keep them once rendered (``dashboard.templatetags``)."""

    key: str
    seconds: int
    html: str | None = None

    def store(self, html: str) -> None:
        if self.seconds:
            # Compressed: a sixth of the size to write and to read back from the cache's table
            # (the tables and chart data repeat themselves), quicker to read than the text.
            cache.set(self.key, zlib.compress(html.encode(), 1), self.seconds)

    @staticmethod
    def found(value: bytes | None) -> str | None:
        return None if value is None else zlib.decompress(value).decode()


class Dashboard:
    """Every figure of the page, computed (or read from the kept rows) when first asked for: a
    page whose figures are already rendered (``page``) reads none of them."""

    def __init__(
        self,
        filters: Filters,
        today: datetime.date,
        *,
        figures: Callable[[], dict],
        tracks: Callable[[], dict[int, ProgrammeTrack]],
        needs: Callable[[], list[DomainCounts]],
        computed_at: datetime.datetime | None = None,
        cache_key: str = "",
        current: bool = False,
        kept: summary.Kept | None = None,
    ):
        self.filters = filters
        self.today = today
        self._figures = figures
        self._tracks = tracks
        self._needs = needs
        self.computed_at = computed_at
        self.cache_key = cache_key
        #: Merged from the figures kept per centre, current after every change (not cached).
        self.current = current
        self.kept = kept
        # The cost per sustained outcome, when read from the cache with the rendered page.
        self._costs: Any = None

    @cached_property
    def figures(self) -> dict:
        return self._figures()

    @property
    def people(self) -> dict:
        return self.figures["people"]

    @property
    def projects(self) -> dict:
        return self.figures["projects"]

    @property
    def money(self) -> dict:
        return self.figures["money"]

    @property
    def outcomes(self) -> dict:
        return self.figures["outcomes"]

    @cached_property
    def needs(self) -> list[DomainCounts]:
        """The needs by domain of the user's whole scope (``beneficiaries.assessments``),
        current."""
        return self._needs()

    @cached_property
    def tables(self) -> list[Table]:
        """The tables, in the reader's language."""
        people, projects = self.people, self.projects
        money, outcomes = self.money, self.outcomes
        return [
            *_people_tables(people),
            *_project_tables(projects),
            *_money_tables(money, self._tracks()),
            *_outcome_tables(outcomes),
            *cost_tables(money["conventions"], money["costs"]),
        ]

    def page(self, *vary: object) -> Page:
        """The rendered figures for these values (the language, the query), read from the cache
        with the cost per sustained outcome in one read. Current figures name their page by
        a digest of themselves, so it is reused exactly while they are unchanged (and kept
        ``summary.KEPT_SECONDS``); computed ones for DASHBOARD_CACHE_SECONDS."""
        key = "dashboard-page-z:" + summary._digest(self.cache_key, *vary)
        seconds = summary.KEPT_SECONDS if self.current else settings.DASHBOARD_CACHE_SECONDS
        if not seconds:
            return Page(key, 0)
        keys = [key, self.kept.costs_key] if self.kept else [key]
        found = cache.get_many(keys)
        if self.kept:
            self._costs = found.get(self.kept.costs_key)
        return Page(key, seconds, Page.found(found.get(key)))

    def table(self, key: str) -> Table:
        return self.tables_by_key[key]

    @property
    def tables_by_key(self) -> dict[str, Table]:
        return {table.key: table for table in self.tables}

    @property
    def charts(self) -> list[dict]:
        return [data for t in self.tables if t.chart and (data := t.chart_data()) is not None]


TABLE_KEYS = (
    "people",
    "stages",
    "projects",
    "statuses",
    "waiting",
    "money",
    "conventions",
    "tracks",
    "visits",
    "survival",
    "reincarceration",
    "employment",
    "exits",
    "cohort_business",
    "cohorts",
    "costs",
)


FIGURES_VERSION = 2


def _cache_key(user: User, filters: Filters, today: datetime.date) -> str:
    """Who sees the same figures: the same role and scope, with the same filters, today."""
    scope = [user.role, user.centre_id, user.region_id, user.province_id]
    chosen = [
        filters.date_from,
        filters.date_to,
        getattr(filters.track, "pk", None),
        getattr(filters.sector, "pk", None),
        type(filters.territory).__name__ if filters.territory else None,
        getattr(filters.territory, "pk", None),
    ]
    # FIGURES_VERSION changes with the figures' shape, so that a release never reads figures
    # cached by the previous one.
    return f"dashboard:{FIGURES_VERSION}:" + ":".join(
        str(part) for part in [*scope, *chosen, today]
    )


def scope_figures(scope: Scope, filters: Filters, now: datetime.datetime) -> dict:
    """Every figure of ``scope`` but the conventions', computed live."""
    today = timezone.localdate(now)
    projects = project_figures(scope, filters, now)
    return {
        "computed_at": now,
        "people": people_figures(scope, filters),
        "projects": projects,
        "money": {
            "requested": projects["requested_amount"],
            "approved": projects["approved_amount"],
            **ledger_figures(scope, filters),
            "tracks": track_rows(scope, filters),
        },
        "outcomes": {
            **outcome_figures(scope, filters, today),
            "cohorts": cohort_rows(scope, filters, today),
        },
    }


def with_conventions(figures: dict, user: User, filters: Filters) -> dict:
    """The conventions the user may read, live: their rows hold their own totals."""
    conventions = convention_rows(user, filters)
    today = timezone.localdate(figures["computed_at"])
    figures["money"]["conventions"] = conventions
    figures["money"]["costs"] = convention_costs(conventions, today)
    return figures


def _figures(user: User, filters: Filters) -> dict:
    """Every figure, computed live from the rows of the user's scope."""
    return with_conventions(scope_figures(user_scope(user), filters, timezone.now()), user, filters)


def build_dashboard(
    user: User,
    filters: Filters,
    *,
    tracks: dict[int, ProgrammeTrack] | Callable[[], dict[int, ProgrammeTrack]],
) -> Dashboard:
    """Every figure of the page. ``tracks`` names the tracks (the filter form has them).

    Without filters (or with a territory alone) the figures are merged from the ones kept per
    centre (``dashboard.summary``), current after every change. Other filters compute them
    live, which costs most of a second at national scale (docs/benchmarks.md): those are kept
    for DASHBOARD_CACHE_SECONDS per role, scope, filters and day, and the page says when they
    were computed. The tables are built from them in the reader's language."""
    today = timezone.localdate()
    named = tracks if callable(tracks) else lambda: tracks
    if summary.covers(filters):
        kept = summary.Kept(user, filters)
        dashboard = Dashboard(
            filters,
            today,
            figures=lambda: kept.figures(dashboard._costs),
            tracks=named,
            needs=lambda: kept.needs,
            computed_at=kept.now,
            # The figures themselves name the rendered page: it is reused only while they hold.
            cache_key=f"dashboard:{FIGURES_VERSION}:kept:{kept.key}",
            current=True,
            kept=kept,
        )
        return dashboard
    key = _cache_key(user, filters, today)
    cached = cache.get(key) if settings.DASHBOARD_CACHE_SECONDS else None
    figures = cached if cached is not None else _figures(user, filters)
    if cached is None and settings.DASHBOARD_CACHE_SECONDS:
        cache.set(key, figures, settings.DASHBOARD_CACHE_SECONDS)
    return Dashboard(
        filters,
        today,
        figures=lambda: figures,
        tracks=named,
        needs=lambda: summary.needs_for(user),
        computed_at=figures["computed_at"],
        cache_key=key,
    )


FIGURE = Column(pgettext_lazy("dashboard column", "Figure"), "text")


def _people_tables(people: dict) -> list[Table]:
    return [
        Table(
            "people",
            _("People"),
            (FIGURE, Column(_("Number"))),
            [
                [_("Registered"), people["registered"]],
                [_("With consent on file"), people["with_consent"]],
                [_("Women"), people["women"]],
                [_("Women's share"), Cell(people["women_share"], "percent")],
            ],
        ),
        Table(
            "stages",
            _("People in each stage"),
            (Column(_("Stage"), "text"), Column(_("People"))),
            [[stage.label, count] for stage, count in people["stages"]],
            Chart((1,), horizontal=True),
        ),
    ]


def _project_tables(projects: dict) -> list[Table]:
    return [
        Table(
            "projects",
            _("Projects"),
            (FIGURE, Column(_("Number"))),
            [
                [_("Waiting for approval"), projects["waiting"]],
                [_("Longest wait (days)"), projects["longest_wait_days"]],
                [_("Approved"), projects["approved"]],
                [_("Equipped"), projects["equipped"]],
            ],
        ),
        Table(
            "statuses",
            _("Projects by status"),
            (Column(_("Status"), "text"), Column(_("Projects"))),
            [[status.label, count] for status, count in projects["statuses"]],
            Chart((1,), horizontal=True),
        ),
        Table(
            "waiting",
            _("Waiting for approval, by time waited"),
            (Column(_("Waiting since"), "text"), Column(_("Projects"))),
            [[label, count] for label, count in projects["waiting_brackets"]],
            Chart((1,), colours=("gold",)),
            note=_("Counted from the last submission, as of today."),
        ),
    ]


def _convention_row(row: dict, committed: Decimal) -> list[object]:
    return [
        row["reference"],
        row["envelope"],
        committed,
        row["disbursed"],
        row["remaining"],
        row["consumed"],
    ]


def _money_tables(money: dict, tracks: dict[int, ProgrammeTrack]) -> list[Table]:
    conventions = money["conventions"]
    return [
        Table(
            "money",
            _("Money"),
            (FIGURE, Column(_("Amount"), "mad")),
            [
                [_("Requested"), money["requested"]],
                [_("Approved"), money["approved"]],
                [_("Committed"), money["committed"]],
                [_("Disbursed"), money["disbursed"]],
            ],
            Chart((1,), horizontal=True),
        ),
        Table(
            "conventions",
            _("Convention envelopes"),
            (
                Column(_("Convention"), "text"),
                Column(_("Envelope"), "mad"),
                Column(_("Committed"), "mad"),
                Column(_("Disbursed"), "mad"),
                Column(_("Remaining"), "mad"),
                Column(_("Consumed"), "percent"),
            ),
            [_convention_row(r, r["committed"]) for r in conventions],
            Chart(
                (3, 2, 4),
                horizontal=True,
                stacked=True,
                colours=("brand", "gold", "grey"),
                legend=(_("Disbursed"), _("Committed, not yet disbursed"), _("Remaining")),
                unit="percent",
            ),
            note=_(
                "Committed includes what is disbursed. These are each convention's own totals: "
                "the period, track and sector filters do not change them."
            ),
            # Each bar is its envelope (100 %): disbursed, committed and not yet disbursed,
            # remaining; shares, so that a small convention reads as well as a large one.
            chart_rows=[
                [r["reference"], None]
                + [_share(r[k], r["envelope"]) for k in ("undisbursed", "disbursed", "remaining")]
                for r in conventions
            ],
        ),
        Table(
            "tracks",
            _("Average approved amount per beneficiary, by track"),
            (
                Column(_("Programme track"), "text"),
                Column(_("Beneficiaries")),
                Column(_("Approved"), "mad"),
                Column(_("Average per beneficiary"), "mad"),
            ),
            [
                [tracks.get(r["beneficiary__track"], "?"), r["people"], r["total"], r["average"]]
                for r in money["tracks"]
            ],
            Chart((3,), horizontal=True, colours=("blue",)),
        ),
    ]


TOO_YOUNG = _("too young")


def _cohort_cell(outcome: measured.CohortOutcome) -> object:
    return Cell(TOO_YOUNG, "text") if outcome.too_young else outcome.share


def _cost_cell(cost: measured.Cost) -> object:
    return Cell(TOO_YOUNG, "text") if cost.missing == "too_young" else cost.amount


def cost_tables(conventions: list[dict], costs: dict) -> list[Table]:
    """Cost per sustained outcome, one row per convention (the page, the XLSX and the PDF)."""
    rows = []
    for row in conventions:
        cost = costs[row["pk"]]
        rows.append(
            [
                row["reference"],
                cost.disbursed,
                cost.beneficiaries,
                cost.active,
                cost.not_reincarcerated,
                _cost_cell(cost.per_active),
                _cost_cell(cost.per_not_reincarcerated),
            ]
        )
    return [
        Table(
            "costs",
            _("Cost per sustained outcome, by convention"),
            (
                Column(_("Convention"), "text"),
                Column(_("Disbursed"), "mad"),
                Column(_("Beneficiaries")),
                Column(_("Businesses active at 12 months")),
                Column(_("People not re-incarcerated at 12 months")),
                Column(_("Dirhams per active business"), "mad"),
                Column(_("Dirhams per person not re-incarcerated"), "mad"),
            ),
            rows,
            note=_(
                "Everything the convention disbursed, divided by the outcomes at 12 months of the "
                "projects it paid for: each convention's own totals, which the filters do not "
                "change. “Too young”: none of them was handed over 12 months ago or more; “—”: "
                "none has the outcome yet, so there is nothing to divide by."
            ),
        )
    ]


def _outcome_tables(outcomes: dict) -> list[Table]:
    cohorts = outcomes["cohorts"]
    return [
        Table(
            "visits",
            _("Follow-up visits"),
            (FIGURE, Column(_("Visits"))),
            [
                [_("Due in the next 30 days"), outcomes["due"]],
                [_("Overdue"), outcomes["overdue"]],
            ],
            note=_("As of today."),
        ),
        Table(
            "survival",
            _("Businesses still active"),
            (
                Column(_("Visit"), "text"),
                Column(_("Handed over long enough ago")),
                Column(_("Business active")),
                Column(_("Business stopped")),
                Column(_("Not known yet")),
                Column(_("Share active"), "percent"),
            ),
            [
                [
                    Milestone(r["months"]),
                    r["eligible"],
                    r["active"],
                    r["inactive"],
                    r["unknown"],
                    r["share"],
                ]
                for r in outcomes["survival"]
            ],
            Chart((5,)),
            note=_(
                "Share among the businesses whose state is known. A visit not done yet, even "
                "overdue, is counted as not known, never as a failure."
            ),
        ),
        Table(
            "reincarceration",
            _("Re-incarceration after the handover"),
            (
                Column(_("Period"), "text"),
                Column(_("Handed over long enough ago")),
                Column(_("Re-incarcerated")),
                Column(_("Not re-incarcerated")),
                Column(_("Rate"), "percent"),
            ),
            [
                [
                    Window(r["months"]),
                    r["eligible"],
                    r["reincarcerated"],
                    r["not_reincarcerated"],
                    r["rate"],
                ]
                for r in outcomes["reincarceration"]
            ],
            Chart((4,), colours=("red",)),
            note=_(
                "From the re-incarceration dates recorded at the visits (with their source: "
                "family, visit, prison administration)."
            ),
        ),
        Table(
            "employment",
            _("Employment after a placement"),
            (
                Column(_("Check"), "text"),
                Column(_("Started long enough ago")),
                Column(_("Employed")),
                Column(_("Not employed")),
                Column(_("Not known yet")),
                Column(_("Share employed"), "percent"),
            ),
            [
                [
                    SinceStart(r["months"]),
                    r["eligible"],
                    r["employed"],
                    r["not_employed"],
                    r["unknown"],
                    r["share"],
                ]
                for r in outcomes["employment"]
            ],
            Chart((5,), colours=("blue",)),
            note=_(
                "The last check between one month before and one month after the milestone "
                "decides; without one, the person counts as not known yet."
            ),
        ),
        Table(
            "exits",
            _("Closed projects by exit reason"),
            (Column(_("Exit reason"), "text"), Column(_("Projects"))),
            [
                [reason.label if reason else _("Not coded"), count]
                for reason, count in outcomes["exits"]
            ],
            Chart((1,), horizontal=True, colours=("grey",)),
        ),
        Table(
            "cohort_business",
            _("Businesses active, by handover cohort"),
            (
                Column(_("Handover quarter"), "text"),
                Column(_("Cohort size")),
                *(Column(Milestone(m), "percent") for m in measured.BUSINESS_MILESTONES),
            ),
            [
                [Quarter(r.year, r.quarter), r.size, *(_cohort_cell(o) for o in r.active)]
                for r in cohorts
            ],
            Chart(tuple(range(2, 2 + len(measured.BUSINESS_MILESTONES))), lines=True),
            note=_(
                "Share of each cohort's businesses found active at the visit of that milestone, "
                "among those whose state is known. “Too young”: the cohort has not reached "
                "the milestone yet."
            ),
            chart_rows=[
                [Cohort(Quarter(r.year, r.quarter), r.size), None, *(o.share for o in r.active)]
                for r in cohorts
            ],
        ),
        Table(
            "cohorts",
            _("Re-incarceration by handover cohort"),
            (
                Column(_("Handover quarter"), "text"),
                Column(_("Cohort size")),
                Column(_("Re-incarcerated so far")),
                *(Column(Window(m), "percent") for m in measured.REINCARCERATION_WINDOWS),
            ),
            [
                [
                    Quarter(r.year, r.quarter),
                    r.size,
                    r.reincarcerated_ever,
                    *(_cohort_cell(o) for o in r.reincarcerated),
                ]
                for r in cohorts
            ],
            Chart(tuple(range(3, 3 + len(measured.REINCARCERATION_WINDOWS))), lines=True),
            note=_(
                "Share of each cohort re-incarcerated within 12 and 24 months of the handover. "
                "“Too young”: the cohort has not reached that time yet."
            ),
            chart_rows=[
                [
                    Cohort(Quarter(r.year, r.quarter), r.size),
                    None,
                    None,
                    *(o.share for o in r.reincarcerated),
                ]
                for r in cohorts
            ],
        ),
    ]
