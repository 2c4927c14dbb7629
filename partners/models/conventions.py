import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import BigIntegerField, ExpressionWrapper, F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from reintegration.models import BilingualNameMixin, Province, Region
from reintegration.money import MoneyField
from reintegration.scoping import ScopedQuerySet


class IndhProgramme(BilingualNameMixin):
    """An INDH programme a convention is filed under (reference data: phases get renamed)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("INDH programme")
        verbose_name_plural = _("INDH programmes")


class Partner(BilingualNameMixin):
    class Kind(models.TextChoices):
        INDH_COMMITTEE = "indh_committee", _("INDH provincial committee")
        PREFECTURE = "prefecture", _("wilaya or prefecture")
        EMPLOYMENT_AGENCY = "employment_agency", _("employment agency")
        MICROFINANCE = "microfinance", _("microfinance institution")
        MINISTRY = "ministry", _("ministry")
        NGO = "ngo", _("association (NGO)")
        COMPANY = "company", _("company")
        FOUNDATION = "foundation", _("the Foundation")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("prefecture or province"),
    )

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name


# Headquarters' home page lists the conventions past either mark (``needing_attention``).
ALERT_CONSUMPTION = 90
ALERT_DAYS_BEFORE_END = 60


class ConventionQuerySet(ScopedQuerySet):
    # A convention covers one or more provinces; staff read those of their territory.
    scope_paths = {
        "centre": "provinces__centres",
        "province": "provinces",
        "region": "provinces__region",
    }

    def visible_to(self, user):
        # Through the many-to-many a convention could appear once per matching province.
        return super().visible_to(user).distinct()

    def covering(self, province_id):
        return self.filter(status=Convention.Status.ACTIVE, provinces=province_id)

    def needing_attention(self, today):
        """Active conventions whose envelope is nearly used up (ALERT_CONSUMPTION per cent
        committed, as ``Convention.consumption`` counts it) or whose period ends within
        ALERT_DAYS_BEFORE_END days (or has ended): a new convention or an amendment takes
        months to sign."""
        # Compared in whole centimes, multiplied rather than divided: no rounding at the mark.
        return (
            self.filter(status=Convention.Status.ACTIVE)
            .alias(
                used=ExpressionWrapper(F("committed") * 100, output_field=BigIntegerField()),
                mark=ExpressionWrapper(
                    F("envelope") * ALERT_CONSUMPTION, output_field=BigIntegerField()
                ),
            )
            .filter(
                Q(used__gte=F("mark"))
                | Q(ends_on__lte=today + datetime.timedelta(days=ALERT_DAYS_BEFORE_END))
            )
        )


class Convention(models.Model):
    """A partnership agreement and its budget envelope. ``committed`` and ``disbursed`` are
    moved only by the services, under conditional UPDATEs, and the database refuses any state in
    which they would exceed the envelope."""

    class Status(models.TextChoices):
        # "la convention": French agrees the adjectives in the feminine.
        DRAFT = "draft", pgettext_lazy("convention status", "draft")
        ACTIVE = "active", pgettext_lazy("convention status", "active")
        CLOSED = "closed", pgettext_lazy("convention status", "closed")

    reference = models.CharField(_("reference"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=300)
    # Conventions are signed in French; the Arabic interface and the Arabic half of documents
    # show this title, or the French one while nobody has typed it.
    title_ar = models.CharField(_("title in Arabic"), max_length=300, blank=True)
    programme = models.ForeignKey(
        IndhProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("INDH programme"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("start of the period"))
    ends_on = models.DateField(_("end of the period"))
    provinces = models.ManyToManyField(
        Province, related_name="conventions", verbose_name=_("territory")
    )
    envelope = MoneyField(_("envelope (DH)"))
    committed = MoneyField(
        _("committed (DH)"),
        default=Decimal("0.00"),
        editable=False,
    )
    disbursed = MoneyField(
        _("disbursed (DH)"),
        default=Decimal("0.00"),
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    scan = models.FileField(_("signed scan"), upload_to="conventions/", blank=True, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(condition=Q(envelope__gt=0), name="envelope_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("envelope")),
                name="committed_within_envelope",
            ),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("committed")),
                name="disbursed_within_committed",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.display_title}"

    def title_for(self, language: str | None = None) -> str:
        """The title a reader of ``language`` (the active one by default) reads."""
        arabic = (language or get_language() or "ar").startswith("ar")
        return self.title_ar if arabic and self.title_ar else self.title

    @property
    def display_title(self) -> str:
        return self.title_for()

    @property
    def audit_label(self) -> str:
        # The same in the audit log whatever the language of whoever acted.
        return f"{self.reference} · {self.title}"

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.committed

    @property
    def consumption(self) -> int:
        return int(self.committed * 100 / self.envelope) if self.envelope else 0


class Contribution(models.Model):
    class Kind(models.TextChoices):
        CASH = "cash", _("money")
        IN_KIND = "in_kind", _("in kind")

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="contributions"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, verbose_name=_("party"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = MoneyField(_("amount or value (DH)"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="contribution_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.get_kind_display()}"


class Tranche(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("number"))
    planned_on = models.DateField(_("planned on"), null=True, blank=True)
    amount = MoneyField(_("amount (DH)"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="one_tranche_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference} #{self.number}"


class Allocation(models.Model):
    """A project's approved amount charged to a convention; released, never deleted."""

    project = models.ForeignKey(
        "projects.LifeProject", on_delete=models.PROTECT, related_name="allocations"
    )
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="allocations")
    amount = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # What the equipment handed over has used of this allocation (moved at the ceremony).
    disbursed = MoneyField(default=Decimal("0.00"))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive"),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("amount")),
                name="allocation_disbursed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.convention.reference}: {self.amount}"


class LedgerMovementQuerySet(ScopedQuerySet):
    # Amounts are public to a convention's readers; which person they went to is not: a
    # movement is visible where its project is.
    scope_paths = {
        "centre": "project__beneficiary__centre",
        "region": "project__beneficiary__centre__province__region",
    }


class LedgerMovement(models.Model):
    """Every change to a convention's committed or disbursed amount, with its project and
    author: the ledger a partner is shown."""

    class Kind(models.TextChoices):
        COMMIT = "commit", _("committed")
        RELEASE = "release", _("released")
        DISBURSE = "disburse", _("disbursed")

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="movements")
    project = models.ForeignKey(
        "projects.LifeProject", on_delete=models.PROTECT, related_name="ledger_movements"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = MoneyField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerMovementQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
