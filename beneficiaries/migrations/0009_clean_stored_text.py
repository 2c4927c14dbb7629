"""Strip bidirectional controls and zero-width characters from text stored before input was
cleaned, and store it in NFC (see ``reintegration.text.clean_text``). Only changed rows are
written; the search column of a file whose names changed is recomputed from them."""

from django.db import migrations

from reintegration.text import clean_stored_text, fold

FIELDS = {
    "Beneficiary": [
        "first_name_ar",
        "last_name_ar",
        "first_name_latin",
        "last_name_latin",
        "commune",
        "notes",
        "archive_reason",
    ],
    "DetentionRecord": ["training_in_prison", "training_certificate"],
    "Document": ["original_name"],
    "ProgrammeTrack": ["name_ar", "name_fr"],
    "Establishment": ["name_ar", "name_fr"],
}


def _search_text(person) -> str:
    # As beneficiaries.services._search_text computed it when this migration was written.
    if person.anonymised_at:
        return fold(person.file_number)
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
    return fold(" ".join(parts))


def clean(apps, schema_editor):
    for name, fields in FIELDS.items():
        extra = {}
        if name == "Beneficiary":
            extra = {
                "derived": {"search_text": _search_text},
                "reads": ["file_number", "cin", "phone", "anonymised_at"],
            }
        clean_stored_text(apps.get_model("beneficiaries", name), fields, **extra)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0008_amounts_in_centimes"),
    ]

    # Cleaning cannot be undone, and need not be: the text meant the same before.
    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
