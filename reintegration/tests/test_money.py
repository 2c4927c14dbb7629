"""Amounts are whole centimes in the database (reintegration/money.py)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from hypothesis import given
from hypothesis import strategies as st

from partners.models import Convention, LedgerMovement
from reintegration.money import MoneyField, from_centimes, money, to_centimes

centimes = st.integers(min_value=-(10**15), max_value=10**15)


@given(centimes)
def test_centimes_and_dirhams_convert_both_ways_without_loss(value):
    amount = from_centimes(value)
    assert amount == Decimal(value) / 100
    assert to_centimes(amount) == value
    assert to_centimes(str(amount)) == value


def test_it_refuses_fractions_of_a_centime_and_floats_rather_than_rounding():
    with pytest.raises(ValueError, match="fraction of a centime"):
        to_centimes(Decimal("8500.505"))
    with pytest.raises(TypeError):
        to_centimes(8500.5)
    with pytest.raises(ValueError):
        to_centimes("8.500,50")


def _convention(reference="CPDH-TNG-EXACT", envelope="535443.60"):
    return Convention.objects.create(
        reference=reference,
        title="Exact",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
        envelope=Decimal(envelope),
        status=Convention.Status.ACTIVE,
    )


@pytest.mark.django_db
def test_the_database_stores_integers_and_adds_them_exactly():
    convention = _convention()
    # 24 additions of 22.310,15 in floating point give 535443.6000000001, which then fails
    # "committed <= envelope" for the last one.
    for _ in range(24):
        updated = Convention.objects.filter(
            pk=convention.pk, committed__lte=F("envelope") - money("22310.15")
        ).update(committed=F("committed") + money("22310.15"))
        assert updated == 1
    convention.refresh_from_db()
    assert convention.committed == Decimal("535443.60")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT committed, envelope FROM partners_convention WHERE id = %s", [convention.pk]
        )
        assert tuple(int(v) for v in cursor.fetchone()) == (53544360, 53544360)
    one_more = Convention.objects.filter(
        pk=convention.pk, committed__lte=F("envelope") - money("0.01")
    ).update(committed=F("committed") + money("0.01"))
    assert one_more == 0


@pytest.mark.django_db
def test_sums_and_differences_read_back_as_dirhams(users, centre):
    from beneficiaries.tests.factories import BeneficiaryFactory
    from projects.tests.factories import make_project

    convention = _convention()
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"])
    project = make_project(person, users["coordinator"])
    for amount in ("0.10", "0.20", "0.30", "22310.15"):
        LedgerMovement.objects.create(
            convention=convention,
            project=project,
            kind="commit",
            amount=Decimal(amount),
            actor=users["national"],
        )
    figures = LedgerMovement.objects.aggregate(
        total=Sum("amount"),
        net=Sum(F("amount") - money("0.10"), output_field=MoneyField()),
    )
    assert figures == {"total": Decimal("22310.75"), "net": Decimal("22310.35")}
