"""A ceremony planned in a province is announced to its officials and to the coordinators of
its centres, in the planning's transaction (ceremonies/services.py)."""

import datetime

import pytest
from django.utils import translation

from ceremonies import services
from ceremonies.tests.factories import plan_ceremony
from reintegration import notifications
from reintegration.models import Notification
from reintegration.tests.factories import CentreFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("convention")]


def told(kind="ceremony.planned"):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_the_provinces_officials_and_coordinators_hear_of_a_planned_ceremony(
    users, centre, elsewhere
):
    neighbour = UserFactory(coordinator=True, centre=CentreFactory(province=centre.province))
    colleague = UserFactory(coordinator=True, centre=centre)
    UserFactory(official=True, province=elsewhere["centre"].province)
    ceremony = plan_ceremony(users["coordinator"], held_on=datetime.date(2026, 12, 3))
    # Not the coordinator who planned it, nor regional staff, nor another province.
    assert told() == {users["official"].username, neighbour.username, colleague.username}
    made = Notification.objects.get(recipient=users["official"])
    assert made.url == f"/ceremonies/{ceremony.pk}/"
    with translation.override("en"):
        assert notifications.text(made) == (
            f"A handover ceremony is planned on 03/12/2026 at {ceremony.place} (TNG)."
        )


def test_moving_the_ceremony_to_another_day_tells_them_again(users):
    ceremony = plan_ceremony(users["coordinator"], held_on=datetime.date(2026, 12, 3))
    data = {
        "held_on": ceremony.held_on,
        "place": "Autre salle",
        "presided_by": ceremony.presided_by,
        "authority": ceremony.authority,
        "conventions": list(ceremony.conventions.all()),
    }
    services.ceremony_save(by=users["national"], ceremony=ceremony, data=data)
    assert Notification.objects.filter(recipient=users["official"]).count() == 1
    data["held_on"] = datetime.date(2026, 12, 10)
    services.ceremony_save(by=users["national"], ceremony=ceremony, data=data)
    assert Notification.objects.filter(recipient=users["official"]).count() == 2
    # The planning coordinator is not the one who moved it: now they hear of it too.
    assert Notification.objects.filter(recipient=users["coordinator"]).count() == 1


def test_a_refused_plan_tells_nobody(users, elsewhere):
    from reintegration.refusals import Refused

    with pytest.raises(Refused):
        plan_ceremony(users["coordinator"], centre=elsewhere["centre"])
    assert not Notification.objects.exists()
