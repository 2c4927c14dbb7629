"""Equipment handover ceremonies, what each beneficiary received, and the certificates printed
for them. Certificates are documents of record: once issued, their content never changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partners.models.conventions import Convention, Tranche
from reintegration.models import Centre, Province
from reintegration.money import MoneyField
from reintegration.scoping import ScopedQuerySet

CENT = Decimal("0.01")


class CeremonyQuerySet(ScopedQuerySet):
    # A ceremony is organised by a centre and held in that centre's province.
    scope_paths = {"centre": "centre", "province": "province", "region": "province__region"}


class Ceremony(models.Model):
    class Status(models.TextChoices):
        # A context per noun: French agrees the participle with "la cérémonie".
        PLANNED = "planned", pgettext_lazy("ceremony status", "planned")
        HELD = "held", pgettext_lazy("ceremony status", "held")
        CLOSED = "closed", pgettext_lazy("ceremony status", "closed")
        CANCELLED = "cancelled", pgettext_lazy("ceremony status", "cancelled")

    class Authority(models.TextChoices):
        WALI = "wali", _("Wali")
        GOVERNOR = "governor", _("Governor")
        OTHER = "other", _("other authority")

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="ceremonies", verbose_name=_("centre")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    presided_by = models.CharField(_("presided by"), max_length=150)
    authority = models.CharField(
        _("title of the presiding authority"), max_length=10, choices=Authority.choices
    )
    authority_other = models.CharField(_("title, if other"), max_length=100, blank=True)
    conventions = models.ManyToManyField(
        Convention, related_name="ceremonies", verbose_name=_("conventions")
    )
    tranche = models.ForeignKey(
        Tranche,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ceremonies",
        verbose_name=_("tranche"),
    )
    attendees = models.TextField(
        _("officials and partners present"),
        blank=True,
        help_text=_("One per line: name and position."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    held_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = CeremonyQuerySet.as_manager()

    class Meta:
        # The models keep the partners label: their tables, migrations and audit history
        # (target types such as partners.ceremony) predate the ceremonies app.
        app_label = "partners"
        ordering = ["-held_on", "-pk"]
        verbose_name = _("ceremony")
        verbose_name_plural = _("ceremonies")
        indexes = [models.Index(fields=["province", "held_on"], name="ceremony_province_date")]

    def __str__(self) -> str:
        return f"{self.held_on.isoformat()} · {self.place}"

    @property
    def authority_label(self) -> str:
        if self.authority == self.Authority.OTHER and self.authority_other:
            return self.authority_other
        return str(self.get_authority_display())


class HandoverQuerySet(models.QuerySet):
    def without_certificate(self) -> HandoverQuerySet:
        """Handovers with no current certificate: never issued, or cancelled and not yet
        replaced."""
        return self.exclude(certificates__status="current")


class Handover(models.Model):
    """What one beneficiary received at a ceremony. Prepared from the approved budget, edited at
    the ceremony, and fixed in value once the ceremony is held (the money has moved)."""

    ceremony = models.ForeignKey(Ceremony, on_delete=models.PROTECT, related_name="handovers")
    # One handover per project, ever: a project cannot be equipped twice.
    project = models.OneToOneField(
        "projects.LifeProject", on_delete=models.PROTECT, related_name="handover"
    )
    cheque_amount = MoneyField(
        _("working-capital cheque (DH)"),
        null=True,
        blank=True,
    )
    cheque_number = models.CharField(_("cheque number"), max_length=30, blank=True)
    total = MoneyField(default=Decimal("0.00"))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = HandoverQuerySet.as_manager()

    class Meta:
        app_label = "partners"
        ordering = ["pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(cheque_amount__isnull=True) | Q(cheque_amount__gt=0),
                name="cheque_positive",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="handover_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.ceremony_id} · {self.project_id}"


class HandoverItem(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    designation = models.CharField(_("designation"), max_length=200)
    brand = models.CharField(_("brand or model"), max_length=100, blank=True)
    # Serial numbers are per unit: HandoverItemSerial.
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_value = MoneyField(_("unit value (DH)"))

    class Meta:
        app_label = "partners"
        ordering = ["pk"]
        verbose_name = _("item handed over")
        verbose_name_plural = _("items handed over")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_value__gt=0), name="item_value_positive"),
        ]

    def __str__(self) -> str:
        return self.designation

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_value).quantize(CENT)


class HandoverItemSerial(models.Model):
    """The serial number of one unit of an item: two sewing machines are two serial numbers,
    each printed on the certificate and each checked against every other handover.

    A row per unit rather than one text per line, so that the database itself refuses the same
    serial twice in one beneficiary's list (``handover`` is copied here for that constraint) and
    one unit numbered twice. Uniqueness across beneficiaries is per convention, and a handover's
    conventions are those its project is charged to, held on other tables: that check stays in
    ``ceremonies.services``, under the conventions' row locks. A line carries either exactly
    one serial per unit or none (consumables, stock); serials moved from the former single
    field are the first unit's (see migration 0005)."""

    item = models.ForeignKey(HandoverItem, on_delete=models.CASCADE, related_name="serials")
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="+")
    unit = models.PositiveSmallIntegerField()
    # As printed on the equipment, upper-case, without spaces, Western digits: the same machine
    # entered twice is recognised.
    serial = models.CharField(_("serial number"), max_length=60)

    class Meta:
        app_label = "partners"
        ordering = ["item", "unit"]
        verbose_name = _("serial number")
        verbose_name_plural = _("serial numbers")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="one_serial_per_unit"),
            models.UniqueConstraint(fields=["handover", "serial"], name="serial_once_per_handover"),
            models.CheckConstraint(condition=Q(unit__gte=1), name="serial_unit_from_one"),
            models.CheckConstraint(condition=~Q(serial=""), name="serial_not_blank"),
        ]
        indexes = [models.Index(fields=["serial"], name="item_serial_number")]

    def __str__(self) -> str:
        return self.serial


class CertificateCounter(models.Model):
    """The last certificate number used per year, taken under a row lock: numbers are unique
    and never reused, cancelled ones included."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        app_label = "partners"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CertificateQuerySet(models.QuerySet):
    # Cancelling goes through Certificate.save, which checks the row it changes.
    def update(self, **kwargs):
        raise PermissionError("An issued certificate cannot be changed, only cancelled.")

    def delete(self):
        raise PermissionError("An issued certificate cannot be deleted, only cancelled.")


class Certificate(models.Model):
    """A handover certificate (محضر تسليم / procès-verbal de remise) as issued: the data it
    shows, copied at issue time, and the PDF rendered once from it."""

    class Status(models.TextChoices):
        # "le procès-verbal": masculine in French, unlike the ceremony.
        CURRENT = "current", pgettext_lazy("certificate status", "current")
        CANCELLED = "cancelled", pgettext_lazy("certificate status", "cancelled")

    CANCEL_FIELDS = ("status", "cancelled_at", "cancelled_by", "cancel_reason", "replaced_by")

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    languages = models.CharField(max_length=10, default="ar+fr")
    snapshot = models.JSONField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CURRENT
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    cancel_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, related_name="replaces"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        app_label = "partners"
        ordering = ["number"]
        verbose_name = _("handover certificate")
        verbose_name_plural = _("handover certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["handover"],
                condition=Q(status="current"),
                name="one_current_certificate_per_handover",
            ),
            models.CheckConstraint(
                condition=Q(status="current") | ~Q(cancel_reason=""),
                name="cancellation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._check_cancellation(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def _check_cancellation(self, fields) -> None:
        """Once issued, a certificate may only go from current to cancelled, and name its
        replacement once: never back, never anything else."""
        refused = PermissionError("An issued certificate cannot be changed, only cancelled.")
        if fields is None or set(fields) - set(self.CANCEL_FIELDS):
            raise refused
        stored = type(self).objects.filter(pk=self.pk).values("status", "replaced_by").get()
        if {"cancelled_at", "cancelled_by", "cancel_reason"} & set(
            fields
        ) and "status" not in fields:
            raise refused
        if "status" in fields and not (
            stored["status"] == self.Status.CURRENT and self.status == self.Status.CANCELLED
        ):
            raise refused
        if "replaced_by" in fields and (
            stored["replaced_by"] is not None or self.status != self.Status.CANCELLED
        ):
            raise refused

    def delete(self, *args, **kwargs):
        raise PermissionError("An issued certificate cannot be deleted, only cancelled.")

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT


# --- Handover verification ------------------------------------------------------------------
# After a ceremony, and at 6 and 12 months, a random sample of its beneficiaries is called or
# visited to check that the equipment arrived and is in use (DOMAIN.md §6b). These models are
# new: they carry the ceremonies label and their own migrations.


class VerificationRound(models.Model):
    """The sample drawn for one ceremony at one milestone. The seed and the ordered list of
    the ceremony's handovers are enough to draw the same sample again: anyone may check that
    the people called were chosen by chance (``ceremonies.verification.draw``)."""

    class Milestone(models.IntegerChoices):
        AT_CEREMONY = 0, _("after the ceremony")
        SIX_MONTHS = 6, _("at 6 months")
        TWELVE_MONTHS = 12, _("at 12 months")

    ceremony = models.ForeignKey(
        Ceremony, on_delete=models.PROTECT, related_name="verification_rounds"
    )
    months = models.PositiveSmallIntegerField(_("milestone"), choices=Milestone.choices)
    # How many handovers the ceremony had when the sample was drawn, and how many were drawn.
    population = models.PositiveIntegerField(_("handovers at the ceremony"))
    size = models.PositiveIntegerField(_("sample size"))
    # The confidence level and margin of error (percent) the size was computed from; empty
    # when the size was typed.
    confidence = models.PositiveSmallIntegerField(_("confidence level (%)"), null=True)
    margin = models.PositiveSmallIntegerField(_("margin of error (%)"), null=True)
    # Hexadecimal, 128 bits from the operating system's random source.
    seed = models.CharField(_("seed of the draw"), max_length=32)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)

    class Meta:
        ordering = ["ceremony", "months"]
        verbose_name = _("verification round")
        verbose_name_plural = _("verification rounds")
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "months"], name="one_round_per_milestone"),
            models.CheckConstraint(
                condition=Q(size__gte=1) & Q(size__lte=models.F("population")),
                name="round_size_within_population",
            ),
        ]

    def __str__(self) -> str:
        # As the right-of-access PDF names it: the ceremony and the milestone.
        return f"{self.ceremony} · {self.get_months_display()}"


class VerificationCheck(models.Model):
    """One sampled handover and, once called or visited, what was found."""

    class Method(models.TextChoices):
        PHONE = "phone", _("by phone")
        VISIT = "visit", _("by visit")

    class Received(models.TextChoices):
        RECEIVED = "received", _("received")
        NOT_RECEIVED = "not_received", _("not received")
        PROBLEMS = "problems", _("received with problems")

    class Equipment(models.TextChoices):
        IN_USE = "in_use", _("in use")
        IDLE = "idle", _("idle")
        SOLD = "sold", _("sold")
        BROKEN = "broken", _("broken")

    round = models.ForeignKey(VerificationRound, on_delete=models.PROTECT, related_name="checks")
    handover = models.ForeignKey(
        Handover, on_delete=models.PROTECT, related_name="verification_checks"
    )
    # The order in which the draw picked it (1 = first).
    position = models.PositiveIntegerField()
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    received = models.CharField(
        _("equipment received"), max_length=15, choices=Received.choices, blank=True
    )
    # Empty when nothing was received.
    equipment = models.CharField(
        _("equipment status"), max_length=10, choices=Equipment.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    checked_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("handover check")
        verbose_name_plural = _("handover checks")
        constraints = [
            models.UniqueConstraint(fields=["round", "handover"], name="handover_once_per_round"),
            models.UniqueConstraint(fields=["round", "position"], name="position_once_per_round"),
            # Checked: a date, a method and what was received; equipment unless none arrived.
            models.CheckConstraint(
                condition=(
                    Q(checked_on__isnull=True, method="", received="", equipment="")
                    | (
                        Q(checked_on__isnull=False)
                        & ~Q(method="")
                        & (
                            Q(received="not_received", equipment="")
                            | (Q(received__in=["received", "problems"]) & ~Q(equipment=""))
                        )
                    )
                ),
                name="check_complete_or_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.handover_id}"

    @property
    def is_checked(self) -> bool:
        return self.checked_on is not None
