"""Every status x action x role: the transition happens exactly when the role table allows it.

The expectation is written out here independently of projects.permissions, from the process:
centres draft and submit, regional staff decide first (headquarters may stand in within the
regional ceiling), headquarters approves what is above it and funds, whoever holds the ceremony
(regional staff or headquarters) records the handover, centres close after follow-up; officials
and auditors never move a project.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from ceremonies import permissions as ceremony_permissions
from projects import permissions, services, views
from projects.models import LifeProject, Status
from projects.tests.factories import charge, make_project
from reintegration.refusals import Refused

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
    if action == "equip" and status in ("approved", "funded"):
        return {"regional", "national"}  # those who hold ceremonies
    return set()


SERVICES = {
    "submit": services.project_submit,
    "approve": services.project_approve,
    "return": services.project_return,
    "reject": services.project_reject,
    "fund": services.project_fund,
    "close": services.project_close,
    "abandon": services.project_abandon,
    "equip": services.project_equip,
}


DATA = {
    "return": {"comment": "à revoir"},
    "reject": {"comment": "non"},
    "abandon": {"comment": "parti"},
    "close": {"outcome": "active", "exit_reason": "completed", "reason": "fin du suivi"},
    "equip": {"handover_date": datetime.date(2026, 1, 15)},
}


@pytest.mark.parametrize("over", [False, True], ids=["within-ceiling", "over-ceiling"])
@pytest.mark.parametrize("action", list(SERVICES))
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
                SERVICES[action](project=project, by=users[role], **data)
            except Refused:
                happened = False
            else:
                happened = True
            if happened != (role in allowed):
                wrong.append((status, role, "moved" if happened else "refused"))
    assert wrong == []


def test_the_project_page_posts_every_decision_but_equipping_to_its_service():
    assert {action: t.service for action, t in views.TRANSITIONS.items()} == {
        action: service for action, service in SERVICES.items() if action != "equip"
    }
    assert set(permissions.CAN) == set(views.TRANSITIONS)


def test_no_role_can_equip_a_project_from_its_page(client, person, users):
    """Equipping moves money (committed to disbursed): only a held ceremony does it, so the
    project page has neither the button nor the address."""
    project = make_project(person, users["coordinator"])
    LifeProject.objects.filter(pk=project.pk).update(status=Status.FUNDED)
    project.refresh_from_db()
    for role in ROLES:
        assert "equip" not in permissions.allowed_actions(users[role], project)
        client.force_login(users[role])
        assert client.post(f"/projects/{project.pk}/equip/").status_code == 404
    assert LifeProject.objects.get(pk=project.pk).status == Status.FUNDED


def test_who_may_equip_is_who_may_hold_a_ceremony(person, users):
    project = make_project(person, users["coordinator"])
    project.status = Status.FUNDED
    planned = SimpleNamespace(status="planned")
    for role in ROLES:
        holds = ceremony_permissions.can_hold_ceremony(users[role], planned)
        assert permissions.can_equip(users[role], project) == holds, role


@pytest.mark.parametrize("action", list(SERVICES))
def test_a_project_decided_meanwhile_is_said_already_decided(person, users, action):
    """Closed is where no transition starts: whoever comes second is told, whatever their role."""
    project = make_project(person, users["coordinator"])
    LifeProject.objects.filter(pk=project.pk).update(status=Status.CLOSED)
    data = dict(DATA.get(action, {}))
    if action == "approve":
        data["allocations"] = charge(project)
    with translation.override("en"), pytest.raises(Refused) as error:
        SERVICES[action](project=project, by=users["national"], **data)
    assert error.value.message == "This project was already decided: it is now closed."
