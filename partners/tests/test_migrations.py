"""The data migrations of partners' tables keep what databases already hold.

Amounts became whole centimes (0004) and a handover line's one serial number became a serial
per unit (0005). One trip back in the migration history serves both: going back costs seconds
for every migration undone (Django rebuilds the models' state before each), and both stand on
the same stretch of it.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services as ceremonies
from ceremonies.models import HandoverItem, HandoverItemSerial
from ceremonies.tests.test_serials import ONE_FOR_TWO, SEWING, planned
from partners.models import Convention
from projects.tests.factories import approved, make_project

BEFORE_CENTIMES = ("partners", "0003_ceremonies")
BEFORE_SERIALS = ("partners", "0004_amounts_in_centimes")


def migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_amounts_and_serials_already_stored_come_through_the_migrations(
    reference_data, centre, users, convention
):
    coordinator = users["coordinator"]
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    handover = planned(approved(make_project(person, coordinator, lines=SEWING), users), users)
    machine_pk, scissors_pk = handover.items.values_list("pk", flat=True)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # Before centimes: amounts were decimals of dirhams.
        executor = migrate([BEFORE_CENTIMES])
        old = executor.loader.project_state([BEFORE_CENTIMES]).apps.get_model(
            "partners", "Convention"
        )
        old_convention = old.objects.create(
            reference="OLD-1",
            title="Old",
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2030, 1, 1),
            envelope=Decimal("535443.60"),
            committed=Decimal("535443.60"),
            disbursed=Decimal("22310.15"),
            status="active",
        )
        # Before serials per unit: one serial number per line, whatever its quantity.
        executor = migrate([BEFORE_SERIALS])
        old = executor.loader.project_state([BEFORE_SERIALS]).apps.get_model(
            "partners", "HandoverItem"
        )
        old.objects.filter(pk=machine_pk).update(serial_number="JUKI-8700")  # two machines
        old.objects.filter(pk=scissors_pk).update(serial_number="MQ-7")
    finally:
        migrate(latest)

    migrated = Convention.objects.get(pk=old_convention.pk)
    assert (migrated.envelope, migrated.committed, migrated.disbursed) == (
        Decimal("535443.60"),
        Decimal("535443.60"),
        Decimal("22310.15"),
    )
    assert list(
        HandoverItemSerial.objects.order_by("item").values_list(
            "item", "handover", "unit", "serial"
        )
    ) == [(machine_pk, handover.pk, 1, "JUKI-8700"), (scissors_pk, handover.pk, 1, "MQ-7")]
    # The machines' line now lacks its second serial and says so.
    with translation.override("en"):
        assert ceremonies.incomplete_serials(handover) == ONE_FOR_TWO
    assert HandoverItem.objects.count() == 2
