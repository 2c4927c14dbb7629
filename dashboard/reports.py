"""The report a partner receives about its convention: who was financed, with how much, in
which trades, and how the businesses are doing (the outcomes come from
``ceremonies.outcomes``, over every project the convention paid for)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ceremonies import outcomes
from partners.models import Convention
from projects.models import LifeProject, Status
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
    today = timezone.localdate()
    paid_for = LifeProject.objects.filter(
        pk__in=convention.allocations.filter(released_at__isnull=True).values("project")
    )
    found = outcomes.project_outcomes(paid_for, today)
    return {
        "convention": convention,
        "today": today,
        "beneficiaries": len(people),
        "women": sum(1 for b in people.values() if b.sex == "F"),
        "committed": sum((a.amount for a in allocations), Decimal("0")),
        "disbursed": convention.disbursed,
        "by_trade": [(trades[pk], count) for pk, count in by_trade.most_common()],
        "by_status": [(Status(code), count) for code, count in by_status.most_common()],
        "business": found["business"],
        "reincarceration": found["reincarceration"],
        "exits": [(reason, count) for reason, count in outcomes.exit_reasons(paid_for) if count],
        "cost": outcomes.convention_outcome(convention, today),
        "allocations": [a for a in allocations if a.project_id in visible],
    }
