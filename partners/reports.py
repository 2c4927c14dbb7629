"""The report a partner receives about its convention: who was financed, with how much, in
which trades, and how the businesses are doing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from projects.models import FollowUpVisit, LifeProject


def convention_report(convention) -> dict:
    allocations = list(
        convention.allocations.filter(released_at__isnull=True).select_related(
            "project__beneficiary", "project__trade"
        )
    )
    projects = [a.project for a in allocations]
    people = {p.beneficiary_id: p.beneficiary for p in projects}
    by_trade = Counter(p.trade.name if p.trade else "—" for p in projects)
    by_status = Counter(p.get_status_display() for p in projects)
    visits = FollowUpVisit.objects.filter(project__in=projects, done_on__isnull=False)
    latest = {}
    for visit in visits.order_by("done_on"):
        latest[visit.project_id] = visit
    followed = len(latest)
    active = sum(1 for v in latest.values() if v.business_active)
    reincarcerated = sum(1 for v in visits if v.reincarcerated_on)
    return {
        "convention": convention,
        "beneficiaries": len(people),
        "women": sum(1 for b in people.values() if b.sex == "F"),
        "committed": sum((a.amount for a in allocations), Decimal("0")),
        "disbursed": convention.disbursed,
        "by_trade": sorted(by_trade.items(), key=lambda item: (-item[1], item[0])),
        "by_status": sorted(by_status.items(), key=lambda item: (-item[1], item[0])),
        "followed": followed,
        "active": active,
        "reincarcerated": reincarcerated,
        "closed_failed": sum(
            1 for p in projects if p.status == "closed" and p.outcome == LifeProject.Outcome.FAILED
        ),
        "allocations": allocations,
    }
