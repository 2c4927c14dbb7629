"""Ceremonies: who may join, what is recorded, and what holding one does to the money, the
projects and the follow-up."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony, Handover
from ceremonies.tests.factories import held_ceremony, plan_ceremony
from partners import services
from partners.models import Allocation, Convention, LedgerMovement
from projects.models import FollowUpVisit, LifeProject, Status
from projects.tests.factories import approved, fund, make_project
from reintegration.concurrency import ConcurrentEdit
from reintegration.models import AuditEntry
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db

SEWING = (("ماكينة خياطة", "2", "6800.00"), ("مقص", "1", "350.50"))  # 13,950.50 DH


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(centre, users, convention):
    """Three approved projects of the Tanger centre: two women, one man."""
    coordinator = users["coordinator"]
    made = []
    for sex, latin in (("F", "Fatima"), ("F", "Khadija"), ("M", "Youssef")):
        person = BeneficiaryFactory(centre=centre, by=coordinator, sex=sex, first_name_latin=latin)
        made.append(approved(make_project(person, coordinator, lines=SEWING), users))
    return made


def items_of(handover):
    return [
        {
            "id": item.pk,
            "designation": item.designation,
            "brand": item.brand,
            "serials": [unit.serial for unit in item.serials.all()],
            "quantity": item.quantity,
            "unit_value": item.unit_value,
        }
        for item in handover.items.all()
    ]


def test_only_charged_projects_of_the_centre_in_scope_can_join(
    people, users, centre, elsewhere, convention
):
    coordinator = users["coordinator"]
    draft = make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
    ceremony = plan_ceremony(coordinator)
    eligible = set(ceremonies.eligible_projects(ceremony, coordinator))
    assert eligible == set(people)
    assert draft not in eligible
    # Casablanca's coordinator sees none of them, and cannot add them.
    assert list(ceremonies.eligible_projects(ceremony, elsewhere["coordinator"])) == []
    with pytest.raises(Refused):
        ceremonies.ceremony_add_projects(
            ceremony=ceremony, by=elsewhere["coordinator"], project_ids=[people[0].pk]
        )
    # Once in a ceremony, a project is offered to no other one.
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    other = plan_ceremony(coordinator)
    assert people[0] not in set(ceremonies.eligible_projects(other, coordinator))


def test_a_project_charged_to_another_convention_does_not_join(people, users, centre):
    other = Convention.objects.create(
        reference="ANAPEC-TEST",
        title="Autre",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
        envelope=Decimal("1000.00"),
        status=Convention.Status.ACTIVE,
    )
    other.provinces.add(centre.province)
    ceremony = plan_ceremony(users["coordinator"], conventions=[other])
    assert list(ceremonies.eligible_projects(ceremony, users["coordinator"])) == []


def test_the_approved_budget_is_copied_and_working_capital_becomes_the_cheque(
    centre, users, convention
):
    coordinator = users["coordinator"]
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    project = make_project(person, coordinator, lines=SEWING)
    from projects import services as project_services

    project_services.budget_line_save(
        project=project,
        by=coordinator,
        version=project.version,
        data={
            "designation": "رأس مال التشغيل",
            "category": "working_capital",
            "quantity": Decimal("1"),
            "unit_price": Decimal("3000.00"),
        },
    )
    approved(project, users)
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[project.pk])
    handover = Handover.objects.get()
    assert [(i.designation, i.quantity, i.unit_value) for i in handover.items.all()] == [
        ("ماكينة خياطة", Decimal("2.00"), Decimal("6800.00")),
        ("مقص", Decimal("1.00"), Decimal("350.50")),
    ]
    assert handover.cheque_amount == Decimal("3000.00")
    assert handover.total == Decimal("16950.50") == project.requested_total + 0


def test_holding_disburses_equips_and_schedules_the_visits(people, users, convention):
    ceremony = held_ceremony(people, users, held_on=datetime.date(2026, 3, 10))
    convention.refresh_from_db()
    assert convention.committed == Decimal("13950.50") * 3
    assert convention.disbursed == Decimal("13950.50") * 3
    assert sorted(
        LedgerMovement.objects.filter(kind="disburse").values_list("project_id", "amount")
    ) == sorted((p.pk, Decimal("13950.50")) for p in people)
    for project in people:
        assert project.status == Status.EQUIPPED
        assert project.handover_date == datetime.date(2026, 3, 10)
        assert project.beneficiary.__class__.objects.get(pk=project.beneficiary_id).status == (
            "equipped"
        )
    assert FollowUpVisit.objects.count() == 4 * 3
    assert ceremony.status == Ceremony.Status.HELD
    assert AuditEntry.objects.filter(action="ceremony.held").count() == 1
    assert AuditEntry.objects.filter(action="project.equip").count() == 3


def test_totals_are_what_the_press_reports(people, users):
    ceremony = held_ceremony(people, users)
    figures = ceremonies.totals(ceremony)
    women = sum(1 for p in people if p.beneficiary.sex == "F")
    value = sum((h.total for h in Handover.objects.all()), Decimal("0"))
    assert (figures["beneficiaries"], figures["women"], figures["value"]) == (3, women, value)
    assert [(t["name_fr"], t["count"]) for t in figures["trades"]] == [("Couture et confection", 3)]


def test_handing_over_less_gives_the_rest_back_to_the_convention(people, users, convention):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    handover = Handover.objects.get()
    items = items_of(handover)
    items[1]["unit_value"] = Decimal("300.00")
    ceremonies.handover_save(handover=handover, by=coordinator, items=items, version=1)
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    convention.refresh_from_db()
    allocation = Allocation.objects.get(project=people[0])
    assert allocation.disbursed == Decimal("13900.00")
    assert convention.disbursed == Decimal("13900.00")
    # 50.50 DH were approved but not spent: the envelope gets them back.
    assert convention.committed == Decimal("13950.50") * 3 - Decimal("50.50")
    assert list(LedgerMovement.objects.filter(project=people[0]).values_list("kind", "amount")) == [
        ("commit", Decimal("13950.50")),
        ("disburse", Decimal("13900.00")),
        ("release", Decimal("50.50")),
    ]


def test_a_ceremony_disburses_only_from_its_own_conventions(people, users, centre, convention):
    """A project charged half to another convention waits for a ceremony that lists both."""
    other = Convention.objects.create(
        reference="ANAPEC-TEST",
        title="Autre",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
        envelope=Decimal("100000.00"),
        status=Convention.Status.ACTIVE,
    )
    other.provinces.add(centre.province)
    coordinator = users["coordinator"]
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    from projects import services as project_services

    split = make_project(person, coordinator, lines=SEWING)
    project_services.project_submit(project=split, by=coordinator)
    split.refresh_from_db()
    project_services.project_approve(
        project=split,
        by=users["regional"],
        allocations=[(convention, Decimal("7000.00")), (other, Decimal("6950.50"))],
    )
    only_one = plan_ceremony(coordinator)
    assert split not in set(ceremonies.eligible_projects(only_one, coordinator))
    both = plan_ceremony(coordinator, conventions=[convention, other])
    assert split in set(ceremonies.eligible_projects(both, coordinator))
    ceremonies.ceremony_add_projects(ceremony=both, by=coordinator, project_ids=[split.pk])
    with pytest.raises(Refused, match="not among these"):
        ceremonies.ceremony_save(
            by=coordinator,
            ceremony=both,
            data={
                "held_on": both.held_on,
                "place": both.place,
                "presided_by": both.presided_by,
                "authority": both.authority,
                "conventions": [convention],
            },
        )
    ceremonies.ceremony_hold(ceremony=both, by=users["regional"])
    convention.refresh_from_db()
    other.refresh_from_db()
    assert (convention.disbursed, other.disbursed) == (Decimal("7000.00"), Decimal("6950.50"))


def test_a_value_above_what_was_committed_is_refused(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    handover = Handover.objects.get()
    items = items_of(handover)
    items[0]["unit_value"] = Decimal("9000.00")
    with pytest.raises(Refused) as error:
        ceremonies.handover_save(handover=handover, by=coordinator, items=items, version=1)
    assert error.value.message == (
        "These items are worth 18.350,50 DH, more than the 13.950,50 DH committed for this "
        "project: disbursed cannot exceed committed."
    )
    # Even if the total was pushed past it behind the service's back, holding refuses and
    # nothing moves.
    Handover.objects.filter(pk=handover.pk).update(total=Decimal("20000.00"))
    with pytest.raises(Refused, match="disbursed cannot exceed committed"):
        ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    assert Convention.objects.get().disbursed == 0
    assert LifeProject.objects.get(pk=people[0].pk).status == Status.APPROVED


def test_the_database_refuses_disbursed_above_committed(convention):
    with pytest.raises(IntegrityError), transaction.atomic():
        Convention.objects.filter(pk=convention.pk).update(disbursed=Decimal("1.00"))


def test_disburse_never_passes_what_the_project_committed(people, users):
    with pytest.raises(Refused):
        services.disburse(project=people[0], amount=Decimal("13950.51"), by=users["national"])
    services.disburse(project=people[0], amount=Decimal("13950.50"), by=users["national"])
    with pytest.raises(Refused):
        services.disburse(project=people[0], amount=Decimal("0.01"), by=users["national"])


def test_a_handover_with_no_items_is_refused(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    handover = Handover.objects.get()
    with pytest.raises(Refused, match="at least one item"):
        ceremonies.handover_save(handover=handover, by=coordinator, items=[], version=1)
    handover.items.all().delete()
    with pytest.raises(Refused, match="Nothing was recorded"):
        ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])


def test_a_serial_number_is_handed_over_once_per_convention(people, users):
    coordinator = users["coordinator"]
    first = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=first, by=coordinator, project_ids=[people[0].pk])
    handover = Handover.objects.get()
    items = items_of(handover)
    items[0]["serials"] = ["sn 123-a", "sn 123-b"]  # two machines
    ceremonies.handover_save(handover=handover, by=coordinator, items=items, version=1)
    assert items_of(handover)[0]["serials"] == ["SN123-A", "SN123-B"]

    second = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=second, by=coordinator, project_ids=[people[1].pk])
    other = Handover.objects.get(project=people[1])
    items = items_of(other)
    items[0]["serials"] = ["SN900", "SN123-A"]  # the second unit's was handed over already
    with pytest.raises(Refused) as error:
        ceremonies.handover_save(handover=other, by=coordinator, items=items, version=1)
    assert error.value.message == (
        "The serial number SN123-A was already handed over to another beneficiary under the "
        "same convention."
    )
    items[0]["serials"] = ["SN-1", "SN-2"]
    items[1]["serials"] = ["sn-1"]
    with pytest.raises(Refused, match="appears twice"):
        ceremonies.handover_save(handover=other, by=coordinator, items=items, version=1)


def test_holding_refuses_a_project_that_left_meanwhile(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in people]
    )
    from projects import services as project_services

    project_services.project_abandon(
        project=people[2], by=coordinator, comment="parti à l'étranger"
    )
    with pytest.raises(Refused, match="remove it from the ceremony"):
        ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    assert Convention.objects.get().disbursed == 0  # all or nothing
    handover = Handover.objects.get(project=people[2])
    ceremonies.handover_remove(handover=handover, by=coordinator)
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    assert Convention.objects.get().disbursed == Decimal("13950.50") * 2


def test_a_ceremony_is_not_held_before_its_day_nor_twice(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator, held_on=timezone.localdate() + datetime.timedelta(days=3))
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    with pytest.raises(Refused, match="in the future"):
        ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    Ceremony.objects.filter(pk=ceremony.pk).update(held_on=timezone.localdate())
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    with pytest.raises(Refused, match="held"):
        ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])
    assert Convention.objects.get().disbursed == Decimal("13950.50")


def test_only_regional_staff_and_headquarters_hold(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    for role in ("coordinator", "official", "auditor"):
        with pytest.raises(Refused):
            ceremonies.ceremony_hold(ceremony=ceremony, by=users[role])
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["regional"])


def test_a_correction_cannot_give_two_items_one_serial_number(people, users):
    held_ceremony(people[:1], users)
    handover = Handover.objects.get()
    first, second = items_of(handover)
    second["serials"] = ["SN1"]
    ceremonies.handover_save(
        handover=handover, by=users["coordinator"], items=[first, second], version=1
    )
    first["serials"] = ["SN2", "sn1"]
    with pytest.raises(Refused, match="appears twice"):
        # Only the first row is sent; the second keeps SN1.
        ceremonies.handover_save(
            handover=handover, by=users["coordinator"], items=[first], version=2
        )


def test_after_the_ceremony_values_are_settled_but_serials_can_be_corrected(people, users):
    held_ceremony(people[:1], users)
    handover = Handover.objects.get()
    items = items_of(handover)
    items[0]["serials"] = ["JUKI-0042", "JUKI-0043"]
    items[0]["unit_value"] = Decimal("1.00")  # ignored: the money has moved
    ceremonies.handover_save(
        handover=handover, by=users["coordinator"], items=items, version=handover.version
    )
    item = handover.items.first()
    assert ([u.serial for u in item.serials.all()], item.unit_value) == (
        ["JUKI-0042", "JUKI-0043"],
        Decimal("6800.00"),
    )
    with pytest.raises(Refused, match="cannot be added"):
        ceremonies.handover_save(
            handover=handover,
            by=users["coordinator"],
            items=[*items_of(handover), {"designation": "x", "quantity": 1, "unit_value": 1}],
            version=handover.version + 1,
        )


def test_two_people_editing_one_handover_are_told(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    handover = Handover.objects.get()
    items = items_of(handover)
    ceremonies.handover_save(handover=handover, by=coordinator, items=items, version=1)
    with pytest.raises(ConcurrentEdit):
        ceremonies.handover_save(handover=handover, by=users["regional"], items=items, version=1)


def test_cancelling_a_planned_ceremony_frees_its_beneficiaries(people, users):
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[people[0].pk])
    with pytest.raises(Refused, match="Say why"):
        ceremonies.ceremony_cancel(ceremony=ceremony, by=coordinator, reason=" ")
    ceremonies.ceremony_cancel(ceremony=ceremony, by=coordinator, reason="Report du gouverneur")
    assert Handover.objects.count() == 0
    assert Ceremony.objects.get().status == Ceremony.Status.CANCELLED
    assert people[0] in set(ceremonies.eligible_projects(plan_ceremony(coordinator), coordinator))


@pytest.mark.usefixtures("no_pdf_layout")  # issues certificates, reads none
def test_closing_needs_every_certificate(people, users):
    from ceremonies.certificates import certificates_issue

    ceremony = held_ceremony(people[:2], users)
    with pytest.raises(Refused, match="Issue the certificates first"):
        ceremonies.ceremony_close(ceremony=ceremony, by=users["regional"])
    certificates_issue(ceremony=ceremony, by=users["coordinator"])
    ceremonies.ceremony_close(ceremony=ceremony, by=users["regional"])
    assert Ceremony.objects.get().status == Ceremony.Status.CLOSED


def test_a_convention_outside_the_province_is_refused(users, elsewhere):
    other = Convention.objects.create(
        reference="CPDH-CAS",
        title="Casablanca",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
        envelope=Decimal("1000.00"),
        status=Convention.Status.ACTIVE,
    )
    other.provinces.add(elsewhere["centre"].province)
    with pytest.raises(Refused, match="does not cover"):
        plan_ceremony(users["coordinator"], conventions=[other])


def test_a_funded_project_joins_too(centre, users, convention):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = fund(make_project(person, users["coordinator"]), users)
    held_ceremony([project], users)
    assert LifeProject.objects.get().status == Status.EQUIPPED


@pytest.mark.django_db(transaction=True)
def test_two_people_holding_one_ceremony_at_once_disburse_once(
    reference_data, users, centre, convention
):
    import threading

    from django.db import connections

    coordinator = users["coordinator"]
    projects = [
        approved(
            make_project(BeneficiaryFactory(centre=centre, by=coordinator), coordinator), users
        )
        for _index in range(3)
    ]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=coordinator, project_ids=[p.pk for p in projects]
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def hold(user):
        try:
            barrier.wait(timeout=30)
            with translation.override("en"):
                ceremonies.ceremony_hold(ceremony=ceremony, by=user)
            outcomes.append("held")
        except Refused as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=hold, args=(users[role],)) for role in ("regional", "national")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == [
        "This ceremony is held: it can no longer be changed this way.",
        "held",
    ], outcomes
    convention.refresh_from_db()
    assert convention.disbursed == sum(p.requested_total for p in projects)
    assert LedgerMovement.objects.filter(kind="disburse").count() == 3


def test_the_services_check_the_same_roles_as_the_pages(people, users, elsewhere):
    from ceremonies.certificates import certificates_issue

    with pytest.raises(Refused, match="planning a ceremony"):
        plan_ceremony(users["official"], centre=people[0].beneficiary.centre)
    with pytest.raises(Refused, match="planning a ceremony"):
        plan_ceremony(elsewhere["coordinator"], centre=people[0].beneficiary.centre)
    ceremony = plan_ceremony(users["coordinator"])
    for role in ("official", "auditor"):
        with pytest.raises(Refused, match="does not allow"):
            ceremonies.ceremony_add_projects(
                ceremony=ceremony, by=users[role], project_ids=[people[0].pk]
            )
        with pytest.raises(Refused, match="does not allow"):
            ceremonies.ceremony_cancel(ceremony=ceremony, by=users[role], reason="x")
    held = held_ceremony(people[1:2], users)
    with pytest.raises(Refused, match="does not allow"):
        certificates_issue(ceremony=held, by=users["regional"])
    with pytest.raises(Refused, match="does not allow"):
        ceremonies.ceremony_close(ceremony=held, by=users["coordinator"])
