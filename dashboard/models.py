"""The dashboard's pre-aggregated figures: one row per centre (``dashboard.summary``)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from reintegration.models import Centre


class CentreFigures(models.Model):
    """The additive parts of every figure of the unfiltered dashboard, over one centre's files.

    ``version`` goes up after every committed change to the centre's files, projects, visits,
    placements or money; the parts are current when they were computed at that version
    (``computed_version``) for today (``computed_for``): some parts count from today (visits
    due, outcomes old enough)."""

    centre = models.OneToOneField(
        Centre,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("centre"),
    )
    version = models.PositiveBigIntegerField(_("version"), default=0)
    computed_version = models.PositiveBigIntegerField(_("computed at version"), null=True)
    computed_for = models.DateField(_("computed for the day"), null=True)
    computed_at = models.DateTimeField(_("computed at"), null=True)
    # What the parts hold (``summary.LAYOUT``): a row of an older layout is computed again.
    # A default in the database, so that the release before it can still add rows.
    computed_layout = models.PositiveSmallIntegerField(_("computed in layout"), db_default=1)
    parts = models.JSONField(_("parts"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("centre's figures")
        verbose_name_plural = _("centres' figures")

    def __str__(self) -> str:
        return str(self.centre_id)
