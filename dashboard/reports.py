"""The report a partner receives about its convention: who was financed, with how much, in
which trades, and how the businesses are doing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from partners.models import Convention
from projects.models import FollowUpVisit, LifeProject, Status
from reintegration.models import User


def convention_report(convention: Convention, user: User) -> dict[str, Any]:
    """Totals over every project charged to the convention; the list of projects only holds
    those the reader may see (officials and other centres get the totals alone)."""
    allocations = list(
        convention.allocations.filter(released_at__isnull=True).select_related(
            "project__beneficiary", "project__trade"
        )
    )
    projects = [a.project for a in allocations]
    people = {p.beneficiary_id: p.beneficiary for p in projects}
    visible = set(
        LifeProject.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    # Trades and statuses stay objects, so that each page of the bilingual PDF names them in
    # its own language.
    trades = {p.trade_id: p.trade for p in projects}
    by_trade = Counter(p.trade_id for p in projects)
    by_status = Counter(p.status for p in projects)
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
        "by_trade": [(trades[pk], count) for pk, count in by_trade.most_common()],
        "by_status": [(Status(code), count) for code, count in by_status.most_common()],
        "followed": followed,
        "active": active,
        "reincarcerated": reincarcerated,
        "closed_failed": sum(
            1 for p in projects if p.status == "closed" and p.outcome == LifeProject.Outcome.FAILED
        ),
        "allocations": [a for a in allocations if a.project_id in visible],
    }
