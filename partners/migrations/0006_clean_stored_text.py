"""Strip bidirectional controls and zero-width characters from text stored before input was
cleaned, and store it in NFC (see ``reintegration.text.clean_text``). Only changed rows are
written. Issued certificates are left as issued: they are immutable copies, and a wrong one
is corrected by cancelling it and issuing a new one from the cleaned data."""

from django.db import migrations

from reintegration.text import clean_stored_text

FIELDS = {
    "Partner": ["name_ar", "name_fr"],
    "PartnerContact": ["name", "position"],
    "IndhProgramme": ["name_ar", "name_fr"],
    "Convention": ["title"],
    "Contribution": ["description"],
    "Ceremony": ["place", "presided_by", "authority_other", "attendees", "cancel_reason"],
    "Handover": ["cheque_number"],
    "HandoverItem": ["designation", "brand"],
}


def clean(apps, schema_editor):
    for name, fields in FIELDS.items():
        clean_stored_text(apps.get_model("partners", name), fields)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_handover_item_serials"),
    ]

    # Cleaning cannot be undone, and need not be: the text meant the same before.
    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
