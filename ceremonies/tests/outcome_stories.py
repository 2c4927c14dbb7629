"""Files whose projects were handed over at different times, with visits, re-incarcerations,
closures and placements: the stories the outcome tests (and the partner report's) count."""

from __future__ import annotations

import datetime

from django.db import transaction

from beneficiaries.tests.factories import BeneficiaryFactory
from partners import services as money
from partners.models import Convention
from projects import services
from projects.models import Placement, PlacementCheck
from projects.tests.factories import make_project
from reintegration.tests.worlds import make_centre, make_convention, make_users

# (months since the handover, days more, visits {milestone: (active, re-incarcerated on: days
# after the handover, or "12m"/"12m-1" for the day 12 months after it or the day before)},
# closure (outcome, exit reason) or None, convention)
STORIES = [
    (1, 0, {}, None, "A"),
    (4, 3, {3: (True, None)}, None, "A"),
    (7, 10, {3: (True, None), 6: (True, None)}, None, "A"),
    (7, 40, {6: (False, 150)}, ("failed", "reincarcerated"), "A"),
    (8, 0, {}, None, "A"),  # every visit overdue: unknown, never a failure
    (13, 5, {6: (True, None), 12: (True, None)}, None, "A"),
    (13, 20, {6: (True, None), 12: (False, None)}, ("failed", "business_failed"), "A"),
    (14, 0, {6: (True, None)}, None, "A"),  # the 12-month visit overdue
    (15, 0, {6: (True, None), 12: (True, "12m-1")}, None, "A"),  # within 12 months, just
    (20, 0, {6: (True, None), 12: (True, "12m")}, ("active", "moved_away"), "A"),  # not within
    (26, 0, {6: (True, None), 12: (True, None), 24: (True, None)}, ("active", "completed"), "A"),
    (27, 15, {6: (False, None)}, ("failed", "business_failed"), "A"),
    (25, 0, {12: (True, None), 24: (False, 400)}, ("failed", "reincarcerated"), "A"),
    (2, 0, {}, None, "B"),  # a convention too young for 12 months
    (5, 0, {3: (True, None)}, None, "B"),
    (13, 0, {6: (False, None), 12: (False, 200)}, ("failed", "reincarcerated"), "C"),
    (14, 0, {6: (False, None)}, ("failed", "deceased"), "C"),
]
# (months since the start, days more, checks: (months after the start, days more, employed),
# months after the start it ended, or None)
PLACEMENTS = [
    (2, 0, [], None),  # too young for both milestones
    (7, 0, [(6, 0, True)], None),
    (7, 0, [(5, 2, True), (6, 10, False)], None),  # the last check of the window decides
    (8, 0, [(3, 0, True)], None),  # no check in the window: not known
    (9, 0, [], 4),  # ended before 6 months, no check: not employed
    (13, 0, [(6, 0, True), (11, 5, True)], None),
    (14, 0, [(6, 0, True), (12, 20, False)], None),
    (20, 0, [(7, 0, True), (13, 0, True)], None),  # 7 months: still in the 6-month window
]


def another_convention(like: Convention, reference: str) -> Convention:
    """A convention like ``like`` (fresh: nothing charged to it yet) under another reference."""
    provinces = list(like.provinces.all())
    like.pk, like.reference = None, reference
    like.save()
    like.provinces.set(provinces)
    return like


def _handed_over(person, users, convention, handover):
    coordinator, regional, national = (users[r] for r in ("coordinator", "regional", "national"))
    project = make_project(person, coordinator)
    services.project_submit(project=project, by=coordinator)
    project.refresh_from_db()
    services.project_approve(
        project=project, by=regional, allocations=[(convention, project.requested_total)]
    )
    services.project_fund(project=project, by=national)
    project.refresh_from_db()
    # What a held ceremony does to each of its projects (ceremonies.services.ceremony_hold).
    with transaction.atomic():
        money.disburse(project=project, amount=project.approved_total, by=national)
        services.project_equip(project=project, by=national, handover_date=handover)
    project.refresh_from_db()
    return project


def tell(centre, users, conventions, today):
    """Every story once: a file, its project handed over, its visits, its closure; then the
    placements with their checks."""
    coordinator = users["coordinator"]
    for months, days, visits, closure, code in STORIES:
        handover = services.add_months(today, -months) - datetime.timedelta(days=days)
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        project = _handed_over(person, users, conventions[code], handover)
        for visit in project.visits.order_by("milestone_months"):
            if visit.milestone_months not in visits:
                continue
            active, back = visits[visit.milestone_months]
            if back == "12m":
                back_on = services.add_months(handover, 12)
            elif back == "12m-1":
                back_on = services.add_months(handover, 12) - datetime.timedelta(days=1)
            else:
                back_on = handover + datetime.timedelta(days=back) if back else None
            services.visit_record(
                visit=visit,
                by=coordinator,
                data={
                    "done_on": visit.due_on,
                    "kind": "home",
                    "business_active": active,
                    "equipment_in_use": active,
                    "reincarcerated_on": back_on,
                    "reincarceration_source": "الأسرة" if back_on else "",
                },
            )
        if closure:
            project.refresh_from_db()
            outcome, reason = closure
            services.project_close(
                project=project, by=coordinator, outcome=outcome, exit_reason=reason, reason="—"
            )
    for months, days, checks, ended in PLACEMENTS:
        started = services.add_months(today, -months) - datetime.timedelta(days=days)
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        placement = Placement.objects.create(
            beneficiary=person,
            employer="Atelier Nord",
            job="Soudeur",
            started_on=started,
            ended_on=services.add_months(started, ended) if ended else None,
            created_by=coordinator,
        )
        for after, more, employed in checks:
            PlacementCheck.objects.create(
                placement=placement,
                checked_on=services.add_months(started, after) + datetime.timedelta(days=more),
                employed=employed,
                recorded_by=coordinator,
            )


def build_world(today: datetime.date) -> dict:
    """Tanger's centre and staff, three conventions (one with a history, one too young for
    12 months, one whose businesses all stopped) and every story once."""
    centre = make_centre()
    users = make_users(centre)
    make_convention(centre)
    test = Convention.objects.get(reference="CPDH-TNG-TEST")
    conventions = {
        "A": test,
        "B": another_convention(Convention.objects.get(pk=test.pk), "CPDH-TNG-JEUNE"),
        "C": another_convention(Convention.objects.get(pk=test.pk), "CPDH-TNG-ECHEC"),
    }
    tell(centre, users, conventions, today)
    return {"centre": centre, "users": users, "conventions": conventions}
