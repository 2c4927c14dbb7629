"""Name keys for duplicate detection, and name variants in the search column, for the files
stored before them (beneficiaries.names). Anonymised files keep no key: they have no name."""

from django.db import migrations, models

from beneficiaries.names import name_key, name_search_words

BATCH = 500


def fill_name_keys(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    manager = Beneficiary._base_manager
    last = 0
    while True:
        # Pages by primary key, each read whole before it is written: no cursor stays open on
        # the table being updated.
        rows = list(
            manager.filter(pk__gt=last, anonymised_at__isnull=True)
            .only(
                "pk",
                "first_name_latin",
                "last_name_latin",
                "first_name_ar",
                "last_name_ar",
                "search_text",
            )
            .order_by("pk")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1].pk
        for row in rows:
            row.name_key = name_key(row.first_name_latin, row.last_name_latin)
            row.name_key_ar = name_key(row.first_name_ar, row.last_name_ar)
            names = name_search_words(
                row.first_name_latin, row.last_name_latin, row.first_name_ar, row.last_name_ar
            )
            row.search_text = f"{row.search_text} {names}".strip()
        manager.bulk_update(rows, ["name_key", "name_key_ar", "search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0009_clean_stored_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="beneficiary",
            name="name_key",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="beneficiary",
            name="name_key_ar",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                fields=["name_key", "date_of_birth"], name="beneficiary_name_key_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                fields=["name_key_ar", "date_of_birth"], name="beneficiary_name_key_ar_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                condition=models.Q(("phone", ""), _negated=True),
                fields=["phone"],
                name="beneficiary_phone_idx",
            ),
        ),
    ]
