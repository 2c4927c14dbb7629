"""What the caseload page (``casework.caseload``) counts about life projects, per file: each
figure an aggregate over the files, so that the page reads them all in one query."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from casework.caseload import Figure
from projects.models import OPEN_STATUSES
from projects.permissions import FOLLOWED


def open_projects(today: datetime.date) -> Count:
    return Count("projects", filter=Q(projects__status__in=OPEN_STATUSES), distinct=True)


def overdue_visits(today: datetime.date) -> Count:
    # The same rule as the overdue visits list (projects.services.overdue_visits).
    overdue = Q(
        projects__visits__done_on__isnull=True,
        projects__visits__due_on__lt=today,
        projects__status__in=FOLLOWED,
    )
    return Count("projects__visits", filter=overdue, distinct=True)


FIGURES = [
    Figure("open_projects", _("Open life projects"), open_projects),
    Figure("overdue_visits", _("Overdue follow-up visits"), overdue_visits),
]
