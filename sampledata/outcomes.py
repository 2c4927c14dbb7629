"""Outcomes over several cohorts: in Tanger and Casablanca, one workshop handed over each
quarter for the last two years and more, with its follow-up visits at 3, 6, 12 and 24 months
(some left overdue: not known yet), a few re-incarcerations with their source, closures with
coded exit reasons, and a few placements in employment with their checks. Deterministic: the
same stories on every run, dated from today. Idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from beneficiaries.models import Beneficiary
from casework.models import TransferRequest
from partners.models import Convention
from projects import placements, services
from projects.models import LifeProject
from sampledata.handovers import approved_sewing_project, hand_over

MARK = "ورشة خياطة للتتبع"
# One story per cohort, newest first: (months since the handover, the business at each visit
# done (True active, False stopped, None visit not done yet), re-incarceration (months after
# the handover, source) or None, closure (outcome, exit reason) or None).
STORIES = [
    (2, {}, None, None),
    (5, {3: True}, None, None),
    (8, {3: True, 6: True}, None, None),
    (11, {3: True, 6: None}, None, None),
    (14, {3: True, 6: True, 12: True}, None, None),
    (17, {3: True, 6: False}, (5, "إدارة السجون"), ("failed", "reincarcerated")),
    (20, {3: True, 6: True, 12: False}, None, ("failed", "business_failed")),
    (23, {3: True, 6: True, 12: True}, None, ("active", "moved_away")),
    (26, {3: True, 6: True, 12: True, 24: True}, None, ("active", "completed")),
    (29, {3: True, 6: True, 12: True, 24: False}, (18, "الأسرة"), ("failed", "reincarcerated")),
]
# Casablanca tells the same stories three months later, with other endings.
CASABLANCA = {
    11: ({3: True, 6: False}, (4, "زيارة التتبع"), None),
    20: ({3: False}, None, ("failed", "withdrew")),
    26: ({3: True, 6: True, 12: False}, None, ("failed", "deceased")),
}
# Placements: (months since the start, checks (months after the start, employed), ended after)
PLACEMENTS = [
    (4, [(3, True)], None),
    (7, [(3, True), (6, True)], None),
    (9, [(3, True), (6, False)], 5),
    (13, [(6, True), (12, True)], None),
    (15, [(6, True)], None),
]
EMPLOYERS = [
    ("شركة النسيج الشمالية", "عامل خياطة"),
    ("مرآب الأمل", "مساعد ميكانيكي"),
    ("مخبزة الفجر", "خباز"),
    ("ورشة الحدادة الحديثة", "لحام"),
    ("مطعم الرياض", "مساعد طباخ"),
]


def seed(**context) -> dict:
    if LifeProject.objects.filter(title=MARK).exists():
        return {}
    users = {u.username: u for u in context["users"]}
    today = timezone.localdate()
    for code, coordinator, approver, holder in (
        ("TNG", users["coordinator"], users["regional"], users["regional"]),
        ("CAS", users["coordinator.casa"], users["national"], users["national"]),
    ):
        centre = context["centres"][code]
        people = iter(_quiet(centre))
        convention = Convention.objects.get(reference=f"CPDH-{code}-2024-01")
        for months, visits, back, closure in STORIES:
            if code == "CAS":
                months += 3
                visits, back, closure = CASABLANCA.get(months - 3, (visits, back, closure))
            person = next(people, None)
            if person is None:
                break
            project = approved_sewing_project(
                person,
                coordinator=coordinator,
                approver=approver,
                convention=convention,
                stock_price=f"{2800 + 40 * months}.00",
            )
            LifeProject.objects.filter(pk=project.pk).update(title=MARK)
            handover = services.add_months(today, -months) - datetime.timedelta(days=9)
            hand_over(project, by=coordinator, holder=holder, held_on=handover)
            _follow(project, coordinator, handover, visits, back, closure)
        _placements(centre, people, coordinator, today)
    return {}


def _quiet(centre) -> list[Beneficiary]:
    """Files of the centre with no project, not archived and not moving: free for a story."""
    moving = TransferRequest.objects.values("beneficiary")
    return list(
        Beneficiary.objects.filter(centre=centre, projects__isnull=True, archived_at__isnull=True)
        .exclude(pk__in=moving)
        .order_by("-pk")
    )


def _follow(project, coordinator, handover, visits, back, closure) -> None:
    back_on = services.add_months(handover, back[0]) if back else None
    for visit in project.visits.order_by("milestone_months"):
        active = visits.get(visit.milestone_months)
        if active is None:
            continue
        # The visit that found the business stopped learnt of the re-incarceration before it.
        reports = back_on is not None and back_on <= visit.due_on and active is False
        services.visit_record(
            visit=visit,
            by=coordinator,
            data={
                "done_on": visit.due_on + datetime.timedelta(days=visit.milestone_months % 5),
                "kind": "home" if active else "phone",
                "business_active": active,
                "monthly_income": Decimal("3800.00") if active else Decimal("0.00"),
                "jobs_created": 1 if active and visit.milestone_months >= 12 else 0,
                "equipment_in_use": active,
                "difficulties": "" if active else "توقف النشاط",
                "reincarcerated_on": back_on if reports else None,
                "reincarceration_source": back[1] if reports else "",
            },
        )
    if closure:
        project.refresh_from_db()
        outcome, reason = closure
        services.project_close(
            project=project,
            by=coordinator,
            outcome=outcome,
            exit_reason=reason,
            reason="نهاية فترة التتبع",
        )


def _placements(centre, people, coordinator, today) -> None:
    """Placements in employment, recorded through the services staff use, each checked by phone
    at the months after its start that the story says."""
    for (months, checks, ended), (employer, job) in zip(PLACEMENTS, EMPLOYERS, strict=True):
        person = next(people, None)
        if person is None:
            return
        started = services.add_months(today, -months) - datetime.timedelta(days=4)
        placement = placements.placement_create(
            beneficiary=person,
            employer=employer,
            job=job,
            started_on=started,
            monthly_pay=Decimal("3000.00"),
            by=coordinator,
        )
        for after, employed in checks:
            placements.placement_check(
                placement=placement,
                checked_on=services.add_months(started, after),
                answer=placements.Answer(
                    employed=employed, monthly_pay=Decimal("3000.00") if employed else None
                ),
                by=coordinator,
            )
        if ended:
            placements.placement_end(
                placement=placement, ended_on=services.add_months(started, ended), by=coordinator
            )
