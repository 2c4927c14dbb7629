"""An Arabic title for conventions, shown in the Arabic interface and documents. The
convention table is not one of the protected ones: rebuilding it on SQLite drops no trigger."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0007_protect_ledger_and_certificates"),
    ]

    operations = [
        migrations.AddField(
            model_name="convention",
            name="title_ar",
            field=models.CharField(blank=True, max_length=300, verbose_name="title in Arabic"),
        ),
    ]
