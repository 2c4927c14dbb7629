"""Every status x action x role: the transition happens exactly when the role table allows it.

The expectation is written out here independently of projects.permissions, from the process:
centres draft and submit, regional staff decide first (headquarters may stand in within the
regional ceiling), headquarters approves what is above it and funds, centres record the handover
and close after follow-up; officials and auditors never move a project.
"""

import datetime
from decimal import Decimal

import pytest

from projects import permissions, services
from projects.models import LifeProject, Status
from projects.tests.factories import charge, make_project

pytestmark = pytest.mark.django_db

ROLES = ("coordinator", "regional", "official", "national", "auditor")
WRITERS = {"coordinator", "national"}


def expected(action: str, status: str, over_regional_ceiling: bool) -> set[str]:
    if action == "submit" and status in ("draft", "returned"):
        return WRITERS
    if action == "approve" and status == "submitted":
        return {"regional"} if over_regional_ceiling else {"regional", "national"}
    if action in ("approve", "return", "reject") and status == "awaiting_national":
        return {"national"}
    if action in ("return", "reject") and status == "submitted":
        return {"regional", "national"}
    if action == "reject" and status in ("approved", "funded"):
        return {"national"}  # going back on an approval releases the money
    if action == "abandon" and status in ("approved", "funded"):
        return WRITERS
    if action == "fund" and status == "approved":
        return {"national"}
    if action == "close" and status in ("equipped", "follow_up"):
        return WRITERS
    return set()


DATA = {
    "return": {"comment": "à revoir"},
    "reject": {"comment": "non"},
    "abandon": {"comment": "parti"},
    "close": {"outcome": "active", "reason": "fin du suivi"},
}


@pytest.mark.parametrize("over", [False, True], ids=["within-ceiling", "over-ceiling"])
@pytest.mark.parametrize("action", list(permissions.CAN))
def test_transition_matrix(person, users, settings, action, over):
    settings.REGIONAL_APPROVAL_CEILING = Decimal("10000") if over else Decimal("40000")
    project = make_project(person, users["coordinator"])  # 13,600 DH
    wrong = []
    for status in Status.values:
        allowed = expected(action, status, over)
        for role in ROLES:
            LifeProject.objects.filter(pk=project.pk).update(status=status, approved_total=None)
            data = dict(DATA.get(action, {}))
            if action == "approve":
                data["allocations"] = charge(project)
            try:
                services.project_transition(project=project, by=users[role], action=action, **data)
            except services.TransitionError:
                happened = False
            else:
                happened = True
            if happened != (role in allowed):
                wrong.append((status, role, "moved" if happened else "refused"))
    assert wrong == []


def test_no_role_can_equip_a_project_outside_a_ceremony(person, users):
    """Equipping moves money (committed to disbursed): only a held ceremony does it."""
    project = make_project(person, users["coordinator"])
    LifeProject.objects.filter(pk=project.pk).update(status=Status.FUNDED)
    for role in ROLES:
        with pytest.raises(services.TransitionError):
            services.project_transition(
                project=project,
                by=users[role],
                action="equip",
                handover_date=datetime.date(2026, 1, 15),
            )
    assert LifeProject.objects.get(pk=project.pk).status == Status.FUNDED
