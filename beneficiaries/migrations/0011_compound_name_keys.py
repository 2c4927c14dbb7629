"""Name keys and search words again, for the files stored before compound names ("Abd El
Kader" and "Abdelkader", "Nour Eddine" and "Noureddine") got one key (beneficiaries.names):
without it a stored file would keep the old key and a new spelling would not find it. Only the
rows whose key or search column changes are written. Anonymised files keep no key: they have
no name."""

from django.db import migrations

from beneficiaries.names import name_key, name_search_words
from reintegration.text import fold

BATCH = 500


def _search_text(person) -> str:
    # As beneficiaries.services._search_text computed it when this migration was written.
    parts = [
        person.first_name_ar,
        person.last_name_ar,
        person.first_name_latin,
        person.last_name_latin,
        person.file_number,
        person.cin or "",
        person.phone,
    ]
    if person.phone.startswith("+212"):
        parts.append("0" + person.phone[4:])
    names = name_search_words(
        person.first_name_latin, person.last_name_latin, person.first_name_ar, person.last_name_ar
    )
    return f"{fold(' '.join(parts))} {names}".strip()


def refill_name_keys(apps, schema_editor):
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    manager = Beneficiary._base_manager
    fields = ["name_key", "name_key_ar", "search_text"]
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
                "file_number",
                "cin",
                "phone",
                *fields,
            )
            .order_by("pk")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1].pk
        changed = []
        for row in rows:
            before = [getattr(row, name) for name in fields]
            row.name_key = name_key(row.first_name_latin, row.last_name_latin)
            row.name_key_ar = name_key(row.first_name_ar, row.last_name_ar)
            row.search_text = _search_text(row)
            if [getattr(row, name) for name in fields] != before:
                changed.append(row)
        if changed:
            manager.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0010_name_keys"),
    ]

    # The old keys need not come back: they only served to find files.
    operations = [migrations.RunPython(refill_name_keys, migrations.RunPython.noop, elidable=True)]
