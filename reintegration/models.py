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

    @staticmethod
    def name_field() -> str:
        """The column of the name in the active language."""
        return "name_ar" if (get_language() or "ar").startswith("ar") else "name_fr"

    @property
    def name(self) -> str:
        return getattr(self, self.name_field())


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
    email_notifications = models.BooleanField(
        _("e-mail me a copy of my notifications"),
        default=True,
        help_text=_("Every notification stays in the application's inbox either way."),
    )

    objects = ReintegrationUserManager()

    @property
    def display_name(self) -> str:
        """How colleagues read this person in timelines: their full name, or the username when
        the account has none."""
        return self.get_full_name() or self.get_username()

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


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk rewriting or deleting through the ORM (the database refuses it too:
    reintegration/protected_records.py)."""

    def update(self, **kwargs):
        raise PermissionError(self.model.APPEND_ONLY)

    def delete(self):
        raise PermissionError(self.model.APPEND_ONLY)


class AppendOnly(models.Model):
    """A log written once: a row is never saved again nor deleted."""

    APPEND_ONLY = "Rows are append-only."

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(self.APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(self.APPEND_ONLY)


class AuditEntry(AppendOnly):
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
    # Indexed: the log is searched by file number, which is the label of a person's file and
    # begins the label of each of their projects.
    target_label = models.CharField(_("target"), max_length=300, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    # The audit log is append-only (law 09-08 art. 24, "contrôle d'introduction").
    APPEND_ONLY = "Audit entries are append-only."

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return describe(self)


class AccessEntry(AppendOnly):
    """Who opened which person's data, when and from where: law 09-08 art. 24 asks that access
    to sensitive data be controlled, which needs a record of every read. Apart from the audit
    log, which says what changed: reads are many more, and auditors search them by person.

    The file is kept by its number, never by the person's name or a foreign key: the number is
    never reused and survives anonymisation (which removes the name, not the file), so the
    entry still says whose data was read, and the log can be read and filtered without
    joining the files of an app above this one."""

    class Kind(models.TextChoices):
        FILE = "file", _("file page")
        DETENTION = "detention", _("detention record")
        DOCUMENT = "document", _("document")
        CONSENT_SCAN = "consent_scan", _("signed consent")
        ACCESS_REQUEST = "access_request", _("right-of-access PDF")
        FILE_SUMMARY = "file_summary", _("file summary PDF")
        CERTIFICATE = "certificate", _("handover certificate")
        EXPORT = "export", _("export")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_entries",
        verbose_name=_("user"),
        # The index on (user, time) below serves the lookups by user.
        db_index=False,
    )
    kind = models.CharField(_("what was opened"), max_length=16, choices=Kind.choices)
    # Empty for an export: it holds several files (``rows`` says how many).
    file_number = models.CharField(_("file number"), max_length=20, blank=True)
    # Which document, certificate or downloaded file: numbers and file names, never a name.
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    APPEND_ONLY = "Access entries are append-only."

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("access entry")
        verbose_name_plural = _("access entries")
        indexes = [
            models.Index(fields=["file_number", "-created_at"], name="access_file_time_idx"),
            models.Index(fields=["user", "-created_at"], name="access_user_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.file_number or self.reference}"


class Job(models.Model):
    """Long work done by a worker instead of inside a web request: issuing a ceremony's
    certificates, building a large PDF, reading an import. The page that started it shows its
    progress (``done`` of ``total``) and, once done, its result (``reintegration/jobs.py``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    # The dotted path of the function that does the work (registered with ``jobs.job_kind``).
    kind = models.CharField(_("kind"), max_length=120)
    # What it works on, e.g. "ceremony:12": one live job per kind and key, so a second click
    # joins the first job instead of starting another.
    key = models.CharField(_("key"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    # What failed, in the requester's language (the job runs in it).
    error = models.TextField(_("error"), blank=True)
    # A file to download once done (a PDF, a spreadsheet), or a page to go back to.
    result = models.FileField(_("result"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    next_url = models.CharField(_("next page"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(status__in=["queued", "running"]),
                name="one_live_job_per_kind_and_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)


class OutboxMessage(models.Model):
    """A message to send, written in the same transaction as the change that causes it, then
    sent by a worker with retries (``reintegration/outbox.py``): with the mail server down,
    nothing is lost."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    # What caused it, e.g. "project.approve", for the list of failures.
    reason = models.CharField(_("reason"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The SMS gateway's id of the message, to trace it with the operator.
    gateway_id = models.CharField(_("gateway reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject or self.body}"


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


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened which concerns one member of staff, in their in-app inbox
    (``reintegration/notifications.py``). The text is not stored: the kind's registered message
    is rendered with ``params`` in the language the reader is using when they read it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("details"), default=dict, blank=True)
    # Where the notification leads: a path inside the application.
    url = models.CharField(_("link"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"
