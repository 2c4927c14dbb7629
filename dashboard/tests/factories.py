"""A small network for the dashboard tests: three centres (Tanger and Tétouan in one region but
two provinces, Casablanca in another), people at every stage, and projects that went through
the real services to every status, with handovers, follow-up visits and ledger movements."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from beneficiaries import services as people_services
from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory, consent_text
from partners import services as money
from partners.models import Convention
from projects import services
from projects.models import LifeProject, Trade
from projects.tests.factories import make_project
from reintegration.models import Province
from reintegration.tests.factories import CentreFactory, UserFactory

# (sex, track, consent given, where the story stops, trade): one person each.
STORIES = [
    ("F", "standard", True, "registered", "sewing"),
    ("M", "standard", True, "draft", "sewing"),
    ("F", "moussalaha", True, "submitted", "welding"),
    ("M", "standard", False, "rejected", "sewing"),
    ("M", "moussalaha", True, "approved", "hairdressing"),
    ("F", "standard", True, "funded", "sewing"),
    ("M", "standard", True, "abandoned", "welding"),
    ("F", "moussalaha", True, "recent", "sewing"),
    ("M", "standard", True, "followed", "hairdressing"),
    ("M", "standard", False, "reincarcerated", "welding"),
]

RESIDENCE = {"TNG": "01.511", "TET": "01.511", "CAS": "06.141"}


@dataclass
class Network:
    centres: dict
    staff: dict  # centre code -> {"coordinator", "regional", "national"}
    conventions: dict
    people: list[Beneficiary] = field(default_factory=list)
    projects: list[LifeProject] = field(default_factory=list)

    def refresh(self) -> Network:
        for item in (*self.people, *self.projects):
            item.refresh_from_db()
        return self

    def fresh(self) -> Network:
        """The same network with every object read again from the database, in new lists: for
        a test of a network built once per module, which may change it as it likes."""
        read = {}

        def again(item):
            key = (type(item), item.pk)
            if key not in read:
                read[key] = type(item)._default_manager.get(pk=item.pk)
            return read[key]

        return Network(
            centres={code: again(centre) for code, centre in self.centres.items()},
            staff={
                code: {role: again(user) for role, user in staff.items()}
                for code, staff in self.staff.items()
            },
            conventions={code: again(c) for code, c in self.conventions.items()},
            people=[again(person) for person in self.people],
            projects=[again(project) for project in self.projects],
        )


def make_network(users, elsewhere, convention) -> Network:
    """The centres, their staff and one convention per province (no people yet)."""
    tanger = users["coordinator"].centre
    tetouan = CentreFactory(code="TET", name_fr="CAR Tétouan", province__code="01.571")
    casablanca = elsewhere["centre"]
    cas_convention = Convention.objects.create(
        reference="CPDH-CAS-TEST",
        title="Convention de Casablanca",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 12, 31),
        envelope=Decimal("500000.00"),
        status=Convention.Status.ACTIVE,
    )
    cas_convention.provinces.add(casablanca.province)
    national = users["national"]
    return Network(
        centres={"TNG": tanger, "TET": tetouan, "CAS": casablanca},
        staff={
            "TNG": {**users},
            "TET": {
                **users,
                "coordinator": UserFactory(coordinator=True, centre=tetouan),
            },
            "CAS": {
                "coordinator": elsewhere["coordinator"],
                "regional": elsewhere["regional"],
                "national": national,
            },
        },
        conventions={"TNG": convention, "CAS": cas_convention},
    )


def populate(network: Network, today: datetime.date | None = None) -> Network:
    """Tanger gets every story, Tétouan and Casablanca every other one (so no two scopes have
    the same figures). Can be called again to add as much again."""
    today = today or timezone.localdate()
    for code, stories in (("TNG", STORIES), ("TET", STORIES[::2]), ("CAS", STORIES[1::2])):
        for story in stories:
            _tell(network, code, story, today)
    return network


def _tell(network: Network, code: str, story, today: datetime.date) -> None:
    sex, track, consent, stop, trade = story
    centre = network.centres[code]
    staff = network.staff[code]
    coordinator, regional, national = staff["coordinator"], staff["regional"], staff["national"]
    # Approvals charge conventions covering where people live: Tanger's covers Tétouan's too.
    residence = Province.objects.get(code=RESIDENCE[code])
    person = BeneficiaryFactory(
        centre=centre,
        by=coordinator,
        sex=sex,
        first_name_ar="زينب",
        first_name_latin="Zineb",
        last_name_latin=f"Benani{code.title()}",
        track=ProgrammeTrack.objects.get(code=track),
        residence_province=residence,
    )
    network.people.append(person)
    if consent:
        people_services.consent_record(
            beneficiary=person,
            by=coordinator,
            data={"given_on": today, "language": "ar", "text": consent_text()},
        )
    if stop == "registered":
        return
    project = make_project(person, coordinator, trade=Trade.objects.get(code=trade))
    network.projects.append(project)

    if stop == "draft":
        return
    services.project_submit(project=project, by=coordinator)
    if stop == "submitted":
        return
    if stop == "rejected":
        services.project_reject(project=project, by=regional, comment="غير ملائم")
        return
    convention = network.conventions.get(code, network.conventions["TNG"])
    project.refresh_from_db()
    services.project_approve(
        project=project, by=regional, allocations=[(convention, project.requested_total)]
    )
    if stop == "approved":
        return
    if stop == "abandoned":
        services.project_abandon(project=project, by=coordinator, comment="انسحب المستفيد")
        return
    services.project_fund(project=project, by=national)
    if stop == "funded":
        return
    months_ago = {"recent": 0, "followed": 13, "reincarcerated": 7}[stop]
    # "recent": handed over 80 days ago, so its 3-month visit falls due within the month.
    handover = services.add_months(today, -months_ago) - datetime.timedelta(
        days=80 if stop == "recent" else 5
    )
    # What holding a ceremony does to each of its projects (ceremonies.services.ceremony_hold):
    # the money committed is disbursed, then the project is equipped on the day.
    project.refresh_from_db()
    with transaction.atomic():  # the ceremony's transaction, which the row locks need
        money.disburse(project=project, amount=project.approved_total, by=national)
        services.project_equip(project=project, by=national, handover_date=handover)
    visits = {v.milestone_months: v for v in project.visits.all()}
    if stop == "followed":
        # The 3-month visit is left undone (overdue); active at 6 months, not at 12.
        record(visits[6], coordinator, active=True)
        record(visits[12], coordinator, active=False)
    elif stop == "reincarcerated":
        record(visits[3], coordinator, active=True)
        record(visits[6], coordinator, active=False, reincarcerated=True)


def record(visit, by, *, active: bool, reincarcerated: bool = False) -> None:
    services.visit_record(
        visit=visit,
        by=by,
        data={
            "done_on": visit.due_on,
            "kind": "home",
            "business_active": active,
            "equipment_in_use": active,
            "reincarcerated_on": visit.due_on if reincarcerated else None,
            "reincarceration_source": "الأسرة" if reincarcerated else "",
        },
    )
