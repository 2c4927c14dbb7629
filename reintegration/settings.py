"""One settings module for every environment, read from the environment (see .env.example).

With no configuration at all it runs on SQLite in debug mode for a developer's machine; a
production deployment sets DJANGO_ENV=production, which switches on the secure defaults and
refuses to start without a real SECRET_KEY.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "insecure-development-key-never-use-in-production"  # noqa: S105 (refused below)
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

# The address printed under the QR code of certificates, where anyone can verify them.
PUBLIC_URL = env("PUBLIC_URL", default="http://localhost:8000").rstrip("/")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "reintegration.apps.ReintegrationConfig",
    "beneficiaries.apps.BeneficiariesConfig",
    "casework.apps.CaseworkConfig",
    "projects.apps.ProjectsConfig",
    "partners.apps.PartnersConfig",
    "ceremonies.apps.CeremoniesConfig",
    "dashboard.apps.DashboardConfig",
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # Two-factor sign-in: codes from an authenticator app (TOTP) and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # Background jobs: Django's Tasks API (django.tasks from Django 6) with its database
    # backend; `manage.py db_worker` runs them (docs/operations.md says why this engine).
    "django_tasks",
    "django_tasks_db",
]
if not PRODUCTION:
    # Demo data and the scale generators: they create accounts with a published password.
    INSTALLED_APPS.append("sampledata.apps.SampledataConfig")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below) on every response.
    "csp.middleware.CSPMiddleware",
    # Before anything that may write to the audit log (sign-in, lockouts, every service).
    "reintegration.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files stay cacheable: whatever else the application answers
    # may hold personal data and is never stored by a browser or a proxy.
    "reintegration.middleware.NoStoreMiddleware",
    # Before the session middleware, which would read the database first (see its docstring).
    "reintegration.middleware.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After the CSRF check: strips invisible and bidirectional characters from posted text.
    "reintegration.middleware.CleanTextInputMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether this session confirmed its sign-in with a second factor (user.is_verified).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reintegration.middleware.UserLanguageMiddleware",
    "reintegration.middleware.SessionTimeoutMiddleware",
    # After the timeout (an expired session signs out first): a session that still owes its
    # second factor reaches only the second step, the enrolment page and sign-out.
    "reintegration.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reintegration.urls"
WSGI_APPLICATION = "reintegration.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.navigation",
                "reintegration.context_processors.second_factor",
                "reintegration.context_processors.unread_notifications",
            ],
        },
    }
]

# Database: SQLite unless DATABASE_URL says otherwise. IMMEDIATE transactions make SQLite take
# the write lock at BEGIN, so two concurrent writers queue instead of failing half-way with
# "database is locked" when one upgrades a read transaction.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests use a file too: an in-memory database shared between threads locks whole tables
    # and fails at once instead of waiting, unlike the real file.
    # TEST_DATABASE_NAME lets two test runs share a checkout without sharing a database.
    DATABASES["default"]["TEST"] = {
        "NAME": env("TEST_DATABASE_NAME", default=str(BASE_DIR / "test-db.sqlite3"))
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One cache for every process and server: the database's (table made by `manage.py
# createcachetable`) unless CACHE_URL names another, e.g. redis://127.0.0.1:6379/1 (Django's
# own RedisCache). Rate limits count in Redis when it is the cache, in the database otherwise
# (reintegration/ratelimit.py says why).
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://cache_table")}
# How long a dashboard's figures are reused for the same role, scope and filters (0: never).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# Certificate checks per client address and minute on the public verification page.
VERIFY_RATE_LIMIT = env.int("VERIFY_RATE_LIMIT", default=30)

AUTH_USER_MODEL = "reintegration.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures for one username from one address locks that pair for 30 minutes; a
# successful login clears the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A sign-in clears the count only once complete (reintegration/sign_in.py,
# completed): with a second factor, after the code, not after the password, or whoever
# holds the password could clear the wrong codes by typing it again.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "reintegration.views.auth.locked_out"
# Attempts during the lock are refused but do not push its end further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Behind PROXY_COUNT reverse proxies the client address comes from X-Forwarded-For.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "reintegration.network.client_ip"

# Two-factor sign-in (django-otp, OWASP ASVS 6.3.3): the roles that approve budgets and run the
# network confirm every sign-in with a code from an authenticator app or a recovery code; they
# set one up at their first sign-in. Other roles may set one up from their account menu; once
# they have, it is asked of them too. The admin site asks it of everyone who may open it.
# Values of reintegration.models.Role (a test keeps them valid).
OTP_REQUIRED_ROLES = ("regional", "national")
OTP_REQUIRED_FOR_ADMIN = True
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Réinsertion")
# Recovery codes given at enrolment (and when renewed), each valid once.
OTP_RECOVERY_CODES = 10

# Password reset by e-mail: the link works once, for PASSWORD_RESET_TIMEOUT_HOURS; requests are
# limited per client address and per e-mail address asked for, each per hour (in the cache).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=24) * 3600
PASSWORD_RESET_PER_CLIENT_HOURLY = env.int("PASSWORD_RESET_PER_CLIENT_HOURLY", default=10)
PASSWORD_RESET_PER_EMAIL_HOURLY = env.int("PASSWORD_RESET_PER_EMAIL_HOURLY", default=3)

# Sessions: an idle timeout (no request for SESSION_IDLE_TIMEOUT) and an absolute one (a login
# never lasts longer than SESSION_ABSOLUTE_TIMEOUT), both enforced by SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30) * 60
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=10) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Internationalisation: Arabic first, then French; English is the source language.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Casablanca"
LANGUAGE_COOKIE_NAME = "language"
# Dates typed and shown day/month/year in every language (reintegration/formats/__init__.py).
FORMAT_MODULE_PATH = ["reintegration.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package-lock.json), never from a CDN: offices may be
# offline or behind a filter.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Outside production, WhiteNoise serves straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # uploads are only ever served through permission-checking views
# manage.py backup writes its archives here (outside MEDIA_ROOT) and keeps the most recent
# BACKUP_KEEP of them (docs/operations.md).
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)

# Beneficiary documents: PDF, JPEG or PNG up to this size.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_MB", default=10) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES + 1024 * 1024
# Spreadsheet imports: an upload larger than this is refused before it is stored, and an XLSX
# workbook whose parts unpack to more than IMPORT_MAX_UNPACKED_BYTES before it is parsed (a
# sheet of 2,000 rows of the 14 columns unpacks to about 2 MB; a 200 KB file can unpack to
# millions of rows).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=5) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_MB", default=10) * 1024 * 1024
# Law 09-08: files archived longer than this are anonymised by `manage.py anonymise_archived`.
BENEFICIARY_RETENTION_YEARS = env.int("BENEFICIARY_RETENTION_YEARS", default=10)

# Life projects: regional staff approve budgets up to this amount; above it headquarters must
# approve as well. Follow-up visits fall due this many months after the equipment handover.
REGIONAL_APPROVAL_CEILING = Decimal(env.str("REGIONAL_APPROVAL_CEILING", default="40000"))
FOLLOW_UP_MILESTONES = tuple(env.list("FOLLOW_UP_MILESTONES", cast=int, default=[3, 6, 12, 24]))
# A budget line whose unit price is above this many dirhams is saved only once the user
# confirms it: such a figure is more often a misplaced comma than a real price.
AMOUNT_CONFIRM_ABOVE = Decimal(env.str("AMOUNT_CONFIRM_ABOVE", default="200000"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds a worker waits for the mail server before giving up (and trying again later): a
# server that accepts the connection and never answers must not hold a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The outbox tries a message this many times, waiting twice as long each time (from
# OUTBOX_FIRST_RETRY_SECONDS, at most an hour), before marking it failed for headquarters.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_FIRST_RETRY_SECONDS = env.int("OUTBOX_FIRST_RETRY_SECONDS", default=60)

# Text messages to beneficiaries (reintegration/sms.py, docs/operations.md): printed by the
# worker in development, posted to the operator's HTTP gateway in production.
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default="reintegration.sms.GatewayBackend"
    if PRODUCTION
    else "reintegration.sms.ConsoleBackend",
)
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
# The sender name the gateway shows (registered with the operator), e.g. FM6R.
SMS_SENDER = env.str("SMS_SENDER", default="FM6R")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# Where reintegration.sms.FileBackend writes each message.
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sms")))
# The daily reminders text the beneficiaries whose follow-up visit is due within this many days.
SMS_VISIT_REMINDER_DAYS = env.int("SMS_VISIT_REMINDER_DAYS", default=2)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ADMINS = [("Administrators", a) for a in env.list("ADMIN_EMAILS", default=[])]

CSRF_FAILURE_VIEW = "reintegration.views.errors.csrf_failure"

# Production hardening; check --deploy passes with these.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
# The header only allows preloading; submitting the domain to browsers stays a manual choice.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests come only from the
# application itself, and no inline script, event handler, style attribute or eval() runs, so
# text that slipped into a page as markup can neither run nor restyle it. Images also from
# data: URIs, which Bootstrap's stylesheet uses for its icons. No page may be framed, post a
# form elsewhere, change the base of its links or embed a plug-in. The served uploads set their
# own, stricter policy (sandbox: beneficiaries.views._serve).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own console handler, which would print every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # 404s, 403s, CSRF failures and 500s all go through these two.
        "django.request": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

# Fonts and shaping checked by reintegration.checks: without HarfBuzz subsetting every PDF
# embeds whole fonts and renders ~10x slower; without Amiri, Arabic falls back to a font that
# may not join letters.
PDF_FONT_FAMILY = "Amiri"
