from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reintegration.audit_text import describe
from reintegration.scoping import ScopedQuerySet


class BilingualNameMixin(models.Model):
    """Reference data named in Arabic and French; the displayed name follows the language."""

    name_ar = models.CharField(_("name in Arabic"), max_length=200)
    name_fr = models.CharField(_("name in French"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_ar if (get_language() or "ar").startswith("ar") else self.name_fr


class Region(BilingualNameMixin):
    """One of the 12 regions (HCP, RGPH 2024)."""

    code = models.CharField(_("code"), max_length=2, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Province(BilingualNameMixin):
    """A prefecture, a province or one of Casablanca's prefectures of arrondissements."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("prefecture")
        PROVINCE = "province", _("province")
        PREFECTURE_OF_ARRONDISSEMENTS = (
            "prefecture_of_arrondissements",
            _("prefecture of arrondissements"),
        )

    code = models.CharField(_("HCP code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("region")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture or province")
        verbose_name_plural = _("prefectures and provinces")


class CentreQuerySet(ScopedQuerySet):
    scope_paths = {"centre": "pk", "province": "province", "region": "province__region"}


class Centre(BilingualNameMixin):
    """A Centre d'Accompagnement et de Réinsertion (CAR). Reference data, not an enum."""

    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        help_text=_("Three capital letters used in file numbers, e.g. TNG."),
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="centres", verbose_name=_("province")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="centre_code_three_capitals"
            )
        ]

    def clean(self):
        super().clean()
        if self.code:
            self.code = self.code.upper()


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Centre coordinator")
    REGIONAL = "regional", _("Regional staff")
    OFFICIAL = "official", _("Provincial official")
    NATIONAL = "national", _("National administrator")
    AUDITOR = "auditor", _("Auditor")


# Which scope field each role needs; every other scope field must stay empty.
ROLE_SCOPE_FIELD = {
    Role.COORDINATOR: "centre",
    Role.REGIONAL: "region",
    Role.OFFICIAL: "province",
    Role.NATIONAL: None,
    Role.AUDITOR: None,
}
SCOPE_FIELDS = ("centre", "region", "province")


def _role_scope_condition() -> Q:
    condition = Q()
    for role, needed in ROLE_SCOPE_FIELD.items():
        part = Q(role=role)
        for field in SCOPE_FIELDS:
            part &= Q(**{f"{field}__isnull": field != needed})
        condition |= part
    return condition


class ReintegrationUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser created from the command line runs the whole network.
        extra_fields.setdefault("role", Role.NATIONAL)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. The role says what they may do, the scope where they may do it."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    centre = models.ForeignKey(
        Centre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("centre"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("region"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("prefecture or province"),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    objects = ReintegrationUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=_role_scope_condition(), name="user_role_scope")
        ]

    def clean(self):
        super().clean()
        needed = ROLE_SCOPE_FIELD.get(self.role)
        errors = {}
        messages = {
            "centre": _("A centre coordinator must belong to a centre."),
            "region": _("Regional staff must be attached to a region."),
            "province": _("A provincial official must be attached to a prefecture or province."),
        }
        if needed and getattr(self, f"{needed}_id") is None:
            errors[needed] = messages[needed]
        for field in SCOPE_FIELDS:
            if field != needed and getattr(self, f"{field}_id") is not None:
                errors[field] = _("This role does not take a %(field)s; leave it empty.") % {
                    "field": self._meta.get_field(field).verbose_name
                }
        if errors:
            raise ValidationError(errors)

    @property
    def scope_label(self) -> str:
        scope = {"centre": self.centre, "region": self.region, "province": self.province}.get(
            ROLE_SCOPE_FIELD.get(self.role) or ""
        )
        return str(scope) if scope else str(_("All of Morocco"))

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


class AuditEntryQuerySet(models.QuerySet):
    # The audit log is append-only (law 09-08 art. 24, "contrôle d'introduction"): no bulk
    # rewriting or deleting through the ORM.
    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only.")

    def delete(self):
        raise PermissionError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Who did (or viewed) what, when, with the fields that changed."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("actor"),
    )
    # The name typed or held at the time, kept even for failed logins with an unknown name.
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return describe(self)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")


class RateCounter(models.Model):
    """Requests of one client in one fixed window, counted in the database where the cache
    cannot count for every process at once (reintegration.ratelimit). Rows of past windows
    are deleted by ``manage.py prune_rate_counters``."""

    scope = models.CharField(max_length=32)
    # An IPv4 address or an IPv6 /64 network (reintegration.ratelimit callers choose).
    bucket = models.CharField(max_length=64)
    window = models.DateTimeField(db_index=True)
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "bucket", "window"], name="rate_counter_one_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.bucket} {self.window:%Y-%m-%d %H:%M}: {self.hits}"
