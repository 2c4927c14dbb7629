import secrets
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from beneficiaries import needs
from reintegration.formatting import format_date
from reintegration.models import BilingualNameMixin, Centre, OutboxMessage, Province, Role
from reintegration.money import MoneyField
from reintegration.scoping import ScopedQuerySet

# Roles that may see a detention record (ARCHITECTURE.md, role table): never officials, never
# auditors.
DETENTION_READER_ROLES = (Role.COORDINATOR, Role.REGIONAL, Role.NATIONAL)
# The languages a person may be written to in (text messages).
MESSAGE_LANGUAGES = [("ar", _("Arabic")), ("fr", _("French"))]


class ProgrammeTrack(BilingualNameMixin):
    """Standard, conditional release, Moussalaha…: reference data, so a new programme needs no
    code change."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    # Above this, a life project's budget needs a written justification.
    ceiling = MoneyField(
        _("per-beneficiary ceiling (DH)"),
        null=True,
        blank=True,
        help_text=_("Budgets above it need a justification. Empty: no ceiling."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("programme track")
        verbose_name_plural = _("programme tracks")


class Establishment(BilingualNameMixin):
    """A prison establishment (DGAPR). No public list exists; headquarters maintains it."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("central prison")
        LOCAL = "local", _("local prison")
        AGRICULTURAL = "agricultural", _("agricultural prison")
        REEDUCATION = "reeducation", _("reform and re-education centre")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("province")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("prison establishment")
        verbose_name_plural = _("prison establishments")


class FileNumberCounter(models.Model):
    """The last file number used per centre and year. Numbers come from here under a row lock,
    so they are unique and never reused, even if a file is later anonymised."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="one_counter_per_centre_year")
        ]

    def __str__(self) -> str:
        return f"{self.centre_id}-{self.year}: {self.last}"


class BeneficiaryQuerySet(ScopedQuerySet):
    # Officials get no path: they never see personal files (aggregates only).
    scope_paths = {"centre": "centre", "region": "centre__province__region"}

    def active(self):
        return self.filter(archived_at__isnull=True)

    # A file's consent holds while one given consent is not withdrawn (law 09-08 art. 4).
    def consented(self):
        return self.filter(pk__in=_holding_consents().values("beneficiary"))

    def without_consent(self):
        return self.exclude(pk__in=_holding_consents().values("beneficiary"))

    def with_consent_flag(self) -> "BeneficiaryQuerySet":
        """Each file with ``has_consent``, read in the same query."""
        return self.annotate(
            has_consent=Exists(_holding_consents().filter(beneficiary=OuterRef("pk")))
        )


def _holding_consents() -> models.QuerySet:
    return Consent.objects.filter(withdrawn_on=None)


class Beneficiary(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("man")
        FEMALE = "F", _("woman")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        DIAGNOSIS = "diagnosis", _("diagnosis")
        PROJECT = "project", _("project in preparation")
        FUNDED = "funded", _("project funded")
        EQUIPPED = "equipped", _("equipped")
        FOLLOW_UP = "follow_up", _("in follow-up")
        CLOSED = "closed", _("closed")

    class Education(models.TextChoices):
        NONE = "none", _("no schooling")
        PRIMARY = "primary", _("primary")
        MIDDLE = "middle", _("lower secondary")
        SECONDARY = "secondary", _("upper secondary")
        VOCATIONAL = "vocational", _("vocational training")
        HIGHER = "higher", _("higher education")

    class Family(models.TextChoices):
        SINGLE = "single", _("single")
        MARRIED = "married", _("married")
        DIVORCED = "divorced", _("divorced")
        WIDOWED = "widowed", _("widowed")

    file_number = models.CharField(_("file number"), max_length=20, unique=True, editable=False)
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="beneficiaries", verbose_name=_("centre")
    )
    first_name_ar = models.CharField(_("first name (Arabic)"), max_length=100)
    last_name_ar = models.CharField(_("last name (Arabic)"), max_length=100)
    first_name_latin = models.CharField(_("first name (Latin script)"), max_length=100)
    last_name_latin = models.CharField(_("last name (Latin script)"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    # Law 09-08 art. 12-1-e: a CIN makes the file need prior authorisation, so it is optional.
    # NULL, not "", when absent, so that the uniqueness constraint ignores files without one.
    cin = models.CharField(_("CIN"), max_length=8, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    residence_province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("province of residence"),
    )
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    education = models.CharField(
        _("education level"), max_length=16, choices=Education.choices, blank=True
    )
    family_situation = models.CharField(
        _("family situation"), max_length=16, choices=Family.choices, blank=True
    )
    dependants = models.PositiveSmallIntegerField(_("dependants"), null=True, blank=True)
    track = models.ForeignKey(
        ProgrammeTrack, on_delete=models.PROTECT, verbose_name=_("programme track")
    )
    # The coordinator of the file's centre who follows this person (the caseload page).
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("referent"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    notes = models.TextField(_("notes"), blank=True)

    # Folded names, number, CIN and phone (reintegration.text.fold), kept by the services.
    search_text = models.TextField(editable=False, default="")
    # Name keys (beneficiaries.names.name_key) of the Latin and the Arabic names, kept by the
    # services: looking for a likely duplicate is then an indexed query, not a scan of files.
    name_key = models.CharField(max_length=200, editable=False, default="")
    name_key_ar = models.CharField(max_length=200, editable=False, default="")
    # Optimistic locking: an edit saves only if nobody saved since the form was opened.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived on"), null=True, blank=True)
    archive_reason = models.CharField(_("reason for archiving"), max_length=300, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Text messages (beneficiaries/texting.py): written in this language, and sent only while
    # the person's agreement to receive them is on record (law 09-08: the purpose the number
    # was given for). Withdrawing it clears both fields; the audit log keeps the history.
    message_language = models.CharField(
        _("language of text messages"),
        max_length=2,
        choices=MESSAGE_LANGUAGES,
        default="ar",
    )
    sms_consent_at = models.DateTimeField(_("agreed to text messages on"), null=True, blank=True)
    sms_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("agreement to text messages recorded by"),
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.UniqueConstraint(
                fields=["cin"], condition=Q(cin__isnull=False), name="unique_cin_when_present"
            ),
            models.CheckConstraint(condition=~Q(cin=""), name="cin_null_not_empty"),
        ]
        indexes = [
            # The list's own order, active files only (see docs/benchmarks.md): without these
            # every list page sorted all visible files.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(archived_at__isnull=True),
                name="beneficiary_recent_idx",
            ),
            models.Index(
                fields=["centre", "-created_at", "-id"],
                condition=Q(archived_at__isnull=True),
                name="beneficiary_centre_recent_idx",
            ),
            models.Index(fields=["status"]),
            models.Index(fields=["last_name_latin", "first_name_latin"]),
            # The files of some centres, read from the index alone (no table access): what a
            # region's or centre's projects join to (the approval inbox, docs/benchmarks.md).
            models.Index(fields=["centre", "id"], name="beneficiary_centre_pk_idx"),
            # Duplicate detection (beneficiaries/duplicates.py): the same name key and a date
            # of birth in a range, or the same phone.
            models.Index(fields=["name_key", "date_of_birth"], name="beneficiary_name_key_idx"),
            models.Index(
                fields=["name_key_ar", "date_of_birth"], name="beneficiary_name_key_ar_idx"
            ),
            models.Index(fields=["phone"], condition=~Q(phone=""), name="beneficiary_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_number} {self.full_name_latin}"

    @property
    def audit_label(self) -> str:
        return self.file_number

    @property
    def full_name_ar(self) -> str:
        return f"{self.first_name_ar} {self.last_name_ar}"

    @property
    def full_name_latin(self) -> str:
        return f"{self.first_name_latin} {self.last_name_latin}"

    @property
    def display_name(self) -> str:
        """The name in the script of the interface: Arabic in Arabic, Latin otherwise."""
        arabic = (get_language() or "ar").startswith("ar")
        return (self.full_name_ar if arabic else self.full_name_latin).strip() or (
            self.full_name_latin if arabic else self.full_name_ar
        )

    @property
    def masked_cin(self) -> str:
        """For papers shown in public (ceremonies): only the last three characters."""
        return "*" * max(len(self.cin) - 3, 0) + self.cin[-3:] if self.cin else ""

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class DetentionRecordQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }
    reader_roles = DETENTION_READER_ROLES


class DetentionRecord(models.Model):
    """Restricted (law 09-08 art. 12-1-d): only the roles in DETENTION_READER_ROLES see it, and
    every display of it is written to the access log."""

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.PROTECT, related_name="detention"
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, verbose_name=_("establishment")
    )
    entry_date = models.DateField(_("date of entry"))
    release_date = models.DateField(_("date of release"))
    sentence_months = models.PositiveSmallIntegerField(_("sentence (months)"))
    training_in_prison = models.CharField(
        _("training followed in prison"), max_length=200, blank=True
    )
    training_certificate = models.CharField(_("certificate obtained"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DetentionRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("detention record")
        verbose_name_plural = _("detention records")
        constraints = [
            models.CheckConstraint(
                condition=Q(release_date__gte=models.F("entry_date")),
                name="release_after_entry",
            )
        ]

    def __str__(self) -> str:
        return str(_("Detention record of %(number)s")) % {"number": self.beneficiary.file_number}


class ConsentText(models.Model):
    """A version of the consent notice a person agrees to; kept forever for the record."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text_ar = models.TextField(_("text in Arabic"))
    text_fr = models.TextField(_("text in French"))
    published_on = models.DateField(_("published on"))

    class Meta:
        ordering = ["-published_on"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")

    def __str__(self) -> str:
        return self.version


def _random_upload_path(instance, filename: str) -> str:
    # Never the uploaded name: it may hold a person's name and could collide or traverse.
    suffix = Path(filename).suffix.lower()[:5]
    return f"documents/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}{suffix}"


class Consent(models.Model):
    class Language(models.TextChoices):
        ARABIC = "ar", _("Arabic")
        FRENCH = "fr", _("French")
        AMAZIGH = "zgh", _("Amazigh")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="consents")
    given_on = models.DateField(_("date given"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("collected by"),
    )
    language = models.CharField(_("language"), max_length=3, choices=Language.choices)
    text = models.ForeignKey(
        ConsentText, on_delete=models.PROTECT, verbose_name=_("text version agreed to")
    )
    scan = models.FileField(
        _("signed scan"), upload_to=_random_upload_path, blank=True, max_length=200
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.text.version} ({self.given_on})"


class DocumentQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }


class Document(models.Model):
    class Kind(models.TextChoices):
        CIN_COPY = "cin", _("copy of the CIN")
        RELEASE = "release", _("release certificate")
        DIPLOMA = "diploma", _("diploma or certificate")
        PHOTO = "photo", _("photo")
        SIGNED = "signed", _("signed paper")
        OTHER = "other", _("other")

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_random_upload_path, max_length=200)
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name


class TextMessage(models.Model):
    """A text message sent to the person: what it was about, and the outbox message that carries
    it (the number, the exact text and its delivery status). The texts of each kind are written
    by the apps that hold what they are about (``hooks.TEXT_KINDS``)."""

    class Kind(models.TextChoices):
        VISIT_REMINDER = "visit_reminder", _("reminder of a follow-up visit")
        CEREMONY_REMINDER = "ceremony_reminder", _("reminder of the handover ceremony")
        PROJECT_APPROVED = "project_approved", _("confirmation: project approved")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="text_messages"
    )
    message = models.OneToOneField(
        OutboxMessage, on_delete=models.PROTECT, related_name="+", verbose_name=_("message")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=MESSAGE_LANGUAGES)
    # Automatic reminders name what they remind of and the day ("visit:12:2026-03-10"): the
    # database refuses the same reminder twice, whatever runs at the same moment. NULL for a
    # message a coordinator chose to send.
    key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["beneficiary", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} {self.kind}"


class Questionnaire(models.Model):
    """A version of a needs questionnaire: its questions per life domain, their answers and the
    rules that score them (``beneficiaries/needs.py`` describes and checks the definition).
    Loaded from a JSON file (``manage.py load_questionnaire``), never edited: an assessment
    keeps the version it was answered in, so its questions and scores read as they were."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    # The version offered to new assessments; loading a new version retires the previous one.
    active = models.BooleanField(_("active"), default=True)
    definition = models.JSONField(_("questions and scoring rules"))
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("needs questionnaire")
        verbose_name_plural = _("needs questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_questionnaire_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(active=True), name="one_active_questionnaire"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · v{self.version}"

    @property
    def title(self) -> str:
        return needs.text(self.definition.get("title", {}))


class NeedsAssessmentQuerySet(ScopedQuerySet):
    # Officials get no path: an assessment is about one person (they see aggregates only).
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }


class NeedsAssessment(models.Model):
    """The person's needs by life domain on one day, answered in one questionnaire version.
    Its score per domain is a ``DomainScore`` row, so the scores add up in SQL."""

    class Occasion(models.TextChoices):
        BEFORE_RELEASE = "before_release", _("before release (prison preparation service)")
        INTAKE = "intake", _("at intake")
        VISIT = "visit", _("at a follow-up visit")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="needs_assessments"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="+", verbose_name=_("questionnaire")
    )
    occasion = models.CharField(_("occasion"), max_length=16, choices=Occasion.choices)
    assessed_on = models.DateField(_("assessed on"))
    # The follow-up visit it was made at (occasion "visit"); projects sit above this app, hence
    # the label. One assessment per visit: saving the form twice records it once.
    visit = models.OneToOneField(
        "projects.FollowUpVisit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs_assessment",
        verbose_name=_("follow-up visit"),
    )
    # The person's most recent assessment (by date, then by recording): what the file page
    # and the dashboard count. Kept by the service under the file's row lock.
    latest = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = NeedsAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"], condition=Q(latest=True), name="one_latest_assessment"
            ),
            models.CheckConstraint(
                condition=Q(occasion="visit", visit__isnull=False)
                | (~Q(occasion="visit") & Q(visit__isnull=True)),
                name="visit_assessment_names_its_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id} {self.assessed_on}"

    def access_display(self, name: str) -> str | None:
        """The visit in words in the right-of-access PDF (``access_request.display``)."""
        if name == "visit" and self.visit is not None:
            return str(_("visit at %(months)s months, done on %(date)s")) % {
                "months": self.visit.milestone_months,
                "date": format_date(self.visit.done_on) if self.visit.done_on else "—",
            }
        return None


class DomainScore(models.Model):
    """One domain of an assessment: the answers given to its questions and the score they
    made under the questionnaire's rules."""

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="scores")
    domain = models.CharField(_("domain"), max_length=16, choices=needs.Domain.choices)
    score = models.CharField(_("score"), max_length=8, choices=needs.Score.choices)
    points = models.PositiveSmallIntegerField(_("points"))
    # question id -> chosen answer id, for this domain's questions in the assessment's version.
    answers = models.JSONField(_("answers"))

    class Meta:
        ordering = ["assessment", "pk"]
        verbose_name = _("domain score")
        verbose_name_plural = _("domain scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="one_score_per_domain")
        ]
        indexes = [models.Index(fields=["domain", "score"])]

    def __str__(self) -> str:
        return f"{self.domain}: {self.score}"

    def access_display(self, name: str) -> str | None:
        """The answers in words, one question per line, in the assessment's own version
        (``access_request.display``)."""
        if name == "answers":
            definition = self.assessment.questionnaire.definition
            return "\n".join(
                f"{question} {answer}"
                for question, answer, _points in needs.answered(
                    definition, self.domain, self.answers
                )
            )
        return None
