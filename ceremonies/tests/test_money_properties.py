"""The ledger stays exact to the centime through any sequence of approvals, releases,
abandonments and ceremonies, on SQLite as on PostgreSQL.

A model of the ledger in Python ``Decimal`` is kept beside the database; after every step each
convention's committed, disbursed and remaining amounts must equal the model's, the sums of its
allocations and the sums of its ledger movements, to the centime. Amounts are random centimes,
and some steps aim at filling an envelope exactly: that must be accepted, and one centime more
refused.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services as ceremonies
from partners.models import Allocation, Convention, LedgerMovement
from projects import services
from projects.models import LifeProject, Status
from projects.tests.factories import make_project
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
# Below the regional approval ceiling (40.000 DH), so that one approval charges the ledger.
amounts = st.integers(min_value=1, max_value=4_000_000).map(lambda c: Decimal(c) / 100)


def _convention(centre, reference, envelope):
    convention = Convention.objects.create(
        reference=reference,
        title=reference,
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 12, 31),
        envelope=envelope,
        status=Convention.Status.ACTIVE,
    )
    convention.provinces.add(centre.province)
    return convention


def _submitted(centre, users, amount: Decimal):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = make_project(
        person,
        users["coordinator"],
        lines=[("Machine", "1", str(amount))],
        ceiling_justification="Atelier complet",
    )
    services.project_submit(project=project, by=users["coordinator"])
    project.refresh_from_db()
    return project


class Ledger(RuleBasedStateMachine):
    """Each run starts from the world built by the test and rolls back to it at the end."""

    world: dict = {}

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.users = self.world["users"]
        self.centre = self.world["centre"]
        self.conventions = []
        self.model = {}  # convention pk -> [envelope, committed, disbursed]
        self.charged = {}  # project pk -> {convention pk: [amount, disbursed]}

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # --- the conventions -------------------------------------------------------------------

    @precondition(lambda self: len(self.conventions) < 2)
    @rule(envelope=st.integers(min_value=100, max_value=10_000_000).map(lambda c: Decimal(c) / 100))
    def open_convention(self, envelope):
        reference = f"CONV-{len(self.conventions) + 1}"
        convention = _convention(self.centre, reference, envelope)
        self.conventions.append(convention)
        self.model[convention.pk] = [envelope, Decimal("0.00"), Decimal("0.00")]

    def _remaining(self, pk):
        envelope, committed, _disbursed = self.model[pk]
        return envelope - committed

    # --- approvals ---------------------------------------------------------------------------

    def _approve(self, project, splits):
        try:
            services.project_approve(project=project, by=self.users["regional"], allocations=splits)
        except Refused:
            return False
        self.charged[project.pk] = {c.pk: [amount, Decimal("0.00")] for c, amount in splits}
        for convention, amount in splits:
            self.model[convention.pk][1] += amount
        return True

    @precondition(lambda self: self.conventions)
    @rule(amount=amounts, which=st.integers(0, 1), share=st.integers(0, 100))
    def approve(self, amount, which, share):
        convention = self.conventions[which % len(self.conventions)]
        project = _submitted(self.centre, self.users, amount)
        if len(self.conventions) == 2 and 0 < share < 100:
            first = (amount * share / 100).quantize(CENT)
            other = self.conventions[1 - self.conventions.index(convention)]
            splits = [(convention, first), (other, amount - first)] if first else [(other, amount)]
        else:
            splits = [(convention, amount)]
        fits = all(part <= self._remaining(c.pk) for c, part in splits)
        assert self._approve(project, splits) == fits

    @precondition(lambda self: any(self._remaining(c.pk) >= CENT for c in self.conventions))
    @rule(over=st.booleans())
    def fill_exactly(self, over):
        """What is left on a convention, exactly, is accepted; one centime more is refused."""
        convention = max(self.conventions, key=lambda c: self._remaining(c.pk))
        left = self._remaining(convention.pk)
        # One centime over 40.000 DH is not refused but sent on to headquarters (the regional
        # ceiling): from exactly 40.000 DH left, only filling it is tried.
        if left >= Decimal("40000.00"):
            left = Decimal("40000.00")
            over = False
        amount = left + CENT if over else left
        project = _submitted(self.centre, self.users, amount)
        assert self._approve(project, [(convention, amount)]) == (not over)

    # --- releases ----------------------------------------------------------------------------

    def _open_projects(self):
        return sorted(
            pk
            for pk in self.charged
            if LifeProject.objects.filter(
                pk=pk, status__in=(Status.APPROVED, Status.FUNDED)
            ).exists()
        )

    def _release(self, pk):
        for convention_pk, (amount, disbursed) in self.charged[pk].items():
            self.model[convention_pk][1] -= amount - disbursed

    @precondition(lambda self: self.charged)
    @rule(index=st.integers(0, 1000), abandon=st.booleans())
    def release(self, index, abandon):
        open_projects = self._open_projects()
        if not open_projects:
            return
        project = LifeProject.objects.get(pk=open_projects[index % len(open_projects)])
        by = self.users["coordinator"] if abandon else self.users["national"]
        going_back = services.project_abandon if abandon else services.project_reject
        going_back(project=project, by=by, comment="La personne a quitté la région")
        self._release(project.pk)

    # --- ceremonies --------------------------------------------------------------------------

    @precondition(lambda self: self.charged)
    @rule(count=st.integers(1, 4))
    def hold_ceremony(self, count):
        chosen = self._open_projects()[:count]
        if not chosen:
            return
        ceremony = ceremonies.ceremony_save(
            by=self.users["national"],
            data={
                "centre": self.centre,
                "held_on": timezone.localdate(),
                "place": "Tanger",
                "presided_by": "Le wali",
                "authority": "wali",
                "conventions": self.conventions,
            },
        )
        ceremonies.ceremony_add_projects(
            ceremony=ceremony, by=self.users["national"], project_ids=chosen
        )
        ceremonies.ceremony_hold(ceremony=ceremony, by=self.users["national"])
        for pk in chosen:
            # The whole approved budget is handed over: drawn from the allocations in order.
            for convention_pk, part in self.charged[pk].items():
                self.model[convention_pk][2] += part[0] - part[1]
                part[1] = part[0]

    # --- what must hold after every step -----------------------------------------------------

    @invariant()
    def the_ledger_is_exact(self):
        for convention in self.conventions:
            convention.refresh_from_db()
            envelope, committed, disbursed = self.model[convention.pk]
            assert (convention.committed, convention.disbursed, convention.remaining) == (
                committed,
                disbursed,
                envelope - committed,
            )
            allocations = list(Allocation.objects.filter(convention=convention))
            assert convention.committed == sum(
                (a.disbursed if a.released_at else a.amount for a in allocations), Decimal("0")
            )
            assert convention.disbursed == sum((a.disbursed for a in allocations), Decimal("0"))
            sums = {
                row["kind"]: row["total"]
                for row in LedgerMovement.objects.filter(convention=convention)
                .values("kind")
                .annotate(total=Sum("amount"))
            }
            zero = Decimal("0.00")
            assert convention.committed == sums.get("commit", zero) - sums.get("release", zero)
            assert convention.disbursed == sums.get("disburse", zero)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_the_ledger_stays_exact_through_any_sequence(users, centre, english):
    Ledger.world = {"users": users, "centre": centre}
    run = Ledger.TestCase
    run.settings = settings(
        max_examples=10,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    run().runTest()


def test_a_ceremony_disburses_what_two_dozen_approvals_committed_to_the_centime(
    users, centre, english
):
    """24 projects of 22.310,15 DH fill an envelope of 535.443,60 DH exactly; stored as floating
    point, the committed sum drifted and the ceremony was refused for the last person."""
    convention = _convention(centre, "CPDH-TNG-2024-01", Decimal("535443.60"))
    projects = []
    for _ in range(24):
        project = _submitted(centre, users, Decimal("22310.15"))
        services.project_approve(
            project=project,
            by=users["regional"],
            allocations=[(convention, Decimal("22310.15"))],
        )
        projects.append(project)
    ceremony = ceremonies.ceremony_save(
        by=users["national"],
        data={
            "centre": centre,
            "held_on": timezone.localdate(),
            "place": "Tanger",
            "presided_by": "Le wali",
            "authority": "wali",
            "conventions": [convention],
        },
    )
    ceremonies.ceremony_add_projects(
        ceremony=ceremony, by=users["national"], project_ids=[p.pk for p in projects]
    )
    ceremonies.ceremony_hold(ceremony=ceremony, by=users["national"])
    convention.refresh_from_db()
    assert (convention.committed, convention.disbursed, convention.remaining) == (
        Decimal("535443.60"),
        Decimal("535443.60"),
        Decimal("0.00"),
    )
