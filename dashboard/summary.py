"""The dashboard's figures kept per centre, so that no reader waits for the network's aggregates.

People belong to one centre at a time, and their projects, visits, placements and ledger
movements follow their file: every figure of the unfiltered dashboard is a sum (or a share of
sums) over centres. ``CentreFigures`` holds, per centre, the additive parts of every figure
(counts, amounts, per-track people and totals, per-quarter cohort numerators and denominators,
exit reasons); a dashboard merges the rows of the centres in its scope and derives the shares
and averages after merging (``merged``). What is not kept:

- the projects waiting for approval: their brackets count from the hour, so they are read live
  (``selectors.waiting_figures``, a few hundred rows through their partial index);
- the conventions: their ~200 rows carry their own committed and disbursed totals, read live.

The rows also keep the needs by domain (people of open files by the score of each domain on
their latest assessment, and the open files): the block below the figures reads the user's
whole scope from them, whatever the filters.

**Fresh after every change.** Every change writes an audit entry inside its transaction
(``reintegration.audit.RECORDED``); ``entry_recorded`` notes the centres it touched (the
file's, the project's, the ceremony's handovers', both centres of a transfer) and, once the
transaction commits, raises their rows' ``version``. A reader then finds the row older than its
version and recomputes that centre alone (``refresh``: one centre's figures, about a dozen
queries) before merging. The recompute locks the row and reads the version before the data, so
a change committed meanwhile leaves the row stale again, never wrongly current.

**Today.** Some parts count from today (visits due or overdue, outcomes old enough for a
milestone); a row computed for another day is stale as well. ``manage.py refresh_dashboard``
recomputes every centre just after midnight (and repairs any drift: a process stopped between a
commit and its version bump), so readers rarely do.

Filtered dashboards (period, track, sector) are computed live (``selectors._figures``); a
territory alone merges the centres within it."""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Case, F, JSONField, Model, Q, Value, When
from django.utils import timezone
from django.utils.functional import cached_property
from django_tasks import task

from beneficiaries.assessments import DomainCounts, domain_counts, needs_by_domain
from beneficiaries.models import Beneficiary
from beneficiaries.needs import DOMAINS
from ceremonies import outcomes as measured
from ceremonies.models import Ceremony, Handover
from dashboard import selectors as live
from dashboard.models import CentreFigures
from projects.models import LifeProject, Status
from reintegration.concurrency import lock_rows
from reintegration.models import AuditEntry, Centre, Province, Region, Role, User

Part = int | Decimal
# Parts whose key starts with this are amounts (kept as text in JSON, summed as Decimal).
MONEY = "$"
# The needs by domain: "needs:<domain>:<score>" people, and the open files.
NEEDS = "needs:"
NEEDS_OPEN = f"{NEEDS}open"
# What the parts hold: a row computed under another layout is stale (``_current``).
LAYOUT = 2


# --- The parts of one centre -------------------------------------------------------------------


def parts_of(figures: dict) -> dict[str, Part]:
    """The additive parts of ``selectors.scope_figures``' result (unfiltered), flat."""
    people, projects = figures["people"], figures["projects"]
    money, outcomes = figures["money"], figures["outcomes"]
    parts: dict[str, Part] = {
        "registered": people["registered"],
        "with_consent": people["with_consent"],
        "women": people["women"],
        "approved": projects["approved"],
        "equipped": projects["equipped"],
        f"{MONEY}approved": projects["approved_amount"],
        f"{MONEY}requested": projects["requested_amount"],
        f"{MONEY}committed": money["committed"],
        f"{MONEY}disbursed": money["disbursed"],
        "due": outcomes["due"],
        "overdue": outcomes["overdue"],
    }
    parts.update({f"stage:{stage.value}": count for stage, count in people["stages"]})
    parts.update({f"status:{status.value}": count for status, count in projects["statuses"]})
    for row in money["tracks"]:
        parts[f"track:{row['beneficiary__track']}:people"] = row["people"]
        parts[f"{MONEY}track:{row['beneficiary__track']}:total"] = row["total"]
    for name, keys in OUTCOME_PARTS.items():
        for row in outcomes[name]:
            parts.update({f"{name}:{row['months']}:{key}": row[key] for key in keys})
    parts.update({f"exit:{reason or ''}": count for reason, count in outcomes["exits"]})
    for cohort in outcomes["cohorts"]:
        prefix = f"cohort:{cohort.year}:{cohort.quarter}"
        parts[f"{prefix}:size"] = cohort.size
        parts[f"{prefix}:ever"] = cohort.reincarcerated_ever
        for outcome in cohort.active:
            parts[f"{prefix}:active:{outcome.months}"] = outcome.count
            parts[f"{prefix}:known:{outcome.months}"] = outcome.known
        for outcome in cohort.reincarcerated:
            parts[f"{prefix}:back:{outcome.months}"] = outcome.count
    return {key: value for key, value in parts.items() if value}


SCORES = ("red", "amber", "green")


def needs_parts(centre_id: int) -> dict[str, Part]:
    """The needs by domain of one centre's open files, as parts (two queries)."""
    rows = needs_by_domain(Beneficiary.objects.filter(centre=centre_id))
    parts: dict[str, Part] = {NEEDS_OPEN: rows[0].total if rows else 0}
    for row in rows:
        parts.update({f"{NEEDS}{row.domain}:{score}": getattr(row, score) for score in SCORES})
    return {key: value for key, value in parts.items() if value}


def needs_rows(parts: Counter) -> list[DomainCounts]:
    """The needs by domain of the sum of some centres' parts."""
    scored = {
        (domain, score): int(parts[f"{NEEDS}{domain}:{score}"])
        for domain in DOMAINS
        for score in SCORES
    }
    return domain_counts(scored, int(parts[NEEDS_OPEN]))


# The counts kept of each outcome row; the others are derived from them (``_outcome_rows``).
OUTCOME_PARTS = {
    "survival": ("eligible", "active", "inactive"),
    "reincarceration": ("eligible", "reincarcerated"),
    "employment": ("eligible", "employed", "not_employed"),
}


def _loaded(stored: dict[str, Any]) -> dict[str, Part]:
    return {
        key: Decimal(value) if key.startswith(MONEY) else int(value)
        for key, value in stored.items()
    }


# --- Merged into the figures of a scope --------------------------------------------------------


def _outcome_rows(parts: Counter, name: str, months: Iterable[int]) -> list[dict]:
    rows = []
    for month in months:
        row: dict[str, Any] = {"months": month}
        row.update({key: parts[f"{name}:{month}:{key}"] for key in OUTCOME_PARTS[name]})
        if name == "survival":
            row["done"] = row["active"] + row["inactive"]
            row["unknown"] = row["eligible"] - row["done"]
            row["share"] = live._share(row["active"], row["done"])
        elif name == "reincarceration":
            row["not_reincarcerated"] = row["eligible"] - row["reincarcerated"]
            row["rate"] = live._share(row["reincarcerated"], row["eligible"])
        else:
            known = row["employed"] + row["not_employed"]
            row["unknown"] = row["eligible"] - known
            row["share"] = live._share(row["employed"], known)
        rows.append(row)
    return rows


def _cohort_outcome(
    parts: Counter, prefix: str, months: int, count: str, known: int, too_young: bool
) -> measured.CohortOutcome:
    if too_young:
        return measured.CohortOutcome(months, True)
    return measured.CohortOutcome(months, False, parts[f"{prefix}:{count}:{months}"], known)


def _cohorts(parts: Counter, today: datetime.date) -> list[measured.CohortRow]:
    quarters = sorted(
        {(int(key.split(":")[1]), int(key.split(":")[2])) for key in parts if key[:7] == "cohort:"}
    )
    rows = []
    for year, quarter in quarters:
        prefix = f"cohort:{year}:{quarter}"
        size = parts[f"{prefix}:size"]
        if not size:
            continue
        young = {
            m: not measured.cohort_old_enough(year, quarter, m, today)
            for m in {*measured.BUSINESS_MILESTONES, *measured.REINCARCERATION_WINDOWS}
        }
        active = tuple(
            _cohort_outcome(parts, prefix, m, "active", parts[f"{prefix}:known:{m}"], young[m])
            for m in measured.BUSINESS_MILESTONES
        )
        back = tuple(
            _cohort_outcome(parts, prefix, m, "back", size, young[m])
            for m in measured.REINCARCERATION_WINDOWS
        )
        rows.append(measured.CohortRow(year, quarter, size, active, back, parts[f"{prefix}:ever"]))
    return rows


def merged(parts: Counter, today: datetime.date) -> dict:
    """The figures of ``selectors.scope_figures`` (unfiltered, without the waiting projects)
    from the sum of the parts of a scope's centres."""
    tracks = sorted(
        {int(key.split(":")[1]) for key in parts if key.startswith("track:")},
    )
    track_rows = []
    for track in tracks:
        people, total = parts[f"track:{track}:people"], parts[f"{MONEY}track:{track}:total"]
        if people:
            average = (Decimal(total) / people).quantize(Decimal("0.01"))
            track_rows.append(
                {"beneficiary__track": track, "people": people, "total": total, "average": average}
            )
    reasons: list[LifeProject.ExitReason | None] = [*LifeProject.ExitReason, None]
    return {
        "people": {
            "registered": parts["registered"],
            "with_consent": parts["with_consent"],
            "women": parts["women"],
            "women_share": live._share(parts["women"], parts["registered"]),
            "stages": [(stage, parts[f"stage:{stage.value}"]) for stage in Beneficiary.Status],
        },
        "projects": {
            "approved": parts["approved"],
            "approved_amount": parts[f"{MONEY}approved"],
            "equipped": parts["equipped"],
            "requested_amount": parts[f"{MONEY}requested"],
            "statuses": [(status, parts[f"status:{status.value}"]) for status in Status],
        },
        "money": {
            "requested": parts[f"{MONEY}requested"],
            "approved": parts[f"{MONEY}approved"],
            "committed": parts[f"{MONEY}committed"],
            "disbursed": parts[f"{MONEY}disbursed"],
            "tracks": track_rows,
        },
        "outcomes": {
            "due": parts["due"],
            "overdue": parts["overdue"],
            "survival": _outcome_rows(parts, "survival", measured.BUSINESS_MILESTONES),
            "reincarceration": _outcome_rows(
                parts, "reincarceration", measured.REINCARCERATION_WINDOWS
            ),
            "employment": _outcome_rows(parts, "employment", measured.EMPLOYMENT_MILESTONES),
            "exits": [(reason, parts[f"exit:{reason or ''}"]) for reason in reasons],
            "cohorts": _cohorts(parts, today),
        },
    }


# --- Reading ----------------------------------------------------------------------------------


def covers(filters: live.Filters) -> bool:
    """Whether the kept figures answer these filters: none, or a territory alone."""
    return live.Filters(territory=filters.territory) == filters


def _scope_condition(user: User) -> Q | None:
    """The centres whose files the user's dashboard counts, as a condition on the centres
    (``selectors.dashboard_scope``); ``Q()`` for every centre, None for none."""
    if not live.can_view_dashboard(user):
        return None
    if user.role == Role.COORDINATOR:
        return Q(pk=user.centre_id) if user.centre_id else None
    if user.role == Role.REGIONAL:
        return Q(province__region=user.region_id) if user.region_id else None
    if user.role == Role.OFFICIAL:
        return Q(province=user.province_id) if user.province_id else None
    return Q()


def centres_of(user: User, filters: live.Filters) -> Any:
    """The centres whose files the user's dashboard counts (``selectors.dashboard_scope``),
    within the chosen territory."""
    scope = _scope_condition(user)
    if scope is None:
        return Centre.objects.none()
    return live.in_territory(Centre.objects.filter(scope), filters.territory, "pk")


def _flag(condition: Q | None) -> Any:
    """A boolean column: whether the centre meets the condition."""
    if condition is None:
        return Value(False)
    if not condition:
        return Value(True)
    return Case(When(condition, then=Value(True)), default=Value(False))


def _in_territory(territory: Region | Province | Centre | None) -> Q:
    if isinstance(territory, Region):
        return Q(province__region=territory.pk)
    if isinstance(territory, Province):
        return Q(province=territory.pk)
    if isinstance(territory, Centre):
        return Q(pk=territory.pk)
    return Q()


def _current(row: CentreFigures, today: datetime.date) -> bool:
    return (
        row.computed_version == row.version
        and row.computed_for == today
        and row.computed_layout == LAYOUT
    )


# What names one computation of a centre's row: its parts are written by ``refresh`` alone,
# which sets all of these, so rows read with the same values hold the same parts.
COMPUTE_FIELDS = ("computed_version", "computed_for", "computed_at", "computed_layout")


class Kept:
    """The kept figures of one reader's dashboard (no filter, or a territory alone).

    Read in one query whatever the number of files: every centre with its row's version and
    computation (and whether it is in the reader's scope and territory); then, when asked for,
    the waiting projects and the conventions' rows (one each). That is enough to name the figures
    (``key``) and the cost per sustained outcome (``costs_key``) without reading the kept
    parts: a page rendered under ``key`` is reused without them. The parts, the merged figures
    and the needs by domain are read when asked for (one query more, or none when ``parts``
    asked for them with the rest).
    Centres of the scope whose row is stale are recomputed first (``refresh``)."""

    def __init__(
        self,
        user: User,
        filters: live.Filters,
        *,
        now: datetime.datetime | None = None,
        parts: bool = False,
    ):
        self.user, self.filters = user, filters
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        scope = _scope_condition(user)
        territory = _in_territory(filters.territory)
        flags = {
            "whole": _flag(scope),
            "scoped": _flag(None if scope is None else scope & territory),
        }
        fields = ["pk", "figures__version", *(f"figures__{name}" for name in COMPUTE_FIELDS)]
        centres = Centre.objects.annotate(**flags)
        if parts:
            fields.append("kept_parts")
            centres = centres.annotate(
                kept_parts=Case(
                    When(whole=True, then=F("figures__parts")),
                    default=Value(None),
                    output_field=JSONField(),
                )
            )
        rows = list(centres.order_by("pk").values(*fields, *flags))
        self.versions = {row["pk"]: row["figures__version"] for row in rows}
        self.computed = {
            row["pk"]: tuple(row[f"figures__{name}"] for name in COMPUTE_FIELDS) for row in rows
        }
        self.whole = [row["pk"] for row in rows if row["whole"]]
        self.scoped = [row["pk"] for row in rows if row["scoped"]]
        self._parts: dict[int, dict[str, Part]] = {
            row["pk"]: _loaded(row["kept_parts"] or {}) for row in rows if parts and row["whole"]
        }
        missing = [pk for pk, version in self.versions.items() if version is None]
        if missing:
            # From now on, changes to these centres raise their version.
            CentreFigures.objects.bulk_create(
                [CentreFigures(centre_id=pk) for pk in missing], ignore_conflicts=True
            )
            self.versions.update(
                CentreFigures.objects.filter(pk__in=missing).values_list("pk", "version")
            )
        stale = [
            pk
            for pk in self.whole
            if not (
                self.versions[pk] == self.computed[pk][0]
                and self.computed[pk][1] == self.today
                and self.computed[pk][3] == LAYOUT
            )
        ]
        for pk, row in refresh(stale, now=self.now).items():
            self.versions[pk] = row.version
            self.computed[pk] = tuple(getattr(row, name) for name in COMPUTE_FIELDS)
            self._parts[pk] = _loaded(row.parts)
        self._everywhere = scope is not None and not scope and filters.territory is None

    @cached_property
    def waiting(self) -> dict:
        """The projects waiting for approval, live (they count from the hour)."""
        projects = LifeProject.objects.all()
        if not self._everywhere:
            # The centres in scope by their keys: the same projects as ``dashboard_scope``
            # within the territory, without joining the files to their region.
            projects = projects.filter(beneficiary__centre__in=self.scoped)
        return live.waiting_figures(lambda _model: projects, self.now)

    @cached_property
    def conventions(self) -> list[dict]:
        """The conventions' rows, live: they carry their own totals."""
        return live.convention_rows(self.user, self.filters)

    @cached_property
    def costs_key(self) -> str:
        return "dashboard-costs:" + _digest(
            self.today,
            sorted(self.versions.items()),
            [(row["pk"], row["disbursed"]) for row in self.conventions],
        )

    @cached_property
    def key(self) -> str:
        """A digest of every figure of the page: the same key, the same figures."""
        user = self.user
        return _digest(
            self.today,
            # The filters' options follow the reader's role and scope.
            [user.role, user.centre_id, user.region_id, user.province_id],
            [(pk, self.computed[pk]) for pk in self.scoped],
            [(pk, self.computed[pk]) for pk in self.whole] if self.filters.territory else [],
            self.waiting["waiting"],
            self.waiting["longest_wait_days"],
            [count for _label, count in self.waiting["waiting_brackets"]],
            self.conventions,
            self.costs_key,
        )

    def _sum(self, centres: list[int]) -> Counter:
        unread = [pk for pk in centres if pk not in self._parts]
        if unread:
            self._parts.update(
                (pk, _loaded(parts))
                for pk, parts in CentreFigures.objects.filter(pk__in=unread).values_list(
                    "pk", "parts"
                )
            )
        total: Counter = Counter()
        for pk in centres:
            total.update(self._parts.get(pk, {}))
        return total

    @cached_property
    def parts(self) -> Counter:
        """The summed parts of the centres in scope and territory."""
        return self._sum(self.scoped)

    @cached_property
    def needs(self) -> list[DomainCounts]:
        """The needs by domain of the user's whole scope: the territory chosen does not apply."""
        if self.filters.territory is None:
            return needs_rows(self.parts)
        return needs_rows(self._sum(self.whole))

    def costs(self, found: Any = None) -> dict:
        """The cost per sustained outcome of the listed conventions: each convention's own
        totals over every project it paid for, whatever the reader's scope, so not a sum of the
        scope's rows. Computed live (``selectors.convention_costs``, tens of milliseconds
        nationally) and kept in the cache under the versions of every centre's row, today and
        the conventions' disbursed amounts: any change to any file, project, visit or money
        raises a version, so the key changes with the figures and a kept value is never out of
        date. ``found`` is the value already read from the cache under ``costs_key``."""
        costs = found if found is not None else cache.get(self.costs_key)
        if costs is None:
            costs = live.convention_costs(self.conventions, self.today)
            cache.set(self.costs_key, costs, KEPT_SECONDS)
        return costs

    def figures(self, costs: Any = None) -> dict:
        """Every figure of the dashboard (``selectors.scope_figures``' shape)."""
        figures = merged(self.parts, self.today)
        figures["computed_at"] = self.now
        figures["projects"].update(self.waiting)
        figures["money"]["conventions"] = self.conventions
        figures["money"]["costs"] = self.costs(costs)
        figures["needs"] = self.needs
        return figures


def scope_parts(user: User, filters: live.Filters, now: datetime.datetime) -> Counter:
    """The summed parts of the centres in scope, recomputing the centres changed since their
    row was computed (or computed for another day) first."""
    return Kept(user, filters, now=now, parts=True).parts


def figures_for(user: User, filters: live.Filters) -> tuple[dict, str]:
    """Every figure of the user's dashboard from the kept rows, and a key naming them (the
    same figures, the same key: the rendered page may be reused for exactly as long)."""
    kept = Kept(user, filters, parts=True)
    return kept.figures(), kept.key


def needs_for(user: User) -> list[DomainCounts]:
    """The needs by domain of the user's whole scope, from the kept rows (one query)."""
    return Kept(user, live.Filters(), parts=True).needs


def _digest(*values: object) -> str:
    text = json.dumps(values, cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# How long what is cached under a key made of the figures themselves may be reused: the cost
# per sustained outcome (``Kept.costs``) and the rendered page (``dashboard.views``).
# Such a key changes with the figures, so this bounds only the cache's size, never staleness.
KEPT_SECONDS = 24 * 3600


# --- Computing ---------------------------------------------------------------------------------


def refresh(
    centre_ids: Iterable[int], *, now: datetime.datetime | None = None, force: bool = False
) -> dict[int, CentreFigures]:
    """Recompute the rows of these centres that are stale (all of them with ``force``), each in
    its own transaction under the row's lock; return the rows."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = sorted(set(centre_ids))
    CentreFigures.objects.bulk_create(
        [CentreFigures(centre_id=pk) for pk in ids], ignore_conflicts=True
    )
    rows = {}
    for pk in ids:
        with transaction.atomic():
            lock_rows(CentreFigures, pk)
            # The version first, then the data: a change committed after this read raises the
            # version again, and the row stays stale for the next reader.
            row = CentreFigures.objects.get(pk=pk)
            if force or not _current(row, today):
                figures = live.scope_figures(live.centre_scope(pk), live.Filters(), now)
                row.parts = parts_of(figures) | needs_parts(pk)
                row.computed_version = row.version
                row.computed_for = today
                row.computed_at = now
                row.computed_layout = LAYOUT
                row.save(
                    update_fields=[
                        "parts",
                        "computed_version",
                        "computed_for",
                        "computed_at",
                        "computed_layout",
                    ]
                )
        rows[pk] = row
    return rows


def rebuild(*, now: datetime.datetime | None = None) -> int:
    """Recompute every centre's row (the nightly job, and the data generators at their end)."""
    ids = list(Centre.objects.values_list("pk", flat=True))
    refresh(ids, now=now, force=True)
    return len(ids)


# --- Told of changes ---------------------------------------------------------------------------

# What the transactions of this thread touched, by kind of key, bumped once after the commit.
# A rolled-back change leaves its keys for the next commit of the thread, which bumps a centre
# that did not change: a recompute too many, never a figure missed.
_pending = threading.local()
KINDS = ("centres", "codes", "beneficiaries", "projects", "ceremonies")


# The apps whose records the figures count; entries about others (a sign-in's second factor,
# a task done) change no figure, and would only make their centre's next reader wait.
FIGURE_APPS = ("beneficiaries", "partners", "projects", "ceremonies")


def _touched(entry: AuditEntry, target: Model | None) -> dict[str, set]:
    found: dict[str, set] = {kind: set() for kind in KINDS}
    if isinstance(target, Centre):
        # A file import names the centre it filled.
        found["centres"].add(target.pk)
    if target is None or target._meta.app_label not in FIGURE_APPS:
        return found
    if isinstance(target, Beneficiary):
        found["beneficiaries"].add(target.pk)
    elif isinstance(target, Ceremony):
        found["ceremonies"].add(target.pk)
    elif isinstance(target, LifeProject):
        found["beneficiaries"].add(target.beneficiary_id)
    for attribute, kind in (
        ("centre_id", "centres"),
        ("beneficiary_id", "beneficiaries"),
        ("project_id", "projects"),
    ):
        value = getattr(target, attribute, None)
        if isinstance(value, int):
            found[kind].add(value)
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    # A transfer names both centres by code; money moved names its project.
    if isinstance(target, Beneficiary) and isinstance(changes.get("centre"), list):
        found["codes"].update(str(code) for code in changes["centre"])
    if isinstance(changes.get("project"), int):
        found["projects"].add(changes["project"])
    return found


def entry_recorded(entry: AuditEntry, target: Model | None) -> None:
    """Registered in ``reintegration.audit.RECORDED``: note the centres this change touched,
    and raise their rows' version once the transaction commits."""
    found = _touched(entry, target)
    if not any(found.values()):
        return
    for kind, keys in found.items():
        pending: set = getattr(_pending, kind, set())
        pending.update(keys)
        setattr(_pending, kind, pending)
    transaction.on_commit(bump_pending, robust=True)


def bump_pending() -> None:
    taken: dict[str, set] = {kind: getattr(_pending, kind, set()) for kind in KINDS}
    for kind in KINDS:
        setattr(_pending, kind, set())
    if not any(taken.values()):
        return
    centres = set(taken["centres"])
    sources = (
        (Beneficiary.objects, "pk__in", taken["beneficiaries"], "centre"),
        (LifeProject.objects, "pk__in", taken["projects"], "beneficiary__centre"),
        (Handover.objects, "ceremony__in", taken["ceremonies"], "project__beneficiary__centre"),
        (Centre.objects, "code__in", taken["codes"], "pk"),
    )
    for manager, lookup, keys, path in sources:
        if keys:
            centres.update(manager.filter(**{lookup: keys}).values_list(path, flat=True))
    centres.discard(None)
    if centres:
        CentreFigures.objects.filter(pk__in=centres).update(version=F("version") + 1)
        # Recomputed by the worker a moment later, so that the next readers (other people's
        # dashboards above all) find the rows current instead of waiting for the recompute;
        # a reader quicker than the worker recomputes them itself, as before.
        refresh_soon.enqueue(sorted(centres))


# Below the other background tasks: a message or a requested document never waits for it.
@task(priority=-10)
def refresh_soon(centre_ids: list[int]) -> None:
    """Recompute the rows of these centres if a reader has not done it already. The keys a
    rolled-back change left behind may name a centre that no longer exists: it is skipped."""
    refresh(Centre.objects.filter(pk__in=centre_ids).values_list("pk", flat=True))
