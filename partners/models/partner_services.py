"""The services partners offer the people the centres follow (an ANAPEC job-search workshop,
an Attawfiq microcredit, an OFPPT course, a job with a partner employer): reference data kept
by headquarters, to which the centres refer people (``projects.Referral``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models.conventions import Partner
from reintegration.models import BilingualNameMixin


class PartnerServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class PartnerService(BilingualNameMixin):
    class Kind(models.TextChoices):
        JOB_SEARCH_WORKSHOP = "job_search_workshop", _("job-search workshop")
        COUNSELLING = "counselling", _("counselling")
        MICROCREDIT = "microcredit", _("microcredit")
        PROJECT_WORKSHOP = "project_workshop", _("project-building workshop")
        VOCATIONAL_TRAINING = "vocational_training", _("vocational training")
        EMPLOYMENT = "employment", _("employment")
        OTHER = "other", _("other service")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="services", verbose_name=_("partner")
    )
    kind = models.CharField(_("kind of service"), max_length=24, choices=Kind.choices)
    # A service no longer offered stays on the referrals made to it, but no new referral goes
    # to it.
    active = models.BooleanField(_("offered"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PartnerServiceQuerySet.as_manager()

    class Meta:
        ordering = ["partner__name_fr", "name_fr", "pk"]
        verbose_name = _("partner's service")
        verbose_name_plural = _("partners' services")

    def __str__(self) -> str:
        # Who offers it matters as much as what it is ("job-search workshop" of ANAPEC).
        return f"{self.name} ({self.partner.name})"

    @property
    def audit_label(self) -> str:
        return f"{self.partner.name_fr} · {self.name_fr}"
