# Amounts move from decimal columns to whole centimes (see reintegration/money.py).

from decimal import Decimal

import django.core.validators
from django.db import migrations

import reintegration.money
from reintegration.money import ConvertToCentimes


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_reincarceration_index"),
    ]

    operations = [
        ConvertToCentimes(
            model_name="budgetline",
            fields=[
                (
                    "unit_price",
                    reintegration.money.MoneyField(verbose_name="unit price (DH)"),
                ),
            ],
        ),
        ConvertToCentimes(
            model_name="decision",
            fields=[
                (
                    "amount",
                    reintegration.money.MoneyField(blank=True, null=True),
                ),
            ],
        ),
        ConvertToCentimes(
            model_name="followupvisit",
            fields=[
                (
                    "monthly_income",
                    reintegration.money.MoneyField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="monthly income (DH)",
                    ),
                ),
            ],
        ),
        ConvertToCentimes(
            model_name="lifeproject",
            fields=[
                (
                    "approved_total",
                    reintegration.money.MoneyField(
                        blank=True, null=True, verbose_name="approved total (DH)"
                    ),
                ),
                (
                    "expected_monthly_income",
                    reintegration.money.MoneyField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="expected monthly income (DH)",
                    ),
                ),
                (
                    "requested_total",
                    reintegration.money.MoneyField(
                        default=Decimal("0.00"), verbose_name="requested total (DH)"
                    ),
                ),
            ],
        ),
    ]
