"""Strip bidirectional controls and zero-width characters from text stored before input was
cleaned, and store it in NFC (see ``reintegration.text.clean_text``). Only changed rows are
written."""

from django.db import migrations

from reintegration.text import clean_stored_text

FIELDS = {
    "LifeProject": [
        "title",
        "location",
        "description",
        "skills",
        "experience",
        "needs",
        "market_fit",
        "training_course",
        "training_provider",
        "training_certificate",
        "ceiling_justification",
        "closing_reason",
    ],
    "BudgetLine": ["designation", "supplier", "quote_reference"],
    "Decision": ["comment"],
    "FollowUpVisit": ["difficulties", "next_steps"],
    "Sector": ["name_ar", "name_fr"],
    "Trade": ["name_ar", "name_fr"],
}


def clean(apps, schema_editor):
    for name, fields in FIELDS.items():
        clean_stored_text(apps.get_model("projects", name), fields)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0008_amounts_in_centimes"),
    ]

    # Cleaning cannot be undone, and need not be: the text meant the same before.
    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
