"""One serial number per unit: the single serial of an item line moves to a child table.

An existing serial becomes the first unit's. A line of several units that had one serial keeps
it, unchanged, as the first unit's: the certificates already issued from it stay as issued, and
the line is then incomplete, so the handover form asks for the other units' serials on its next
save and no new certificate (correction included) is issued until they are entered (see
``partners.ceremonies.serial_problem``). Nothing typed by an official is dropped or guessed.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def serials_to_units(apps, schema_editor):
    HandoverItem = apps.get_model("partners", "HandoverItem")
    HandoverItemSerial = apps.get_model("partners", "HandoverItemSerial")
    rows = []
    legacy = (
        HandoverItem.objects.exclude(serial_number="")
        .order_by("pk")
        .values_list("pk", "handover_id", "serial_number")
    )
    for item, handover, serial in legacy.iterator(chunk_size=BATCH):
        rows.append(HandoverItemSerial(item_id=item, handover_id=handover, unit=1, serial=serial))
        if len(rows) == BATCH:
            HandoverItemSerial.objects.bulk_create(rows)
            rows = []
    HandoverItemSerial.objects.bulk_create(rows)


def units_to_serials(apps, schema_editor):
    """Back to one serial per line: the first unit's, as before (the others had no place)."""
    HandoverItem = apps.get_model("partners", "HandoverItem")
    HandoverItemSerial = apps.get_model("partners", "HandoverItemSerial")
    for item, serial in HandoverItemSerial.objects.filter(unit=1).values_list("item", "serial"):
        HandoverItem.objects.filter(pk=item).update(serial_number=serial)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_amounts_in_centimes"),
    ]

    operations = [
        migrations.CreateModel(
            name="HandoverItemSerial",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit", models.PositiveSmallIntegerField()),
                ("serial", models.CharField(max_length=60, verbose_name="serial number")),
                (
                    "handover",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.handover",
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="serials",
                        to="partners.handoveritem",
                    ),
                ),
            ],
            options={
                "verbose_name": "serial number",
                "verbose_name_plural": "serial numbers",
                "ordering": ["item", "unit"],
                "indexes": [models.Index(fields=["serial"], name="item_serial_number")],
                "constraints": [
                    models.UniqueConstraint(fields=("item", "unit"), name="one_serial_per_unit"),
                    models.UniqueConstraint(
                        fields=("handover", "serial"), name="serial_once_per_handover"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("unit__gte", 1)), name="serial_unit_from_one"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("serial", ""), _negated=True), name="serial_not_blank"
                    ),
                ],
            },
        ),
        migrations.RunPython(serials_to_units, units_to_serials),
        migrations.RemoveIndex(model_name="handoveritem", name="item_serial"),
        migrations.RemoveField(model_name="handoveritem", name="serial_number"),
    ]
