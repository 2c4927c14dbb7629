import datetime

from django.utils import timezone

from ceremonies import services as ceremonies
from ceremonies.models import Ceremony
from partners.models import Convention


def plan_ceremony(by, *, centre=None, conventions=None, **fields) -> Ceremony:
    """A planned ceremony of ``centre`` (the user's own by default) under the test convention."""
    data = {
        "centre": centre or by.centre,
        "held_on": timezone.localdate(),
        "place": "عمالة طنجة أصيلة",
        "presided_by": "محمد مهيدية",
        "authority": Ceremony.Authority.WALI,
        "conventions": conventions or [Convention.objects.get(reference="CPDH-TNG-TEST")],
        **fields,
    }
    return ceremonies.ceremony_save(by=by, data=data)


def held_ceremony(projects, users, *, held_on: datetime.date | None = None, **fields):
    """Plan a ceremony for ``projects`` (approved and charged), add them with their approved
    equipment, and hold it as regional staff."""
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(
        coordinator,
        centre=projects[0].beneficiary.centre,
        held_on=held_on or timezone.localdate(),
        **fields,
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=users["national"], project_ids=[p.pk for p in projects]
    )
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["national"])
    ceremony.refresh_from_db()
    for project in projects:
        project.refresh_from_db()
    return ceremony
