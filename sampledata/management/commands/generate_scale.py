"""Fill the database with a whole network's activity, to measure the application at national
scale (docs/benchmarks.md): on top of ``generate_beneficiaries``' files, life projects with their
budget lines and decisions, conventions charged with the approved budgets, equipment handover
ceremonies and follow-up visits. Not for production databases.

Rows are built in Python and inserted with ``bulk_create``, a few thousand projects per
transaction; no service runs (a transition per row would take hours), but the rows follow the
services' own rules, called on the rows in memory: where an approval takes a project
(``projects.services.approval_status``), how it is charged (``partners.services.check_splits``),
what a ceremony disburses (``draw``) and a release gives back (``undisbursed``), the visits a
handover schedules (``visit_schedule``), the person's status (``person_status``). The rest it
keeps by construction: one open project per person, lines adding up to the requested total,
committed money within the envelope and disbursed money within the committed, handovers worth
their items and cheque. The test ``projects/tests/test_generate_scale.py`` checks those
invariants on the generated rows.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, ProgrammeTrack
from ceremonies.models import Ceremony, Handover, HandoverItem, HandoverItemSerial
from partners import services as ledger
from partners.models import (
    Allocation,
    Contribution,
    Convention,
    IndhProgramme,
    LedgerMovement,
    Partner,
    Tranche,
)
from projects import permissions as project_permissions
from projects import services as project_services
from projects.models import BudgetLine, Decision, FollowUpVisit, LifeProject, Status, Trade
from reintegration.models import Centre, Province, Region, Role, User
from reintegration.money import MoneyField, to_centimes
from sampledata import funding as partners_demo
from sampledata import life_projects as projects_demo
from sampledata import people as beneficiaries_demo
from sampledata import staff as reintegration_demo

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BATCH_SIZE = 4_000  # projects (and everything hanging from them) per transaction

# The demo centres cover 7 of the 12 regions; these are added, one per region left, so that
# every region has files. Invented for the measurement (code, province, French and Arabic city).
EXTRA_CENTRES = {
    "05": ("BML", "05.091", "Béni Mellal", "ببني ملال"),
    "08": ("ERR", "08.201", "Errachidia", "بالرشيدية"),
    "10": ("GLM", "10.261", "Guelmim", "بكلميم"),
    "11": ("LAY", "11.321", "Laâyoune", "بالعيون"),
    "12": ("DKH", "12.391", "Dakhla", "بالداخلة"),
}

# What happened to the projects whose equipment was not handed over, in shares of them.
PIPELINE_SHARES = {
    "rejected": 18,
    "abandoned": 6,
    "funded": 12,
    "approved": 10,
    Status.AWAITING_NATIONAL: 6,
    Status.SUBMITTED: 22,
    Status.RETURNED: 7,
    Status.DRAFT: 19,
}
# Older files are further along: from the oldest pipeline file to the newest.
PIPELINE_ORDER = (
    Status.FUNDED,
    Status.APPROVED,
    Status.AWAITING_NATIONAL,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.DRAFT,
)
# How long the project waits in its current state, in days (the inbox shows days waiting).
WAITING_DAYS = {
    Status.DRAFT: (1, 100),
    Status.SUBMITTED: (0.2, 75),
    Status.RETURNED: (1, 45),
    Status.AWAITING_NATIONAL: (0.5, 40),
    Status.APPROVED: (2, 50),
    Status.FUNDED: (2, 60),
}
# Of the files without a project, this share are the newest (still in diagnosis); the rest are
# older people who dropped out before any project.
NEWEST_WITHOUT_PROJECT = 0.35
LINES_PER_PROJECT = {1: 5, 2: 20, 3: 35, 4: 25, 5: 10, 6: 5}
MAX_LINES = 8
RETURNED_ONCE = 0.15  # sent back to the centre once before approval
LARGE_SHARE = 0.07  # above the regional ceiling: approved by the region, then headquarters
LATE_REJECTION = 0.15  # of rejections, after approval (the money is released)
SPLIT_SHARE = 0.08  # approvals charged to two conventions
MISSED_VISIT = 0.05  # due visits never made (overdue)
FAILURE = 0.055  # chance, at each visit made, that the business has stopped
REINCARCERATED = 0.25  # of the failures, the person is back in prison
PLANNED_CEREMONIES = 0.02
CANCELLED_CEREMONIES = 0.015
# Conventions: (partner kind, reference prefix, share)
CONVENTION_KINDS = [
    (Partner.Kind.INDH_COMMITTEE, "CPDH", 70),
    (Partner.Kind.PREFECTURE, "WIL", 10),
    (Partner.Kind.MICROFINANCE, "MIC", 8),
    (Partner.Kind.COMPANY, "ENT", 6),
    (Partner.Kind.NGO, "ASSO", 6),
]
REGION_WIDE = 0.15  # conventions covering every province of their region

GENERIC_KIT = [
    ("معدات مهنية أساسية", "equipment", 1, "9500.00"),
    ("أثاث وتجهيز المحل", "equipment", 1, "4200.00"),
    ("أدوات العمل", "tools", 1, "2400.00"),
    ("سلع ومواد أولية", "stock", 1, "5500.00"),
    ("رأس مال التشغيل", "working_capital", 1, "3000.00"),
    ("دراجة نارية للتوصيل", "vehicle", 1, "14500.00"),
]
EXTRA_LINES = [
    ("قطع غيار", "tools", 1, "900.00"),
    ("لوازم إضافية", "stock", 1, "1500.00"),
    ("معدات إضافية", "equipment", 1, "3800.00"),
    ("لافتة المحل", "equipment", 1, "1200.00"),
    ("رأس مال التشغيل", "working_capital", 1, "2500.00"),
]
SUPPLIERS = ["مورد محلي", "Équipements du Nord SARL", "مؤسسة الأمل للتجهيز", "Comptoir Atlas"]
COMMENTS = {
    "return": ["يرجى إرفاق عرض أثمان ثان للمعدات.", "Préciser le local et joindre le bail."],
    "reject": ["المشروع غير ملائم للسوق المحلية.", "Budget sans rapport avec le métier."],
    "abandon": ["انسحب المستفيد قبل تسليم المعدات.", "Le bénéficiaire a quitté la région."],
}
DIFFICULTIES = ["صعوبات في التزود بالمواد الأولية", "Local perdu", "منافسة قوية في الحي"]
REINCARCERATION_SOURCES = ["الأسرة", "Administration pénitentiaire", "الجيران"]
CANCEL_REASONS = ["تأجيل بطلب من السلطات الإقليمية", "Report : visite officielle"]
JUSTIFICATION = "معدات إضافية ضرورية لنشاط الورشة."
CLOSING = {"active": "نهاية فترة التتبع", "failed": "توقف النشاط"}


@dataclass
class Context:
    centres: dict[int, Centre]
    coordinator: dict[int, int]  # centre pk -> user pk
    approver: dict[int, int]  # region pk -> regional user pk
    national: int
    trades: list[Trade]
    ceilings: dict[int, Decimal | None]  # track pk -> ceiling
    now: datetime.datetime
    today: datetime.date
    milestones: tuple[int, ...]
    regional_ceiling: Decimal


class Plan:
    """One life project to generate: whose, where it stands, and the times of its steps."""

    __slots__ = (
        "centre",
        "ceremony",
        "large",
        "late",
        "lines",
        "opened",
        "person",
        "person_status",
        "planned",
        "province",
        "returned",
        "status",
        "steps",
        "times",
        "track",
    )

    def __init__(self, person, centre, province, opened, track):
        self.person, self.centre, self.province = person, centre, province
        self.opened, self.track = opened, track
        self.status = ""
        self.large = self.returned = self.late = False
        self.lines = 0
        self.steps: list[tuple[str, float]] = []
        self.times: list[datetime.datetime] = []
        self.ceremony: Ceremony | None = None  # held: the handover's ceremony
        self.planned: Ceremony | None = None  # charged, prepared for a planned ceremony
        self.person_status = ""  # the person's pipeline status once the project is generated


@contextlib.contextmanager
def _given_dates(*model_classes) -> Iterator[None]:
    """Let bulk_create keep the times we set: auto_now and auto_now_add would replace years of
    history with the current minute."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _shares(total: int, weights: dict) -> dict:
    """Split ``total`` by ``weights`` into integers that add up to it (largest remainder)."""
    whole = sum(weights.values())
    raw = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(value) for key, value in raw.items()}
    left = total - sum(counts.values())
    for key in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:left]:
        counts[key] += 1
    return counts


def _days(value: float) -> datetime.timedelta:
    return datetime.timedelta(days=value)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _money(value: float, step: int = 10) -> Decimal:
    return Decimal(max(step, round(value / step) * step)).quantize(CENT)


class Command(BaseCommand):
    help = (
        "Generate a national network's activity (files, life projects, budgets, conventions, "
        "ceremonies and follow-up visits) for performance measurements."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--beneficiaries",
            type=int,
            default=100_000,
            help="files generate_beneficiaries creates first (0: use the files already there)",
        )
        parser.add_argument("--projects", type=int, default=80_000)
        parser.add_argument("--lines", type=int, default=250_000, help="budget lines in all")
        parser.add_argument(
            "--visits",
            type=int,
            default=300_000,
            help="follow-up visits; one handover schedules one per milestone (4)",
        )
        parser.add_argument("--conventions", type=int, default=200)
        parser.add_argument("--ceremonies", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            # It creates the demo accounts, whose password is public.
            raise CommandError("generate_scale refuses to run with DJANGO_ENV=production.")
        started = time.perf_counter()
        self._check(options)
        with transaction.atomic():
            reintegration_demo.seed()
            _centres_in_every_region()
            _staff()
        if options["beneficiaries"]:
            call_command(
                "generate_beneficiaries",
                count=options["beneficiaries"],
                seed=options["seed"],
                stdout=self.stdout._out,
            )
        rng = random.Random(options["seed"] * 7_919 + 17)  # noqa: S311 (test data, not security)
        context = _context()
        with _given_dates(*DATED):
            plans = _plan_projects(rng, options, context)
            ceremonies = _plan_ceremonies(rng, plans, options["ceremonies"], context)
            conventions = _Conventions.create(rng, plans, options["conventions"], context)
            plans.sort(key=lambda plan: plan.times[0])  # primary keys grow with time
            writer = _Writer(rng, context, conventions)
            for start in range(0, len(plans), BATCH_SIZE):
                with transaction.atomic():
                    writer.write(plans[start : start + BATCH_SIZE])
                self._progress(min(start + BATCH_SIZE, len(plans)), len(plans))
            with transaction.atomic():
                conventions.finish(rng, context, writer.committed, writer.disbursed)
                writer.link_ceremonies(ceremonies)
                _sync_people(plans)
        _refresh_statistics()
        # No service ran, so no centre's kept dashboard figures know of the rows: compute them
        # all (the command, since this app sits beside the dashboard, not above it).
        call_command("refresh_dashboard", stdout=self.stdout._out)
        counts = writer.counts
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['LifeProject']} projects, {counts['BudgetLine']} budget lines, "
                f"{counts['Decision']} decisions, {counts['Allocation']} allocations, "
                f"{counts['LedgerMovement']} ledger movements, {len(ceremonies)} ceremonies "
                f"with {counts['Handover']} handovers and {counts['HandoverItem']} items, "
                f"{counts['FollowUpVisit']} visits, {len(conventions.all)} conventions "
                f"generated in {elapsed:.1f} s."
            )
        )

    def _progress(self, done: int, count: int) -> None:
        if self.stdout.isatty():  # a log file gets only the final line
            self.stdout.write(f"{done} / {count} projects", ending="\r")
            self.stdout.flush()

    @staticmethod
    def _check(options) -> None:
        milestones = len(settings.FOLLOW_UP_MILESTONES)
        projects, lines = options["projects"], options["lines"]
        if options["visits"] % milestones:
            raise CommandError(f"--visits must be a multiple of {milestones} (one per milestone).")
        if options["visits"] // milestones > projects:
            raise CommandError("More visits than the projects can have.")
        if not projects <= lines <= MAX_LINES * projects:
            raise CommandError(f"--lines must be between --projects and {MAX_LINES}× it.")
        if options["conventions"] < 1 or options["ceremonies"] < 1:
            raise CommandError("At least one convention and one ceremony.")


# --- Set-up -------------------------------------------------------------------------------


def _centres_in_every_region() -> None:
    covered = set(
        Centre.objects.filter(active=True).values_list("province__region__code", flat=True)
    )
    provinces = {p.code: p for p in Province.objects.all()}
    for region, (code, province, city_fr, city_ar) in EXTRA_CENTRES.items():
        if region not in covered and province in provinces:
            Centre.objects.get_or_create(
                code=code,
                defaults={
                    "province": provinces[province],
                    "name_fr": f"CAR {city_fr}",
                    "name_ar": f"مركز المصاحبة وإعادة الإدماج {city_ar}",
                    "address": city_fr,
                },
            )


def _staff() -> None:
    """A coordinator for every centre and regional staff for every region that has none, so
    that decisions carry plausible authors. They cannot sign in (no usable password)."""
    for centre in Centre.objects.filter(active=True).exclude(staff__role=Role.COORDINATOR):
        _account(f"coordinator.{centre.code.lower()}", Role.COORDINATOR, centre=centre)
    with_centre = Region.objects.filter(provinces__centres__active=True).distinct()
    for region in with_centre.exclude(staff__role=Role.REGIONAL):
        _account(f"regional.{region.code}", Role.REGIONAL, region=region)


def _account(username: str, role: str, **scope) -> None:
    if User.objects.filter(username=username).exists():
        return
    user = User(username=username, first_name="Staff", last_name=username, role=role, **scope)
    user.set_unusable_password()
    user.full_clean()
    user.save()


def _context() -> Context:
    centres = {c.pk: c for c in Centre.objects.filter(active=True).select_related("province")}
    national = User.objects.filter(role=Role.NATIONAL).order_by("pk").first()
    coordinator = dict.fromkeys(centres, national.pk)
    for user in User.objects.filter(role=Role.COORDINATOR, centre__in=centres).order_by("-pk"):
        coordinator[user.centre_id] = user.pk
    approver = {}
    for user in User.objects.filter(role=Role.REGIONAL).order_by("-pk"):
        approver[user.region_id] = user.pk
    return Context(
        centres=centres,
        coordinator=coordinator,
        approver=approver,
        national=national.pk,
        trades=list(Trade.objects.filter(active=True).order_by("pk")),
        ceilings=dict(ProgrammeTrack.objects.values_list("pk", "ceiling")),
        now=timezone.now(),
        today=timezone.localdate(),
        milestones=tuple(settings.FOLLOW_UP_MILESTONES),
        regional_ceiling=Decimal(settings.REGIONAL_APPROVAL_CEILING),
    )


# --- Planning -----------------------------------------------------------------------------


def _plan_projects(rng: random.Random, options, context: Context) -> list[Plan]:
    """Who gets a project and where it stands. The oldest files are the furthest along: the
    equipment of the oldest was handed over, the newest are in diagnosis without a project."""
    people = list(
        Beneficiary.objects.filter(
            projects__isnull=True, archived_at__isnull=True, centre__in=context.centres
        )
        .order_by("created_at", "pk")
        .values_list("pk", "centre_id", "residence_province_id", "created_at", "track_id")
    )
    count = options["projects"]
    if len(people) < count:
        raise CommandError(
            f"Only {len(people)} active files without a project for {count} projects."
        )
    without = len(people) - count
    newest = int(without * NEWEST_WITHOUT_PROJECT)
    older = people[: len(people) - newest]
    chosen = sorted(rng.sample(range(len(older)), count))
    plans = [Plan(*older[index]) for index in chosen]

    handed = options["visits"] // len(context.milestones)
    pipeline = _shares(count - handed, PIPELINE_SHARES)
    # Rejections and abandonments happen at any age; the others follow the files' order.
    terminal = rng.sample(range(count), pipeline["rejected"] + pipeline["abandoned"])
    for position, index in enumerate(terminal):
        plans[index].status = "rejected" if position < pipeline["rejected"] else "abandoned"
    rest = [plan for plan in plans if not plan.status]
    for plan in rest[:handed]:
        plan.status = "handed"
    position = handed
    for status in PIPELINE_ORDER:
        for plan in rest[position : position + pipeline[status]]:
            plan.status = status
        position += pipeline[status]

    lines = [
        rng.choices(list(LINES_PER_PROJECT), list(LINES_PER_PROJECT.values()))[0] for _ in plans
    ]
    difference = options["lines"] - sum(lines)
    while difference:
        index = rng.randrange(count)
        step = 1 if difference > 0 else -1
        if 1 <= lines[index] + step <= MAX_LINES:
            lines[index] += step
            difference -= step
    for plan, number in zip(plans, lines, strict=True):
        plan.lines = number
        plan.large = plan.status == Status.AWAITING_NATIONAL or rng.random() < LARGE_SHARE
        plan.returned = rng.random() < RETURNED_ONCE and plan.status != Status.RETURNED
        plan.late = plan.status == "rejected" and rng.random() < LATE_REJECTION
        plan.steps = _steps(rng, plan)
    return plans


def _steps(rng: random.Random, plan: Plan) -> list[tuple[str, float]]:
    """The project's steps with the days each took after the previous one (the first after the
    file was opened), up to where the project stands."""
    status = plan.status
    steps = [("create", rng.uniform(20, 150))]
    if status == Status.DRAFT:
        return steps
    steps.append(("submit", rng.uniform(7, 60)))
    if status == Status.RETURNED:
        return [*steps, ("return", rng.uniform(3, 20))]
    if plan.returned:
        steps += [("return", rng.uniform(3, 20)), ("submit", rng.uniform(4, 30))]
    if status == Status.SUBMITTED:
        return steps
    if status == "rejected" and not plan.late:
        return [*steps, ("reject", rng.uniform(3, 30))]
    if plan.large:
        steps.append(("approve_regional", rng.uniform(2, 30)))
        if status == Status.AWAITING_NATIONAL:
            return steps
    steps.append(("approve", rng.uniform(2, 30)))
    if status == Status.APPROVED:
        return steps
    if status == "rejected":
        return [*steps, ("reject", rng.uniform(5, 60))]
    if status == "abandoned":
        if rng.random() < 0.5:
            steps.append(("fund", rng.uniform(4, 25)))
        return [*steps, ("abandon", rng.uniform(10, 90))]
    steps.append(("fund", rng.uniform(4, 25)))
    if status == Status.FUNDED:
        return steps
    return [*steps, ("handover", rng.uniform(5, 45))]


def _fit(plan: Plan, anchor: datetime.datetime) -> None:
    """Times of the steps, the last one at ``anchor``, all after the file was opened (the steps
    are compressed when the file is too recent for them)."""
    total = sum(days for _step, days in plan.steps)
    span = (anchor - plan.opened).total_seconds() / 86_400
    if span <= 0:
        plan.times = [
            plan.opened + datetime.timedelta(minutes=i + 1) for i in range(len(plan.steps))
        ]
        return
    scale = min(1.0, span * 0.98 / total)
    times, done = [], 0.0
    for _step, days in plan.steps:
        done += days
        times.append(anchor - _days((total - done) * scale))
    plan.times = times


def _plan_ceremonies(
    rng: random.Random, plans: list[Plan], count: int, context: Context
) -> list[Ceremony]:
    """Held ceremonies per centre in proportion to its handovers: each centre's projects, in
    the order they were ready, are handed over in groups at the next ceremony. Then a few
    planned ones (in the coming weeks, with approved projects prepared) and cancelled ones."""
    latest = context.now - _days(1)
    ready = defaultdict(list)
    for plan in plans:
        if plan.status == "handed":
            total = sum(days for _step, days in plan.steps)
            ready[plan.centre].append((min(plan.opened + _days(total), latest), plan))
        else:
            anchor = _pipeline_anchor(rng, plan, context)
            _fit(plan, anchor)
    planned = round(count * PLANNED_CEREMONIES)
    cancelled = round(count * CANCELLED_CEREMONIES)
    held = count - planned - cancelled
    if held < len(ready):
        raise CommandError(f"At least {len(ready) + planned + cancelled} ceremonies are needed.")
    per_centre = _capped_shares(held, {c: len(items) for c, items in ready.items()})
    planned += held - sum(per_centre.values())  # more ceremonies than handovers

    ceremonies = []
    for centre_pk, items in ready.items():
        items.sort(key=lambda pair: pair[0])
        groups = _groups(rng, len(items), per_centre[centre_pk])
        previous = None
        for first, last in groups:
            day = timezone.localtime(items[last - 1][0]).date()
            if previous is not None and day <= previous:
                day = min(previous + datetime.timedelta(days=1), context.today)
            previous = day
            ceremony = _ceremony(rng, context, centre_pk, day, Ceremony.Status.HELD)
            ceremonies.append(ceremony)
            for _ready, plan in items[first:last]:
                plan.ceremony = ceremony
                _fit(plan, ceremony.held_at)
    first_day = min((plan.opened for plan in plans), default=context.now).date()
    centres = list(context.centres)
    charged = defaultdict(list)
    for plan in plans:
        if plan.status in (Status.APPROVED, Status.FUNDED):
            charged[plan.centre].append(plan)
    for index in range(planned):
        centre_pk = rng.choice(list(charged) or centres)
        day = context.today + datetime.timedelta(days=rng.randint(3, 60))
        ceremony = _ceremony(rng, context, centre_pk, day, Ceremony.Status.PLANNED)
        ceremonies.append(ceremony)
        for plan in charged.pop(centre_pk, [])[: 20 + index % 20]:
            plan.planned = ceremony
    for _index in range(cancelled):
        span = max(1, (context.today - first_day).days)
        day = first_day + datetime.timedelta(days=rng.randint(0, span - 1))
        ceremony = _ceremony(rng, context, rng.choice(centres), day, Ceremony.Status.CANCELLED)
        ceremonies.append(ceremony)
    ceremonies.sort(key=lambda c: (c.held_on, c.centre_id))
    Ceremony.objects.bulk_create(ceremonies)
    return ceremonies


def _pipeline_anchor(rng: random.Random, plan: Plan, context: Context) -> datetime.datetime:
    """When a project not handed over took its last step: a while ago for a waiting one;
    whenever its steps led for a rejected or abandoned one."""
    if plan.status in WAITING_DAYS:
        low, high = WAITING_DAYS[plan.status]
        anchor = context.now - _days(rng.uniform(low, high))
        if anchor <= plan.opened:
            anchor = plan.opened + (context.now - plan.opened) * rng.uniform(0.5, 0.95)
        return anchor
    total = sum(days for _step, days in plan.steps)
    return min(plan.opened + _days(total), context.now - _days(rng.uniform(0.1, 3)))


def _capped_shares(total: int, sizes: dict) -> dict:
    """``total`` split in proportion to ``sizes``, at least 1 and at most the size each."""
    counts = dict.fromkeys(sizes, 1)
    left = total - len(sizes)
    while left > 0:
        room = {key: size - counts[key] for key, size in sizes.items() if size > counts[key]}
        if not room:
            break
        extra = _shares(min(left, sum(room.values())), room)
        for key, value in extra.items():
            counts[key] += min(value, room[key])
        left = total - sum(counts.values())
    return counts


def _groups(rng: random.Random, size: int, count: int) -> list[tuple[int, int]]:
    """``count`` consecutive, non-empty slices of ``size`` items, of roughly equal length."""
    bounds = [0]
    for index in range(1, count):
        target = round(index * size / count + rng.uniform(-0.3, 0.3) * size / count)
        bounds.append(min(max(target, bounds[-1] + 1), size - (count - index)))
    bounds.append(size)
    return list(itertools.pairwise(bounds))


def _ceremony(
    rng: random.Random, context: Context, centre_pk: int, day: datetime.date, status: str
) -> Ceremony:
    centre = context.centres[centre_pk]
    province = centre.province
    authority = rng.choices(
        [Ceremony.Authority.GOVERNOR, Ceremony.Authority.WALI, Ceremony.Authority.OTHER],
        [70, 25, 5],
    )[0]
    first = rng.choice(beneficiaries_demo.MEN)[1]
    last = rng.choice(beneficiaries_demo.FAMILY)[1]
    ceremony = Ceremony(
        centre_id=centre_pk,
        province_id=province.pk,
        held_on=day,
        place=rng.choice(
            [
                f"مقر عمالة {province.name_ar}",
                centre.name_ar,
                f"Salle de la province {province.name_fr}",
            ]
        ),
        presided_by=f"{first} {last}",
        authority=authority,
        authority_other="Secrétaire général" if authority == Ceremony.Authority.OTHER else "",
        attendees="Représentant de la Fondation Mohammed VI\nDélégué provincial de l'INDH",
        status=status,
        created_by_id=context.coordinator[centre_pk],
        created_at=_at(day - datetime.timedelta(days=rng.randint(15, 45)), 10),
    )
    if ceremony.created_at > context.now:
        ceremony.created_at = context.now - _days(rng.uniform(0, 2))
    if status == Ceremony.Status.HELD:
        ceremony.held_by_id = context.approver.get(province.region_id, context.national)
        ceremony.held_at = min(_at(day, 11), context.now - datetime.timedelta(minutes=1))
        ceremony.version = 2
    elif status == Ceremony.Status.CANCELLED:
        ceremony.cancel_reason = rng.choice(CANCEL_REASONS)
        ceremony.version = 2
    return ceremony


class _Conventions:
    """The conventions, their territories and partners; which ones pay for an approval."""

    def __init__(self, conventions: list[Convention], covering: dict[int, list[Convention]]):
        self.all = conventions
        self.covering = covering  # province pk -> conventions whose territory includes it

    @classmethod
    def create(
        cls, rng: random.Random, plans: list[Plan], count: int, context: Context
    ) -> _Conventions:
        projects = Counter(plan.centre for plan in plans)
        centres = [pk for pk in context.centres if projects[pk]] or list(context.centres)
        if count < len(centres):
            raise CommandError(f"At least {len(centres)} conventions (one per centre).")
        per_centre = _shares(count - len(centres), {pk: projects[pk] or 1 for pk in centres})
        start = min((plan.opened for plan in plans), default=context.now).date()
        start -= datetime.timedelta(days=180)
        by_region = defaultdict(list)
        for province in Province.objects.all():
            by_region[province.region_id].append(province.pk)
        partners = _partners(context, centres)
        programmes = list(IndhProgramme.objects.order_by("code"))
        taken = set(Convention.objects.values_list("reference", flat=True))
        conventions, territories = [], []
        number = len(taken)
        for centre_pk in centres:
            centre = context.centres[centre_pk]
            province = centre.province
            n = 1 + per_centre[centre_pk]
            span = (context.today - start).days
            for index in range(n):
                kind, prefix = _kind(rng)
                begins = start + datetime.timedelta(
                    days=round((index + (rng.random() if index else 0)) * span / n)
                )
                ends = begins + datetime.timedelta(days=rng.randint(730, 1460))
                if index == n - 1 and ends < context.today + datetime.timedelta(days=365):
                    ends = context.today + datetime.timedelta(days=rng.randint(365, 900))
                number += 1
                reference = f"{prefix}-{centre.code}-{begins.year}-{number:03d}"
                while reference in taken:
                    number += 1
                    reference = f"{prefix}-{centre.code}-{begins.year}-{number:03d}"
                taken.add(reference)
                partner = partners[(kind, province.pk)]
                conventions.append(
                    Convention(
                        reference=reference,
                        title=f"{_TITLES[kind]} — {province.name_fr}",
                        title_ar=f"{_TITLES_AR[kind]} — {province.name_ar}",
                        programme=programmes[index % len(programmes)] if programmes else None,
                        signed_on=begins - datetime.timedelta(days=rng.randint(10, 60)),
                        starts_on=begins,
                        ends_on=ends,
                        envelope=Decimal("100000000000.00"),  # set from its allocations at the end
                        status=Convention.Status.ACTIVE
                        if ends >= context.today
                        else Convention.Status.CLOSED,
                        created_at=_at(begins - datetime.timedelta(days=5), 9),
                    )
                )
                region = by_region[province.region_id]
                if rng.random() < REGION_WIDE:
                    territory = region
                else:
                    others = [pk for pk in region if pk != province.pk]
                    territory = [
                        province.pk,
                        *rng.sample(others, min(len(others), rng.randint(0, 2))),
                    ]
                territories.append((partner, territory))
        Convention.objects.bulk_create(conventions)
        through = Convention.provinces.through
        through.objects.bulk_create(
            through(convention_id=convention.pk, province_id=province)
            for convention, (_partner, territory) in zip(conventions, territories, strict=True)
            for province in territory
        )
        covering = defaultdict(list)
        for convention, (partner, territory) in zip(conventions, territories, strict=True):
            convention._partner = partner
            for province in territory:
                covering[province].append(convention)
        return cls(conventions, covering)

    def choose(self, rng: random.Random, province: int, day: datetime.date) -> list[Convention]:
        """One or two conventions covering the province whose period includes the day."""
        candidates = self.covering.get(province) or self.all
        current = [c for c in candidates if c.starts_on <= day <= c.ends_on]
        if not current:
            current = [min(candidates, key=lambda c: abs((c.starts_on - day).days))]
        if len(current) > 1 and rng.random() < SPLIT_SHARE:
            return rng.sample(current, 2)
        return [rng.choice(current)]

    def finish(self, rng, context: Context, committed: dict, disbursed: dict) -> None:
        """Envelopes that hold what was charged (with room left on the current conventions),
        the ledger totals, and the parties' contributions and tranches that add up to them."""
        foundation = _foundation()
        contributions, tranches = [], []
        for convention in self.all:
            used = committed.get(convention.pk, ZERO)
            if used:
                margin = rng.uniform(1.08, 1.45) if convention.ends_on >= context.today else 1.02
                envelope = Decimal(math.ceil(float(used) * margin / 10_000) * 10_000)
                envelope = max(envelope, used).quantize(CENT)
            else:
                envelope = _money(rng.uniform(500_000, 2_000_000), 10_000)
            convention.envelope = envelope
            convention.committed = used
            convention.disbursed = disbursed.get(convention.pk, ZERO)
            share = Decimal(rng.choice(["1", "0.8", "0.7"]))
            main = (envelope * share).quantize(CENT)
            contributions.append(
                Contribution(
                    convention=convention, partner=convention._partner, kind="cash", amount=main
                )
            )
            if envelope - main:
                contributions.append(
                    Contribution(
                        convention=convention,
                        partner=foundation,
                        kind="cash",
                        amount=envelope - main,
                    )
                )
            contributions.append(
                Contribution(
                    convention=convention,
                    partner=foundation,
                    kind="in_kind",
                    description="Sélection, formation, accompagnement et suivi",
                )
            )
            placed = ZERO
            for number, part in ((1, Decimal("0.4")), (2, Decimal("0.35")), (3, None)):
                amount = envelope - placed if part is None else (envelope * part).quantize(CENT)
                placed += amount
                tranches.append(
                    Tranche(
                        convention=convention,
                        number=number,
                        amount=amount,
                        planned_on=convention.starts_on + datetime.timedelta(days=240 * number),
                    )
                )
        Convention.objects.bulk_update(self.all, ["envelope", "committed", "disbursed"])
        Contribution.objects.bulk_create(contributions)
        Tranche.objects.bulk_create(tranches)


_TITLES = {
    Partner.Kind.INDH_COMMITTEE: "Appui aux activités génératrices de revenus",
    Partner.Kind.PREFECTURE: "Insertion économique des anciens détenus",
    Partner.Kind.MICROFINANCE: "Accompagnement financier des microprojets",
    Partner.Kind.COMPANY: "Mécénat pour l'équipement des bénéficiaires",
    Partner.Kind.NGO: "Accompagnement de proximité des porteurs de projets",
}
_TITLES_AR = {
    Partner.Kind.INDH_COMMITTEE: "دعم الأنشطة المدرة للدخل",
    Partner.Kind.PREFECTURE: "الإدماج الاقتصادي للسجناء السابقين",
    Partner.Kind.MICROFINANCE: "المواكبة المالية للمشاريع الصغرى",
    Partner.Kind.COMPANY: "رعاية تجهيز المستفيدين",
    Partner.Kind.NGO: "مواكبة القرب لحاملي المشاريع",
}


def _kind(rng: random.Random) -> tuple[str, str]:
    kind, prefix, _share = rng.choices(CONVENTION_KINDS, [k[2] for k in CONVENTION_KINDS])[0]
    return kind, prefix


def _foundation() -> Partner:
    name_ar, name_fr = partners_demo.FOUNDATION
    partner, _created = Partner.objects.get_or_create(
        kind=Partner.Kind.FOUNDATION, name_fr=name_fr, defaults={"name_ar": name_ar}
    )
    return partner


_PARTNER_NAMES = {
    Partner.Kind.INDH_COMMITTEE: (
        "اللجنة الإقليمية للتنمية البشرية {ar}",
        "Comité provincial de développement humain {fr}",
    ),
    Partner.Kind.PREFECTURE: ("عمالة {ar}", "Province de {fr}"),
    Partner.Kind.MICROFINANCE: ("جمعية القروض الصغرى {ar}", "Association de microcrédit {fr}"),
    Partner.Kind.COMPANY: ("شركة التجهيز {ar}", "Société d'équipement {fr}"),
    Partner.Kind.NGO: ("جمعية المواكبة {ar}", "Association d'accompagnement {fr}"),
}


def _partners(context: Context, centres: Sequence[int]) -> dict[tuple[str, int], Partner]:
    """One partner of each kind per centre's province."""
    partners = {}
    for centre_pk in centres:
        province = context.centres[centre_pk].province
        for kind, (name_ar, name_fr) in _PARTNER_NAMES.items():
            if (kind, province.pk) in partners:
                continue
            partners[(kind, province.pk)] = Partner(
                kind=kind,
                name_ar=name_ar.format(ar=province.name_ar),
                name_fr=name_fr.format(fr=province.name_fr),
                province_id=province.pk,
                region_id=province.region_id,
            )
    Partner.objects.bulk_create(partners.values())
    return partners


# --- Writing ------------------------------------------------------------------------------


class _Table:
    """Rows for one model, in the order of its concrete columns (missing ones take the field's
    default). On PostgreSQL they are loaded with COPY, several times faster than bulk_create
    for hundreds of thousands of rows; elsewhere (the tests' SQLite) with bulk_create."""

    def __init__(self, model, *, with_pk: bool = False):
        self.model = model
        # Without a given key, the database numbers the rows.
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.columns = [f.attname for f in fields]
        # COPY bypasses the fields: amounts must be written in centimes, as MoneyField stores them.
        self.money = [i for i, f in enumerate(fields) if isinstance(f, MoneyField)]
        self.defaults = {f.attname: None if f.null else f.get_default() for f in fields}
        self.defaults.update({f.attname: None for f in fields if f.primary_key})
        quote = connection.ops.quote_name
        self.sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            # CSV: an unquoted empty value is NULL, except in the columns that cannot be.
            f"FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL "
            f"({', '.join(quote(f.column) for f in fields if not f.null)}))"
        )
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        row = {**self.defaults, **values}
        self.rows.append(tuple(map(row.__getitem__, self.columns)))

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for index, row in enumerate(rows):
                if self.money:
                    row = list(row)
                    for column in self.money:
                        if row[column] is not None:
                            row[column] = to_centimes(row[column])
                    rows[index] = tuple(row)
            # Python's csv writer (in C) writes None as an empty value, Decimal, date and
            # aware datetime as text PostgreSQL reads back, and booleans as True/False.
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(self.sql, buffer)
        else:
            model, columns = self.model, self.columns
            model.objects.bulk_create(model(**dict(zip(columns, row, strict=True))) for row in rows)
        return len(rows)


def _new_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken from the table's sequence on PostgreSQL so
    that rows inserted later by the application do not collide."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


class _Project:
    """A project's state while its history is replayed."""

    __slots__ = (
        "approved_total",
        "closing_reason",
        "exit_reason",
        "handover_date",
        "outcome",
        "pk",
        "requested_total",
        "status",
        "submitted_at",
        "updated_at",
    )

    def __init__(self, pk: int, requested_total: Decimal, created: datetime.datetime):
        self.pk = pk
        self.requested_total = requested_total
        self.status = Status.DRAFT
        self.updated_at = created
        self.approved_total = self.submitted_at = self.handover_date = None
        self.outcome = self.closing_reason = self.exit_reason = ""


class _Writer:
    """Builds and inserts one batch of projects with everything that hangs from them, and
    keeps the running totals the conventions and ceremonies need at the end."""

    def __init__(self, rng: random.Random, context: Context, conventions: _Conventions):
        self.rng, self.context, self.conventions = rng, context, conventions
        self.committed: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.disbursed: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.ceremony_conventions: dict[int, set[int]] = defaultdict(set)
        self.counts: Counter = Counter()
        self.tables = {
            model: _Table(model, with_pk=model in (LifeProject, Handover))
            for model in (
                LifeProject,
                BudgetLine,
                Decision,
                Allocation,
                LedgerMovement,
                Handover,
                HandoverItem,
                FollowUpVisit,
            )
        }
        self.serial = 0
        self.quote = 0
        # Serial numbers wait for their items' keys: (handover, item's rank, serials).
        self.units = _Table(HandoverItemSerial)
        self.pending_units: list[tuple[int, int, list[str]]] = []

    def write(self, plans: list[Plan]) -> None:
        ids = iter(_new_ids(LifeProject, len(plans)))
        handed = sum(1 for plan in plans if plan.ceremony or plan.planned)
        handover_ids = iter(_new_ids(Handover, handed))
        for plan in plans:
            self._project(plan, next(ids), handover_ids)
        for model, table in self.tables.items():
            self.counts[model.__name__] += table.flush()
        self.counts["HandoverItemSerial"] += self._flush_units()

    def _flush_units(self) -> int:
        """One row per unit's serial, under the items the database has just numbered (in the
        order they were written, so the rank within a handover finds the key)."""
        pending, self.pending_units = self.pending_units, []
        if not pending:
            return 0
        handovers = [handover for handover, _rank, _serials in pending]
        keys: dict[int, list[int]] = defaultdict(list)
        written = HandoverItem.objects.filter(
            handover_id__gte=min(handovers), handover_id__lte=max(handovers)
        ).order_by("handover_id", "pk")
        for pk, handover in written.values_list("pk", "handover_id"):
            keys[handover].append(pk)
        for handover, rank, serials in pending:
            for unit, serial in enumerate(serials, start=1):
                self.units.add(
                    item_id=keys[handover][rank], handover_id=handover, unit=unit, serial=serial
                )
        return self.units.flush()

    def _project(self, plan: Plan, pk: int, handover_ids: Iterator[int]) -> None:
        rng, context, tables = self.rng, self.context, self.tables
        trade = rng.choice(context.trades)
        rows = self._lines(plan, trade)
        total = sum(((r["quantity"] * r["unit_price"]).quantize(CENT) for r in rows), ZERO)
        for row in rows:
            tables[BudgetLine].add(project_id=pk, **row)
        project = _Project(pk, total, plan.times[0])
        history = _History(self, plan, project)
        history.replay()
        plan.person_status = history.person_status
        ceiling = context.ceilings.get(plan.track)
        tables[LifeProject].add(
            id=pk,
            beneficiary_id=plan.person,
            status=project.status,
            skills="تجربة سابقة في الحرفة وتكوين داخل المؤسسة السجنية",
            experience=f"{rng.randint(1, 8)} سنوات من العمل قبل الاعتقال",
            needs="معدات أساسية ورأس مال للانطلاق",
            market_fit=rng.choice(
                ["طلب محلي مرتفع في الحي", "Peu de concurrence dans le quartier"]
            ),
            training_course="تكوين في تدبير المقاولات الصغرى",
            training_provider="مركز المصاحبة وإعادة الإدماج",
            training_completed=plan.status != Status.DRAFT,
            trade_id=trade.pk,
            title=projects_demo.TITLES.get(trade.code) or f"مشروع {trade.name_ar}",
            location=rng.choice(beneficiaries_demo.COMMUNES),
            expected_monthly_income=_money(rng.uniform(2500, 7000), 100),
            requested_total=total,
            approved_total=project.approved_total,
            ceiling_justification=JUSTIFICATION if ceiling and total > ceiling else "",
            submitted_at=project.submitted_at,
            handover_date=project.handover_date,
            outcome=project.outcome,
            closing_reason=project.closing_reason,
            exit_reason=project.exit_reason,
            version=1 + len(rows),
            created_at=plan.times[0],
            created_by_id=context.coordinator[plan.centre],
            updated_at=project.updated_at,
        )
        ceremony = plan.ceremony or plan.planned
        if ceremony is not None:
            self._handover(plan, pk, next(handover_ids), ceremony, rows)
            self.ceremony_conventions[ceremony.pk].update(history.conventions)

    def _lines(self, plan: Plan, trade: Trade) -> list[dict]:
        rng = self.rng
        kit = projects_demo.KITS.get(trade.code, GENERIC_KIT)
        chosen = rng.sample(kit, min(plan.lines, len(kit)))
        chosen += [rng.choice(EXTRA_LINES) for _ in range(plan.lines - len(chosen))]
        rows = []
        for designation, category, quantity, price in chosen:
            unit = _money(float(price) * rng.uniform(0.75, 1.3))
            if rng.random() < 0.1:
                unit += Decimal("0.50")
            self.quote += 1
            rows.append(
                {
                    "designation": designation,
                    "category": category,
                    "quantity": Decimal(quantity + (rng.random() < 0.15)).quantize(CENT),
                    "unit_price": unit,
                    "supplier": rng.choice(SUPPLIERS),
                    "quote_reference": f"DEV-{self.quote:06d}",
                }
            )
        ceiling = self.context.regional_ceiling
        total = sum((r["quantity"] * r["unit_price"] for r in rows), ZERO)
        biggest = max(rows, key=lambda r: r["quantity"] * r["unit_price"])
        if plan.large and total <= ceiling:
            # Above the regional ceiling: the biggest line costs more.
            missing = ceiling - total + Decimal(rng.randint(500, 20_000))
            step = math.ceil(missing / biggest["quantity"] / 10) * 10
            biggest["unit_price"] += Decimal(step)
        elif not plan.large and total > ceiling:
            # Within it: every line a little cheaper.
            factor = float(ceiling) * rng.uniform(0.75, 0.97) / float(total)
            for row in rows:
                row["unit_price"] = _money(float(row["unit_price"]) * factor)
        return rows

    def _handover(
        self, plan: Plan, project: int, pk: int, ceremony: Ceremony, rows: list[dict]
    ) -> None:
        """What was handed over: the approved budget, equipment lines as items and working
        capital as a cheque (as ceremonies.services prefills it)."""
        rng, items = self.rng, self.tables[HandoverItem]
        total = cheque = ZERO
        rank = 0  # the item's place among the handover's items
        for row in rows:
            value = (row["quantity"] * row["unit_price"]).quantize(CENT)
            total += value
            if row["category"] == BudgetLine.Category.WORKING_CAPITAL:
                cheque += value
                continue
            whole = row["quantity"] == int(row["quantity"])
            if row["category"] in ("equipment", "vehicle") and whole and rng.random() < 0.7:
                # One per unit: two machines, two serial numbers.
                serials = []
                for _unit in range(int(row["quantity"])):
                    self.serial += 1
                    serials.append(f"SN{ceremony.held_on.year}{self.serial:07d}")
                self.pending_units.append((pk, rank, serials))
            rank += 1
            items.add(
                handover_id=pk,
                designation=row["designation"],
                quantity=row["quantity"],
                unit_value=row["unit_price"],
            )
        self.tables[Handover].add(
            id=pk,
            ceremony_id=ceremony.pk,
            project_id=project,
            cheque_amount=cheque or None,
            cheque_number=str(rng.randint(1_000_000, 9_999_999)) if cheque else "",
            total=total,
            version=2,
            updated_at=min(ceremony.created_at + _days(rng.uniform(1, 10)), self.context.now),
            updated_by_id=self.context.coordinator[plan.centre],
        )

    def link_ceremonies(self, ceremonies: list[Ceremony]) -> None:
        """Each ceremony under the conventions that paid for what it handed over (or, with no
        handover yet, the current ones of its province)."""
        through = Ceremony.conventions.through
        rows = []
        for ceremony in ceremonies:
            linked = self.ceremony_conventions.get(ceremony.pk)
            if not linked:
                current = self.conventions.choose(self.rng, ceremony.province_id, ceremony.held_on)
                linked = {c.pk for c in current}
            rows += [through(ceremony_id=ceremony.pk, convention_id=pk) for pk in sorted(linked)]
        through.objects.bulk_create(rows)


class _Allocation:
    """An allocation while the history is replayed, with what ``partners.services`` reads of
    one (``amount``, ``disbursed``)."""

    __slots__ = (
        "amount",
        "convention_id",
        "created_at",
        "created_by_id",
        "disbursed",
        "released_at",
    )

    def __init__(self, convention_id: int, amount: Decimal, by: int, at: datetime.datetime):
        self.convention_id, self.amount = convention_id, amount
        self.created_by_id, self.created_at = by, at
        self.disbursed = ZERO
        self.released_at: datetime.datetime | None = None


class _History:
    """Replays a project's steps as the services would have recorded them, by their rules:
    decisions, money movements, the handover and the visits after it, the person's status."""

    def __init__(self, writer: _Writer, plan: Plan, project: _Project):
        self.writer, self.plan, self.project = writer, plan, project
        self.context = writer.context
        self.tables = writer.tables
        self.allocations: list[_Allocation] = []
        self.conventions: set[int] = set()
        # Whoever has a project was diagnosed; its transitions move them on from there.
        self.person_status = Beneficiary.Status.DIAGNOSIS

    def _decide(self, action, to, actor, at, comment="", amount=None) -> None:
        project = self.project
        self.tables[Decision].add(
            project_id=project.pk,
            action=action,
            from_status=project.status,
            to_status=to,
            actor_id=actor,
            comment=comment,
            amount=amount,
            created_at=at,
        )
        project.status = to
        project.updated_at = at
        self.person_status = project_services.person_status(to) or self.person_status

    def replay(self) -> None:
        plan, project, context, rng = self.plan, self.project, self.context, self.writer.rng
        coordinator = context.coordinator[plan.centre]
        region = context.centres[plan.centre].province.region_id
        regional = context.approver.get(region, context.national)
        for (step, _days_taken), at in zip(plan.steps, plan.times, strict=True):
            if step == "submit":
                project.submitted_at = at
                self._decide("submit", Status.SUBMITTED, coordinator, at)
            elif step == "return":
                comment = rng.choice(COMMENTS["return"])
                self._decide("return", Status.RETURNED, regional, at, comment)
            elif step == "approve_regional":
                self._approve(regional, at)
            elif step == "approve":
                self._approve(context.national if plan.large else regional, at)
            elif step == "reject":
                late = project.status in project_permissions.CHARGED
                actor = context.national if late else regional
                self._decide("reject", Status.REJECTED, actor, at, rng.choice(COMMENTS["reject"]))
                if late:
                    self._release(actor, at)
            elif step == "fund":
                self._decide("fund", Status.FUNDED, context.national, at)
            elif step == "abandon":
                comment = rng.choice(COMMENTS["abandon"])
                project.outcome = LifeProject.Outcome.ABANDONED
                project.closing_reason = comment
                self._decide("abandon", Status.CLOSED, coordinator, at, comment)
                self._release(coordinator, at)
            elif step == "handover":
                ceremony = plan.ceremony
                project.handover_date = ceremony.held_on
                self._decide("equip", Status.EQUIPPED, ceremony.held_by_id, ceremony.held_at)
                self._disburse(ceremony)
                self._follow_up(coordinator)
        for allocation in self.allocations:
            self.tables[Allocation].add(
                project_id=project.pk,
                convention_id=allocation.convention_id,
                amount=allocation.amount,
                created_at=allocation.created_at,
                created_by_id=allocation.created_by_id,
                released_at=allocation.released_at,
                disbursed=allocation.disbursed,
            )

    def _approve(self, approver: int, at: datetime.datetime) -> None:
        """As ``project_approve``: above the regional ceiling the region passes the project on
        to headquarters; the final approval charges its budget."""
        project = self.project
        to = project_services.approval_status(project)
        if to != Status.APPROVED:
            self._decide("approve", to, approver, at)
            return
        project.approved_total = project.requested_total
        self._decide("approve", to, approver, at, amount=project.approved_total)
        self._charge(approver, at)

    def _charge(self, approver: int, at: datetime.datetime) -> None:
        plan, project, rng = self.plan, self.project, self.writer.rng
        conventions = self.writer.conventions.choose(
            rng, plan.province, timezone.localtime(at).date()
        )
        total = project.requested_total
        if len(conventions) == 2:
            first = (total * Decimal(rng.uniform(0.3, 0.7))).quantize(CENT)
            amounts = [first, total - first]
        else:
            amounts = [total]
        splits = ledger.check_splits(total, zip(conventions, amounts, strict=True))
        for convention, amount in splits:
            self.allocations.append(_Allocation(convention.pk, amount, approver, at))
            self.conventions.add(convention.pk)
            self._movement(convention.pk, LedgerMovement.Kind.COMMIT, amount, approver, at)
            self.writer.committed[convention.pk] += amount

    def _open(self) -> list[_Allocation]:
        return [a for a in self.allocations if a.released_at is None]

    def _release(self, actor: int, at: datetime.datetime) -> None:
        for allocation, free in ledger.undisbursed(self._open()):
            allocation.released_at = at
            convention = allocation.convention_id
            self._movement(convention, LedgerMovement.Kind.RELEASE, free, actor, at)
            self.writer.committed[convention] -= free

    def _disburse(self, ceremony: Ceremony) -> None:
        """As holding the ceremony does: what was handed over (the approved budget, see
        ``_Writer._handover``) is drawn from the allocations, the rest goes back."""
        actor, at = ceremony.held_by_id, ceremony.held_at
        for allocation, part in ledger.draw(self._open(), self.project.approved_total):
            allocation.disbursed += part
            convention = allocation.convention_id
            self._movement(convention, LedgerMovement.Kind.DISBURSE, part, actor, at)
            self.writer.disbursed[convention] += part
        self._release(actor, at)

    def _movement(self, convention, kind, amount, actor, at) -> None:
        self.tables[LedgerMovement].add(
            convention_id=convention,
            project_id=self.project.pk,
            kind=kind,
            amount=amount,
            actor_id=actor,
            created_at=at,
        )

    def _follow_up(self, coordinator: int) -> None:
        """The visits scheduled at the handover; those due long enough ago were made. A
        business found stopped closes the project as failed, the last visit as active."""
        project, context, rng = self.project, self.context, self.writer.rng
        visits = self.tables[FollowUpVisit]
        handover = project.handover_date
        schedule = project_services.visit_schedule(handover)
        last = schedule[-1][0]
        closed = False
        for months, due in schedule:
            done = due + datetime.timedelta(days=rng.randint(-7, 25))
            done = max(done, handover + datetime.timedelta(days=1))
            if closed or done > context.today or rng.random() < MISSED_VISIT:
                visits.add(project_id=project.pk, milestone_months=months, due_on=due, version=1)
                continue
            at = _at(done, 10, rng.randint(0, 59))
            if project.status == Status.EQUIPPED:
                self._decide("follow_up", Status.FOLLOW_UP, coordinator, at)
            failed = rng.random() < FAILURE
            reincarcerated, source = None, ""
            if failed and rng.random() < REINCARCERATED:
                reincarcerated = max(done - datetime.timedelta(days=rng.randint(7, 60)), handover)
                source = rng.choice(REINCARCERATION_SOURCES)
            visits.add(
                project_id=project.pk,
                milestone_months=months,
                due_on=due,
                done_on=done,
                kind=rng.choice(FollowUpVisit.Kind.values),
                business_active=not failed,
                monthly_income=ZERO if failed else _money(rng.uniform(1500, 8000), 50),
                jobs_created=0 if failed else rng.choice([0, 0, 0, 1, 1, 2, 3]),
                equipment_in_use=(not failed) or rng.random() < 0.3,
                difficulties=rng.choice(DIFFICULTIES) if failed else "",
                reincarcerated_on=reincarcerated,
                reincarceration_source=source,
                recorded_by_id=coordinator,
                version=2,
            )
            if failed or months == last:
                outcome = LifeProject.Outcome.FAILED if failed else LifeProject.Outcome.ACTIVE
                project.outcome = outcome
                project.closing_reason = CLOSING[outcome]
                reason = LifeProject.ExitReason
                project.exit_reason = (
                    reason.COMPLETED
                    if not failed
                    else reason.REINCARCERATED
                    if reincarcerated
                    else reason.BUSINESS_FAILED
                )
                self._decide("close", Status.CLOSED, coordinator, at + datetime.timedelta(hours=1))
                closed = True


def _sync_people(plans: list[Plan]) -> None:
    """The person's pipeline status followed their project (``_History``), as the services
    keep it; people without a project are registered or in diagnosis."""
    people = defaultdict(list)
    for plan in plans:
        people[plan.person_status].append(plan.person)
    for person_status, pks in people.items():
        for start in range(0, len(pks), 5_000):
            Beneficiary.objects.filter(pk__in=pks[start : start + 5_000]).update(
                status=person_status
            )
    Beneficiary.objects.filter(projects__isnull=True).exclude(
        status__in=[Beneficiary.Status.REGISTERED, Beneficiary.Status.DIAGNOSIS]
    ).update(status=Beneficiary.Status.DIAGNOSIS)


# Models whose automatic dates the generator sets itself.
DATED = (LifeProject, Decision, Allocation, LedgerMovement, Handover, Ceremony, Convention)
GENERATED = (
    LifeProject,
    BudgetLine,
    Decision,
    FollowUpVisit,
    Convention,
    Allocation,
    LedgerMovement,
    Ceremony,
    Handover,
    HandoverItem,
    HandoverItemSerial,
    Beneficiary,
)


def _refresh_statistics() -> None:
    """As generate_beneficiaries does: statistics and visibility map up to date, so that a
    benchmark run straight afterwards measures a settled database."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in GENERATED:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
