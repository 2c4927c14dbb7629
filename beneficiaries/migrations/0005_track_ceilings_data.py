from decimal import Decimal

from django.db import migrations

# Averages of the published cohorts (published FM6 operations): ~35,300 DH per person for regular
# INDH-convention cohorts, ~55,000-65,000 DH for Moussalaha. Headquarters can change them.
CEILINGS = {
    "standard": Decimal("35500"),
    "conditional_release": Decimal("35500"),
    "moussalaha": Decimal("65000"),
}


def load(apps, schema_editor):
    track_model = apps.get_model("beneficiaries", "ProgrammeTrack")
    for code, ceiling in CEILINGS.items():
        track_model.objects.filter(code=code, ceiling__isnull=True).update(ceiling=ceiling)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0004_track_ceiling")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
