"""The programme's outcomes, computed here and nowhere else (their definitions, for partners
and maintainers, are in docs/outcomes.md): businesses active at 6, 12 and 24 months after the
handover, re-incarceration within 12 and 24 months of it, employment 6 and 12 months after the
start of a placement, closures by coded exit reason, cohorts by handover quarter, and the cost
per sustained outcome of each convention.

This module sits in ``ceremonies``, the lowest app that sees handovers, visits, placements and
the conventions' allocations; the dashboard, the partner report, the exports and the
convention page all call it. It never decides who may read what: callers pass the projects or
placements of their reader's scope (the dashboard its ``dashboard_scope``, the convention
figures every project the convention paid for, as the partner's own totals).

Every function costs one or two aggregate queries, whatever the number of files: the
milestone visits are counted in one pass over the visits (``_milestone_visits``), other
conditions on a project's visits are ``IN`` subqueries evaluated once (``_Path.among``), and
no row is read back.

Rules that every figure shares:

- **Months** are calendar months, counted the way ``projects.services.add_months`` counts
  them. A project is old enough for an outcome at N months when it was handed over on or
  before the same day N months before today; a cohort (a quarter) is old enough when the last
  day of its quarter is. Outcomes a project or a cohort is too young for are "too young", never
  zero.
- **Unknown is not failure**: a milestone visit not done yet (due or overdue) leaves the
  business's state unknown; shares are taken over the known cases, and the unknown ones are
  counted beside them.
- **Re-incarceration within N months** of the handover: a visit recorded a re-incarceration
  date on or after the handover with fewer than N whole months between the two dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractQuarter, ExtractYear
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Allocation, Convention
from projects.models import FollowUpVisit, LifeProject, Placement, PlacementCheck
from projects.services import add_months
from reintegration.models import User
from reintegration.money import CENT

#: Business active: the visits of these milestones (months after the handover) decide.
BUSINESS_MILESTONES = (6, 12, 24)
#: Re-incarceration within these many months of the handover.
REINCARCERATION_WINDOWS = (12, 24)
#: Employment this many months after the start of a placement.
EMPLOYMENT_MILESTONES = (6, 12)
#: The milestone of the cost per sustained outcome.
SUSTAINED_MONTHS = 12

FAILED = LifeProject.Outcome.FAILED


# --- Dates -----------------------------------------------------------------------------------


def old_enough_since(today: datetime.date, months: int) -> datetime.date:
    """The latest handover (or placement start) old enough for an outcome at ``months``."""
    return add_months(today, -months)


def quarter_end(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def cohort_old_enough(year: int, quarter: int, months: int, today: datetime.date) -> bool:
    """Every handover of the quarter has reached ``months``: before then the cohort's share
    would mix people who reached the milestone with people who could not have."""
    return quarter_end(year, quarter) <= old_enough_since(today, months)


def months_elapsed(start: str, end: str) -> ExpressionWrapper:
    """Whole calendar months from the date ``start`` to the date ``end`` (two field paths), in
    SQL on both databases: 15 January to 14 March is 1, to 15 March is 2."""
    months = (
        (ExtractYear(end) - ExtractYear(start)) * 12
        + ExtractMonth(end)
        - ExtractMonth(start)
        - Case(
            When(GreaterThan(ExtractDay(start), ExtractDay(end)), then=Value(1)),
            default=Value(0),
        )
    )
    return ExpressionWrapper(months, output_field=IntegerField())


# --- Conditions on a project (as a Q usable in a count's filter) -----------------------------


@dataclass(frozen=True)
class _Path:
    """How the counted rows reach their project: the lookup prefix and the outer reference."""

    prefix: str
    ref: str

    def q(self, **lookups: Any) -> Q:
        return Q(**{f"{self.prefix}{name}": value for name, value in lookups.items()})

    def among(self, visits: QuerySet[FollowUpVisit]) -> Q:
        """The project is one of those of ``visits``. An ``IN`` over a subquery that does not
        refer to the outer row: the database builds the set once and probes it per project
        (PostgreSQL's hashed subplan), where a correlated ``EXISTS`` per figure and project
        cost seconds at national scale (docs/benchmarks.md)."""
        return Q(**{f"{self.ref}__in": visits.values("project")})


PROJECTS = _Path("", "pk")
ALLOCATIONS = _Path("project__", "project")


def _visits_done(months: int, **conditions: Any) -> QuerySet[FollowUpVisit]:
    return FollowUpVisit.objects.filter(
        milestone_months=months, done_on__isnull=False, **conditions
    )


def old_enough(path: _Path, months: int, today: datetime.date) -> Q:
    return path.q(handover_date__lte=old_enough_since(today, months))


def business_active(path: _Path, months: int) -> Q:
    """The visit of the milestone is done and found the business active."""
    return path.among(_visits_done(months, business_active=True))


def business_inactive(path: _Path, months: int) -> Q:
    """The visit of the milestone found it stopped, or, without a visit that says, the project
    was closed as failed (a business that failed does not reopen)."""
    return path.among(_visits_done(months, business_active=False)) | (
        path.q(outcome=FAILED) & ~path.among(_visits_done(months, business_active__isnull=False))
    )


def _reports_since_handover() -> QuerySet[FollowUpVisit]:
    """Visits that recorded a re-incarceration on or after the project's handover."""
    return FollowUpVisit.objects.filter(
        reincarcerated_on__isnull=False,
        reincarcerated_on__gte=F("project__handover_date"),
    )


def reincarcerated_within(path: _Path, months: int) -> Q:
    reports = (
        _reports_since_handover()
        .annotate(elapsed=months_elapsed("project__handover_date", "reincarcerated_on"))
        .filter(elapsed__lt=months)
    )
    return path.among(reports)


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


# --- Projects: business active, re-incarceration ---------------------------------------------


def _milestone_visits(
    projects: QuerySet[LifeProject], today: datetime.date | None, by_quarter: bool = False
) -> Any:
    """The done visits of ``projects`` that say whether the business was active, counted per
    milestone: ``a<N>`` active, ``s<N>`` stopped, ``f<N>`` saying either on a project closed as
    failed. A project has one visit per milestone (a constraint), so counting visits counts
    projects, in one pass over the visits instead of a subquery per figure. With ``today``,
    only projects old enough for the milestone; ``by_quarter``: one row per handover quarter."""
    counts: dict[str, Any] = {}
    for months in BUSINESS_MILESTONES:
        known = Q(milestone_months=months, business_active__isnull=False)
        if today is not None:
            known &= Q(project__handover_date__lte=old_enough_since(today, months))
        counts[f"a{months}"] = Count("pk", filter=known & Q(business_active=True))
        counts[f"s{months}"] = Count("pk", filter=known & Q(business_active=False))
        counts[f"f{months}"] = Count("pk", filter=known & Q(project__outcome=FAILED))
    visits = FollowUpVisit.objects.filter(
        project__in=projects.filter(handover_date__isnull=False).values("pk"),
        done_on__isnull=False,
    )
    if not by_quarter:
        return visits.aggregate(**counts)
    return {
        (row.pop("year"), row.pop("quarter")): row
        for row in visits.annotate(
            year=ExtractYear("project__handover_date"),
            quarter=ExtractQuarter("project__handover_date"),
        )
        .values("year", "quarter")
        .annotate(**counts)
        .order_by()
    }


def project_outcomes(projects: QuerySet[LifeProject], today: datetime.date) -> dict[str, list]:
    """Business active at each milestone and re-incarceration within each window, over the
    handed-over ``projects``, in two queries (the visits, then the projects).

    ``business``: per milestone, ``eligible`` (old enough), ``active``, ``inactive``,
    ``unknown`` (old enough, state not known yet), ``done`` (known: active + inactive) and
    ``share`` (active / known, None without a known case).
    ``reincarceration``: per window, ``eligible``, ``reincarcerated``, ``not_reincarcerated``
    and ``rate`` (re-incarcerated / eligible)."""
    visits = _milestone_visits(projects, today)
    counts: dict[str, Any] = {}
    for months in BUSINESS_MILESTONES:
        eligible = old_enough(PROJECTS, months, today)
        counts[f"b{months}"] = Count("pk", filter=eligible)
        counts[f"b{months}_failed"] = Count("pk", filter=eligible & Q(outcome=FAILED))
    for months in REINCARCERATION_WINDOWS:
        eligible = old_enough(PROJECTS, months, today)
        counts[f"r{months}"] = Count("pk", filter=eligible)
        counts[f"r{months}_back"] = Count(
            "pk", filter=eligible & reincarcerated_within(PROJECTS, months)
        )
    found = projects.filter(handover_date__isnull=False).aggregate(**counts)
    business = []
    for months in BUSINESS_MILESTONES:
        eligible, active = found[f"b{months}"], visits[f"a{months}"]
        # Stopped at the visit, or closed as failed without a visit that says.
        inactive = visits[f"s{months}"] + found[f"b{months}_failed"] - visits[f"f{months}"]
        business.append(
            {
                "months": months,
                "eligible": eligible,
                "active": active,
                "inactive": inactive,
                "done": active + inactive,
                "unknown": eligible - active - inactive,
                "share": _share(active, active + inactive),
            }
        )
    reincarceration = []
    for months in REINCARCERATION_WINDOWS:
        eligible, back = found[f"r{months}"], found[f"r{months}_back"]
        reincarceration.append(
            {
                "months": months,
                "eligible": eligible,
                "reincarcerated": back,
                "not_reincarcerated": eligible - back,
                "rate": _share(back, eligible),
            }
        )
    return {"business": business, "reincarceration": reincarceration}


# --- Cohorts by handover quarter -------------------------------------------------------------


@dataclass(frozen=True)
class CohortOutcome:
    """One milestone of one cohort: the share (None when nothing is known yet), or too young."""

    months: int
    too_young: bool
    count: int = 0
    known: int = 0

    @property
    def share(self) -> Decimal | None:
        return None if self.too_young else _share(self.count, self.known)


@dataclass(frozen=True)
class CohortRow:
    year: int
    quarter: int
    size: int
    #: Business active at each of BUSINESS_MILESTONES (share among the known cases).
    active: tuple[CohortOutcome, ...]
    #: Re-incarcerated within each of REINCARCERATION_WINDOWS (share of the cohort).
    reincarcerated: tuple[CohortOutcome, ...]
    #: Re-incarcerated at any time since the handover (reported so far).
    reincarcerated_ever: int


def cohorts(projects: QuerySet[LifeProject], today: datetime.date) -> list[CohortRow]:
    """The handed-over ``projects`` grouped by the quarter of their handover, oldest first, in
    two queries (the visits, then the projects): each cohort's size and, for each milestone it
    is old enough for, its outcomes."""
    visits = _milestone_visits(projects, None, by_quarter=True)
    counts: dict[str, Any] = {
        "size": Count("pk"),
        "failed": Count("pk", filter=Q(outcome=FAILED)),
        "back_ever": Count("pk", filter=PROJECTS.among(_reports_since_handover())),
    }
    for months in REINCARCERATION_WINDOWS:
        counts[f"r{months}"] = Count("pk", filter=reincarcerated_within(PROJECTS, months))
    rows = (
        projects.filter(handover_date__isnull=False)
        .annotate(year=ExtractYear("handover_date"), quarter=ExtractQuarter("handover_date"))
        .values("year", "quarter")
        .annotate(**counts)
        .order_by("year", "quarter")
    )
    none = {f"{k}{m}": 0 for m in BUSINESS_MILESTONES for k in "asf"}
    found = []
    for row in rows:
        year, quarter, size = row["year"], row["quarter"], row["size"]
        seen = visits.get((year, quarter), none)

        found.append(
            CohortRow(
                year=year,
                quarter=quarter,
                size=size,
                active=tuple(
                    _cohort_business(year, quarter, m, today, seen, row["failed"])
                    for m in BUSINESS_MILESTONES
                ),
                reincarcerated=tuple(
                    CohortOutcome(m, True)
                    if not cohort_old_enough(year, quarter, m, today)
                    else CohortOutcome(m, False, row[f"r{m}"], size)
                    for m in REINCARCERATION_WINDOWS
                ),
                reincarcerated_ever=row["back_ever"],
            )
        )
    return found


def _cohort_business(
    year: int, quarter: int, months: int, today: datetime.date, seen: dict, failed: int
) -> CohortOutcome:
    if not cohort_old_enough(year, quarter, months, today):
        return CohortOutcome(months, True)
    active = seen[f"a{months}"]
    # Stopped at the visit, or closed as failed without a visit that says.
    stopped = seen[f"s{months}"] + failed - seen[f"f{months}"]
    return CohortOutcome(months, False, active, active + stopped)


# --- Employment after a placement ------------------------------------------------------------


def _last_check(months: int) -> Subquery:
    """Whether the person held the job at the last check between one month before the
    milestone and one month after it (whole months since the start: N-1 or N)."""
    checks = (
        PlacementCheck.objects.filter(placement=OuterRef("pk"))
        .annotate(elapsed=months_elapsed("placement__started_on", "checked_on"))
        .filter(elapsed__gte=months - 1, elapsed__lte=months)
        .order_by("-checked_on", "-pk")
        .values("employed")[:1]
    )
    return Subquery(checks)


def employment(placements: QuerySet[Placement], today: datetime.date) -> list[dict]:
    """Employment at each of EMPLOYMENT_MILESTONES after the start of the ``placements``, in
    one query: ``eligible`` (started at least that long ago), ``employed``, ``not_employed``
    (the last check of the window says so, or, without a check there, the job ended before
    the milestone), ``unknown`` and ``share`` (employed / known)."""
    annotated = placements.annotate(ended_after=months_elapsed("started_on", "ended_on"))
    counts: dict[str, Any] = {}
    for months in EMPLOYMENT_MILESTONES:
        annotated = annotated.annotate(**{f"held_{months}": _last_check(months)})
        eligible = Q(started_on__lte=old_enough_since(today, months))
        held = f"held_{months}"
        counts[f"e{months}"] = Count("pk", filter=eligible)
        counts[f"e{months}_yes"] = Count("pk", filter=eligible & Q(**{held: True}))
        counts[f"e{months}_no"] = Count(
            "pk",
            filter=eligible
            & (Q(**{held: False}) | Q(**{f"{held}__isnull": True, "ended_after__lt": months})),
        )
    found = annotated.aggregate(**counts)
    rows = []
    for months in EMPLOYMENT_MILESTONES:
        eligible, yes, no = found[f"e{months}"], found[f"e{months}_yes"], found[f"e{months}_no"]
        rows.append(
            {
                "months": months,
                "eligible": eligible,
                "employed": yes,
                "not_employed": no,
                "unknown": eligible - yes - no,
                "share": _share(yes, yes + no),
            }
        )
    return rows


# --- Closures by coded exit reason -----------------------------------------------------------


def exit_reasons(
    projects: QuerySet[LifeProject],
) -> list[tuple[LifeProject.ExitReason | None, int]]:
    """Closed projects by exit reason (every reason, zero included, in the order of the list),
    then those closed without a coded reason (before reasons were coded, or abandoned before
    the handover) as None, in one query."""
    found = projects.filter(status="closed").aggregate(
        **{
            f"reason_{reason}": Count("pk", filter=Q(exit_reason=reason))
            for reason in LifeProject.ExitReason.values
        },
        uncoded=Count("pk", filter=Q(exit_reason="")),
    )
    rows: list[tuple[LifeProject.ExitReason | None, int]] = [
        (reason, found[f"reason_{reason.value}"]) for reason in LifeProject.ExitReason
    ]
    rows.append((None, found["uncoded"]))
    return rows


# --- Cost per sustained outcome --------------------------------------------------------------


def per(amount: Decimal, count: int) -> Decimal:
    """``amount`` divided by ``count`` people or businesses, to the centime, half up: the
    project's money rounding. Exact: Decimal throughout, with enough digits that the quotient
    is rounded once, at the centime."""
    if count <= 0:
        raise ValueError("divide by a positive count")
    with localcontext() as context:
        context.prec = 50
        return (Decimal(amount) / Decimal(count)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cost:
    """Dirhams per outcome, or why there is none: "too_young" (no project old enough) or
    "none" (old enough, but no case with the outcome)."""

    amount: Decimal | None
    missing: str = ""

    @property
    def explanation(self) -> str:
        if self.missing == "too_young":
            return str(
                _("No project of this convention was handed over 12 months ago or more yet.")
            )
        if self.missing == "none":
            return str(_("No case with this outcome yet: the division would be by zero."))
        return ""


@dataclass(frozen=True)
class ConventionOutcomes:
    convention_id: int
    disbursed: Decimal
    #: People with a project charged to the convention (allocations not released).
    beneficiaries: int
    #: Projects (and people) handed over 12 months ago or more.
    eligible_projects: int
    eligible_people: int
    #: Businesses found active at the 12-month visit.
    active: int
    #: People handed over 12 months ago or more, with no re-incarceration within 12 months.
    not_reincarcerated: int

    @property
    def per_active(self) -> Cost:
        return _cost(self.disbursed, self.active, self.eligible_projects)

    @property
    def per_not_reincarcerated(self) -> Cost:
        return _cost(self.disbursed, self.not_reincarcerated, self.eligible_people)


def _cost(amount: Decimal, count: int, eligible: int) -> Cost:
    if not eligible:
        return Cost(None, "too_young")
    if not count:
        return Cost(None, "none")
    return Cost(per(amount, count))


def convention_outcomes(
    disbursed: Mapping[int, Decimal], today: datetime.date
) -> dict[int, ConventionOutcomes]:
    """For each convention (its id, with the dirhams its ledger disbursed): its beneficiaries
    and its sustained outcomes at 12 months, over every project it paid for (allocations not
    released); one query for them all."""
    months = SUSTAINED_MONTHS
    eligible = old_enough(ALLOCATIONS, months, today)
    people = "project__beneficiary"
    rows = (
        Allocation.objects.filter(convention__in=list(disbursed), released_at__isnull=True)
        .values("convention")
        .annotate(
            beneficiaries=Count(people, distinct=True),
            eligible_projects=Count("project", distinct=True, filter=eligible),
            eligible_people=Count(people, distinct=True, filter=eligible),
            active=Count(
                "project", distinct=True, filter=eligible & business_active(ALLOCATIONS, months)
            ),
            not_reincarcerated=Count(
                people,
                distinct=True,
                filter=eligible & ~reincarcerated_within(ALLOCATIONS, months),
            ),
        )
        .order_by()
    )
    found = {row["convention"]: row for row in rows}
    empty = {
        "beneficiaries": 0,
        "eligible_projects": 0,
        "eligible_people": 0,
        "active": 0,
        "not_reincarcerated": 0,
    }
    return {
        pk: ConventionOutcomes(
            convention_id=pk,
            disbursed=amount,
            **{key: found.get(pk, empty)[key] for key in empty},
        )
        for pk, amount in disbursed.items()
    }


def convention_outcome(convention: Convention, today: datetime.date) -> ConventionOutcomes:
    return convention_outcomes({convention.pk: convention.disbursed}, today)[convention.pk]


# --- The convention page's section -----------------------------------------------------------


def convention_section(convention: Convention, user: User) -> dict[str, Any]:
    """Registered in ``partners.hooks.CONVENTION_SECTIONS``: the convention's cost per sustained
    outcome, totals only (whoever may open the page may read them, officials included)."""
    return {
        "template": "ceremonies/_convention_outcomes.html",
        "cost": convention_outcome(convention, timezone.localdate()),
    }
