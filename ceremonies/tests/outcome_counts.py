"""The outcomes of docs/outcomes.md counted one object at a time in plain Python, to compare
with ``ceremonies.outcomes`` (which counts them in SQL). Written from the definitions, not from
the module: nothing here calls it."""

from __future__ import annotations

import calendar
import datetime

from projects.models import FollowUpVisit, LifeProject, Placement


def months_back(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months before (the last day of a shorter month)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: datetime.date, end: datetime.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def old_enough(day: datetime.date | None, months: int, today: datetime.date) -> bool:
    return day is not None and day <= months_back(today, months)


def visits_of(projects) -> dict[int, list[FollowUpVisit]]:
    found: dict[int, list[FollowUpVisit]] = {p.pk: [] for p in projects}
    for visit in FollowUpVisit.objects.all():
        if visit.project_id in found:
            found[visit.project_id].append(visit)
    return found


def business_state(project: LifeProject, visits, months: int) -> bool | None:
    """True active, False stopped, None not known (the project must be old enough)."""
    for visit in visits:
        if visit.milestone_months == months and visit.done_on and visit.business_active is not None:
            return visit.business_active
    return False if project.outcome == "failed" else None


def reincarcerated_within(project: LifeProject, visits, months: int) -> bool:
    return any(
        v.reincarcerated_on
        and v.reincarcerated_on >= project.handover_date
        and whole_months(project.handover_date, v.reincarcerated_on) < months
        for v in visits
    )


def business_counts(projects, today, months) -> tuple[int, int, int]:
    """(old enough, active, stopped)."""
    visits = visits_of(projects)
    eligible = [p for p in projects if old_enough(p.handover_date, months, today)]
    states = [business_state(p, visits[p.pk], months) for p in eligible]
    return len(eligible), states.count(True), states.count(False)


def reincarceration_counts(projects, today, months) -> tuple[int, int]:
    """(old enough, re-incarcerated within ``months``)."""
    visits = visits_of(projects)
    eligible = [p for p in projects if old_enough(p.handover_date, months, today)]
    return len(eligible), sum(reincarcerated_within(p, visits[p.pk], months) for p in eligible)


def employment_state(placement: Placement, months: int) -> bool | None:
    window = [
        c
        for c in placement.checks.all()
        if months - 1 <= whole_months(placement.started_on, c.checked_on) <= months
    ]
    if window:
        return max(window, key=lambda c: (c.checked_on, c.pk)).employed
    if placement.ended_on and whole_months(placement.started_on, placement.ended_on) < months:
        return False
    return None


def employment_counts(placements, today, months) -> tuple[int, int, int]:
    eligible = [p for p in placements if old_enough(p.started_on, months, today)]
    states = [employment_state(p, months) for p in eligible]
    return len(eligible), states.count(True), states.count(False)
