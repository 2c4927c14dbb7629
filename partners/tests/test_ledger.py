import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import translation

from beneficiaries.tests.factories import BeneficiaryFactory
from partners import services as ledger
from partners.models import Allocation, Convention, LedgerMovement
from projects import services
from projects.models import Status
from projects.tests.factories import make_project
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def new_convention(centre, envelope, reference="CPDH-TNG-RACE"):
    convention = Convention.objects.create(
        reference=reference,
        title="Race",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
        envelope=Decimal(envelope),
        status=Convention.Status.ACTIVE,
    )
    convention.provinces.add(centre.province)
    return convention


def submitted(centre, users, price="100.00"):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = make_project(person, users["coordinator"], lines=[("Outil", "1", price)])
    services.project_submit(project=project, by=users["coordinator"])
    project.refresh_from_db()
    return project


def test_an_approval_charges_the_convention_and_leaves_a_movement(users, centre, convention):
    project = submitted(centre, users, "13600.00")
    services.project_approve(
        project=project,
        by=users["regional"],
        allocations=[(convention, Decimal("13600.00"))],
    )
    convention.refresh_from_db()
    assert convention.committed == Decimal("13600.00")
    movement = LedgerMovement.objects.get()
    assert (movement.kind, movement.project, movement.actor) == (
        "commit",
        project,
        users["regional"],
    )


def test_an_approval_that_does_not_fit_says_how_much_is_left_and_changes_nothing(users, centre):
    small = new_convention(centre, "5000.00")
    project = submitted(centre, users, "6000.00")
    with pytest.raises(Refused) as error:
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(small, Decimal("6000.00"))],
        )
    assert error.value.message == (
        "Only 5.000,00 DH left on the convention CPDH-TNG-RACE: the approval was not recorded."
    )
    project.refresh_from_db()
    small.refresh_from_db()
    assert (project.status, small.committed) == (Status.SUBMITTED, Decimal("0.00"))
    assert not Allocation.objects.exists()


def test_a_split_across_two_conventions_is_all_or_nothing(users, centre):
    first = new_convention(centre, "4000.00", "A")
    second = new_convention(centre, "1000.00", "B")
    project = submitted(centre, users, "6000.00")
    left = r"Only 1\.000,00 DH left on the convention B"
    with pytest.raises(Refused, match=left):
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(first, Decimal("4000")), (second, Decimal("2000"))],
        )
    first.refresh_from_db()
    assert first.committed == 0  # the first part was rolled back with the rest
    second.envelope = Decimal("2000.00")
    second.save(update_fields=["envelope"])
    services.project_approve(
        project=project,
        by=users["regional"],
        allocations=[(first, Decimal("4000")), (second, Decimal("2000"))],
    )
    assert sorted(Allocation.objects.values_list("amount", flat=True)) == [
        Decimal("2000.00"),
        Decimal("4000.00"),
    ]


def test_the_amount_charged_must_be_the_approved_amount(users, centre, convention):
    project = submitted(centre, users, "6000.00")
    with pytest.raises(Refused, match=r"Charge exactly 6.000,00 DH .*now 5.000,00 DH"):
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(convention, Decimal("5000"))],
        )


def test_a_convention_outside_the_province_or_closed_is_refused(users, centre, elsewhere):
    project = submitted(centre, users, "100.00")
    foreign = new_convention(elsewhere["centre"], "9000.00", "CPDH-CAS")
    with pytest.raises(Refused, match="not active for the beneficiary's province"):
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(foreign, Decimal("100"))],
        )
    closed = new_convention(centre, "9000.00", "OLD")
    Convention.objects.filter(pk=closed.pk).update(status="closed")
    with pytest.raises(Refused, match="not active"):
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(closed, Decimal("100"))],
        )


@pytest.mark.parametrize("action", ["reject", "abandon"])
def test_going_back_on_an_approval_releases_the_money(users, centre, convention, action):
    project = submitted(centre, users, "13600.00")
    services.project_approve(
        project=project,
        by=users["regional"],
        allocations=[(convention, Decimal("13600.00"))],
    )
    by = users["national"] if action == "reject" else users["coordinator"]
    going_back = {"reject": services.project_reject, "abandon": services.project_abandon}[action]
    going_back(project=project, by=by, comment="parti à l'étranger")
    convention.refresh_from_db()
    assert convention.committed == 0
    assert list(LedgerMovement.objects.values_list("kind", "amount")) == [
        ("commit", Decimal("13600.00")),
        ("release", Decimal("13600.00")),
    ]
    assert Allocation.objects.get().released_at is not None


def test_an_approval_split_leaves_out_empty_amounts_and_must_add_up(centre):
    first, second = new_convention(centre, "9000.00", "A"), new_convention(centre, "9000.00", "B")
    assert ledger.check_splits(Decimal("600"), [(first, Decimal("600")), (second, None)]) == [
        (first, Decimal("600"))
    ]
    with pytest.raises(Refused, match="Choose each convention only once"):
        ledger.check_splits(Decimal("600"), [(first, Decimal("300")), (first, Decimal("300"))])
    with pytest.raises(Refused, match="greater than zero"):
        ledger.check_splits(Decimal("600"), [(first, Decimal("700")), (second, Decimal("-100"))])


def test_releasing_gives_back_what_was_not_handed_over():
    handed = Allocation(amount=Decimal("500.00"), disbursed=Decimal("500.00"))
    partly = Allocation(amount=Decimal("800.00"), disbursed=Decimal("300.00"))
    assert ledger.undisbursed([handed, partly]) == [(partly, Decimal("500.00"))]


def test_the_database_refuses_a_committed_amount_above_the_envelope(centre):
    from django.db import IntegrityError, transaction

    small = new_convention(centre, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Convention.objects.filter(pk=small.pk).update(committed=Decimal("100.01"))


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_approvals_never_overspend_the_envelope(reference_data, users, centre):
    """20 threads approve 20 projects of 100 DH at the same moment against 1,000 DH."""
    envelope = new_convention(centre, "1000.00")
    projects = [submitted(centre, users, "100.00") for _index in range(20)]
    barrier = threading.Barrier(len(projects))
    outcomes = []

    def approve(project):
        try:
            barrier.wait(timeout=30)
            with translation.override("en"):
                services.project_approve(
                    project=project,
                    by=users["regional"],
                    allocations=[(envelope, Decimal("100.00"))],
                )
            outcomes.append("approved")
        except Refused as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("approved") == 10, outcomes
    assert (
        outcomes.count(
            "Only 0,00 DH left on the convention CPDH-TNG-RACE: the approval was not recorded."
        )
        == 10
    ), outcomes
    envelope.refresh_from_db()
    charged = sum(Allocation.objects.filter(convention=envelope).values_list("amount", flat=True))
    assert envelope.committed == charged == Decimal("1000.00")
    assert connection.vendor in ("sqlite", "postgresql")
