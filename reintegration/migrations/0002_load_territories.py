from django.db import migrations


def load_territories(apps, schema_editor):
    from reintegration import territories

    territories.load(
        apps.get_model("reintegration", "Region"), apps.get_model("reintegration", "Province")
    )


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0001_initial")]

    operations = [migrations.RunPython(load_territories, migrations.RunPython.noop)]
