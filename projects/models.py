from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from reintegration.models import BilingualNameMixin
from reintegration.money import MoneyField
from reintegration.scoping import ScopedQuerySet

CENT = Decimal("0.01")


class Sector(BilingualNameMixin):
    code = models.SlugField(_("code"), max_length=32, unique=True)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Trade(BilingualNameMixin):
    code = models.SlugField(_("code"), max_length=48, unique=True)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="trades", verbose_name=_("sector")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("trade")
        verbose_name_plural = _("trades")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned for changes")
    AWAITING_NATIONAL = "awaiting_national", _("awaiting headquarters approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    FUNDED = "funded", _("funded")
    EQUIPPED = "equipped", _("equipped")
    FOLLOW_UP = "follow_up", _("in follow-up")
    CLOSED = "closed", _("closed")


# A person has at most one project in these states at a time.
OPEN_STATUSES = [s for s in Status.values if s not in (Status.REJECTED, Status.CLOSED)]


class LifeProjectQuerySet(ScopedQuerySet):
    # Officials see no individual project (aggregates only, in the dashboards).
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }


class LifeProject(models.Model):
    class Outcome(models.TextChoices):
        ACTIVE = "active", _("business active")
        FAILED = "failed", _("business failed")
        ABANDONED = "abandoned", _("abandoned before the handover")

    class ExitReason(models.TextChoices):
        """Why a project's follow-up ended, coded so that closures can be counted by reason
        (docs/outcomes.md); the free-text ``closing_reason`` says the rest."""

        COMPLETED = "completed", _("follow-up completed")
        BUSINESS_FAILED = "business_failed", _("business failed")
        MOVED_AWAY = "moved_away", _("moved away")
        REINCARCERATED = "reincarcerated", _("re-incarcerated")
        DECEASED = "deceased", _("deceased")
        WITHDREW = "withdrew", _("withdrew")
        OTHER = "other", _("other reason")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("beneficiary"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    # Diagnosis
    skills = models.TextField(_("skills"), blank=True)
    experience = models.TextField(_("experience"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    market_fit = models.TextField(_("market fit"), blank=True)

    # Training and qualification
    training_course = models.CharField(_("training course"), max_length=200, blank=True)
    training_provider = models.CharField(_("training provider"), max_length=200, blank=True)
    training_start = models.DateField(_("training start"), null=True, blank=True)
    training_end = models.DateField(_("training end"), null=True, blank=True)
    training_completed = models.BooleanField(_("training completed"), default=False)
    training_certificate = models.CharField(_("certificate obtained"), max_length=200, blank=True)

    # Business plan
    trade = models.ForeignKey(
        Trade, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("trade")
    )
    title = models.CharField(_("project title"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    expected_monthly_income = MoneyField(
        _("expected monthly income (DH)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    # Money: the requested total is the sum of the budget lines, kept by the services.
    requested_total = MoneyField(_("requested total (DH)"), default=Decimal("0.00"))
    approved_total = MoneyField(_("approved total (DH)"), null=True, blank=True)
    ceiling_justification = models.TextField(
        _("justification for exceeding the ceiling"), blank=True
    )

    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    handover_date = models.DateField(_("equipment handover date"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    closing_reason = models.TextField(_("reason for closing"), blank=True)
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = LifeProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("life project")
        verbose_name_plural = _("life projects")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_project_per_person",
            ),
            models.CheckConstraint(
                condition=Q(requested_total__gte=0), name="requested_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(approved_total__isnull=True) | Q(approved_total__gt=0),
                name="approved_total_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The approval inbox of a region (docs/benchmarks.md): the projects waiting, by
            # person, so PostgreSQL joins them to the region's files instead of probing the
            # project of each of those files.
            models.Index(
                fields=["beneficiary"],
                condition=Q(status__in=[Status.SUBMITTED, Status.AWAITING_NATIONAL]),
                name="project_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_label(self) -> str:
        # No free text: a title may name the person, and the audit log is never rewritten.
        return f"{self.beneficiary.file_number} #{self.pk}"

    @property
    def ceiling(self) -> Decimal | None:
        return self.beneficiary.track.ceiling

    @property
    def over_ceiling(self) -> bool:
        return self.ceiling is not None and self.requested_total > self.ceiling


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        EQUIPMENT = "equipment", _("equipment")
        TOOLS = "tools", _("tools")
        VEHICLE = "vehicle", _("vehicle or motorcycle")
        STOCK = "stock", _("stock")
        WORKING_CAPITAL = "working_capital", _("working capital")

    project = models.ForeignKey(LifeProject, on_delete=models.CASCADE, related_name="lines")
    designation = models.CharField(_("designation"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_price = MoneyField(_("unit price (DH)"))
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    quote_reference = models.CharField(_("quote reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="unit_price_positive"),
        ]

    def __str__(self) -> str:
        return self.designation

    @property
    def total(self) -> Decimal:
        # Half a centime and more goes up, as on an invoice (Decimal's default would round
        # 0,025 down to 0,02, to the even digit).
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


class Decision(models.Model):
    """One row per transition: who moved the project from which state to which, and why."""

    project = models.ForeignKey(LifeProject, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    amount = MoneyField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        # The dashboard counts the approvals decided in a period; without this index that is a
        # scan of every decision ever taken (~90 ms for 460,000 decisions, under 5 ms with it).
        indexes = [
            models.Index(fields=["to_status", "created_at"], name="decision_status_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class FollowUpVisitQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "project__beneficiary__centre",
        "region": "project__beneficiary__centre__province__region",
    }


class FollowUpVisit(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("home visit")
        WORKPLACE = "workplace", _("workplace visit")
        PHONE = "phone", _("phone call")

    project = models.ForeignKey(LifeProject, on_delete=models.PROTECT, related_name="visits")
    milestone_months = models.PositiveSmallIntegerField(_("milestone (months)"))
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("date of the visit"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, blank=True)
    business_active = models.BooleanField(_("business active"), null=True)
    monthly_income = MoneyField(
        _("monthly income (DH)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    jobs_created = models.PositiveSmallIntegerField(_("jobs created"), null=True, blank=True)
    equipment_in_use = models.BooleanField(_("equipment still in use"), null=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    reincarcerated_on = models.DateField(_("re-incarceration date"), null=True, blank=True)
    reincarceration_source = models.CharField(
        _("source of the information"), max_length=200, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # A recorded visit can be corrected; two corrections at once must not overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = FollowUpVisitQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "milestone_months"], name="one_visit_per_milestone"
            )
        ]
        indexes = [
            models.Index(fields=["done_on", "due_on"]),
            # The few visits that reported a re-incarceration (the dashboard's cohorts): found
            # without reading every visit (docs/benchmarks.md).
            models.Index(
                fields=["project"],
                condition=Q(reincarcerated_on__isnull=False),
                name="visit_reincarcerated_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} +{self.milestone_months}"


class ReferralQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }


class Referral(models.Model):
    """The centre sends the person to a partner's service (``partners.PartnerService``) with a
    request; the partner accepts or declines it, and once accepted the centre records what came
    of it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting the partner's answer")
        ACCEPTED = "accepted", _("accepted by the partner")
        DECLINED = "declined", _("declined by the partner")

    class Outcome(models.TextChoices):
        ACHIEVED = "achieved", _("achieved")
        PARTLY = "partly", _("partly achieved")
        NOT_ACHIEVED = "not_achieved", _("not achieved")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        "partners.PartnerService",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("service"),
    )
    request = models.TextField(_("what is asked"))
    referred_on = models.DateField(_("referred on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    answered_on = models.DateField(_("date of the answer"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_comment = models.TextField(_("comment on the outcome"), blank=True)
    outcome_on = models.DateField(_("date of the outcome"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            # An answer has its date; an outcome only follows an acceptance, with its date.
            models.CheckConstraint(
                condition=Q(status="requested", answered_on__isnull=True)
                | (~Q(status="requested") & Q(answered_on__isnull=False)),
                name="referral_answer_dated",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", outcome_on__isnull=True)
                | (Q(status="accepted") & ~Q(outcome="") & Q(outcome_on__isnull=False)),
                name="referral_outcome_after_acceptance",
            ),
        ]
        indexes = [
            # The tasks' finders read the referrals still waiting for an answer or an outcome.
            models.Index(
                fields=["status", "referred_on"],
                condition=Q(outcome=""),
                name="referral_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} → {self.service_id} ({self.referred_on})"

    @property
    def audit_label(self) -> str:
        # No free text: the request may name the person, and the audit log is never rewritten.
        return f"{self.beneficiary.file_number} #{self.pk}"


class PlacementQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }


class Placement(models.Model):
    """A job the person was placed in (through a referral or not): the employer, the job, when
    it started and what it pays. Whether the person is still employed is recorded at the
    follow-up visits, as ``PlacementCheck`` rows."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="placements"
    )
    employer = models.CharField(_("employer"), max_length=200)
    job = models.CharField(_("job"), max_length=200)
    started_on = models.DateField(_("start date"))
    monthly_pay = MoneyField(
        _("monthly pay (DH)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    # The referral that led to the job, when there was one (an employer's offer, an ANAPEC
    # counsellor's).
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("referral"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = _("placement in employment")
        verbose_name_plural = _("placements in employment")

    def __str__(self) -> str:
        return f"{self.job} ({self.employer})"

    @property
    def audit_label(self) -> str:
        return f"{self.beneficiary.file_number} #{self.pk}"


class PlacementCheckQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "placement__beneficiary__centre",
        "region": "placement__beneficiary__centre__province__region",
    }


class PlacementCheck(models.Model):
    """Whether the person still held the placement's job on a day, usually at a follow-up
    visit (``visit``), with the pay they reported."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="checks")
    visit = models.ForeignKey(
        FollowUpVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placement_checks",
    )
    checked_on = models.DateField(_("date of the check"))
    employed = models.BooleanField(_("still employed"))
    monthly_pay = MoneyField(
        _("monthly pay (DH)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementCheckQuerySet.as_manager()

    class Meta:
        ordering = ["checked_on", "pk"]
        verbose_name = _("employment check")
        verbose_name_plural = _("employment checks")
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "checked_on"], name="one_placement_check_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.checked_on}"
