# Amounts move from decimal columns to whole centimes (see reintegration/money.py).

from decimal import Decimal

from django.db import migrations

import reintegration.money
from reintegration.money import ConvertToCentimes


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_ceremonies"),
    ]

    operations = [
        ConvertToCentimes(
            model_name="convention",
            fields=[
                ("envelope", reintegration.money.MoneyField(verbose_name="envelope (DH)")),
                (
                    "committed",
                    reintegration.money.MoneyField(
                        default=Decimal("0.00"), editable=False, verbose_name="committed (DH)"
                    ),
                ),
                (
                    "disbursed",
                    reintegration.money.MoneyField(
                        default=Decimal("0.00"), editable=False, verbose_name="disbursed (DH)"
                    ),
                ),
            ],
        ),
        ConvertToCentimes(
            model_name="contribution",
            fields=[
                (
                    "amount",
                    reintegration.money.MoneyField(
                        blank=True, null=True, verbose_name="amount or value (DH)"
                    ),
                ),
            ],
        ),
        ConvertToCentimes(
            model_name="tranche",
            fields=[("amount", reintegration.money.MoneyField(verbose_name="amount (DH)"))],
        ),
        ConvertToCentimes(
            model_name="allocation",
            fields=[
                ("amount", reintegration.money.MoneyField()),
                ("disbursed", reintegration.money.MoneyField(default=Decimal("0.00"))),
            ],
        ),
        ConvertToCentimes(
            model_name="ledgermovement",
            fields=[("amount", reintegration.money.MoneyField())],
        ),
        ConvertToCentimes(
            model_name="handover",
            fields=[
                (
                    "cheque_amount",
                    reintegration.money.MoneyField(
                        blank=True, null=True, verbose_name="working-capital cheque (DH)"
                    ),
                ),
                ("total", reintegration.money.MoneyField(default=Decimal("0.00"))),
            ],
        ),
        ConvertToCentimes(
            model_name="handoveritem",
            fields=[("unit_value", reintegration.money.MoneyField(verbose_name="unit value (DH)"))],
        ),
    ]
