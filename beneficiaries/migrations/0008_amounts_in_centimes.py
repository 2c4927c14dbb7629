# Amounts move from decimal columns to whole centimes (see reintegration/money.py).

from django.db import migrations

import reintegration.money
from reintegration.money import ConvertToCentimes


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0007_inbox_index"),
    ]

    operations = [
        ConvertToCentimes(
            model_name="programmetrack",
            fields=[
                (
                    "ceiling",
                    reintegration.money.MoneyField(
                        blank=True,
                        help_text="Budgets above it need a justification. Empty: no ceiling.",
                        null=True,
                        verbose_name="per-beneficiary ceiling (DH)",
                    ),
                ),
            ],
        ),
    ]
