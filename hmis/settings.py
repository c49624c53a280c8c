"""Settings for the HMIS project.

Everything that differs between machines comes from the environment (see the
README for the list). Development defaults let the project run on a laptop;
``HMIS_ENV=production`` refuses to start with any of them.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from hmis.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

HMIS_ENV = env_str("HMIS_ENV", "development")
if HMIS_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("HMIS_ENV must be development, test or production")
PRODUCTION = HMIS_ENV == "production"

# Development-only secrets. They are public (they are in this file), so
# production refuses to start while any of them is in use.
DEV_SECRET_KEY = "dev-only-not-secret-7c1f0f1e9b7d4a0c8b5e2d3f4a6b7c8d"
DEV_FIELD_ENCRYPTION_KEY = "s-DkzeQCD3zFo1n1CxPUJd3xbT-iP_MUZIQss16mE5I="
DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key-5e0c3b2a19f84d67"

SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
HMIS_FIELD_ENCRYPTION_KEYS = env_list("HMIS_FIELD_ENCRYPTION_KEYS", [DEV_FIELD_ENCRYPTION_KEY])
HMIS_BLIND_INDEX_KEY = env_str("HMIS_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY)

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY to a random value of 50+ characters.")
    if not HMIS_FIELD_ENCRYPTION_KEYS or DEV_FIELD_ENCRYPTION_KEY in HMIS_FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("Set HMIS_FIELD_ENCRYPTION_KEYS to your own Fernet keys.")
    if HMIS_BLIND_INDEX_KEY == DEV_BLIND_INDEX_KEY or len(HMIS_BLIND_INDEX_KEY) < 32:
        raise ImproperlyConfigured("Set HMIS_BLIND_INDEX_KEY to a random value of 32+ characters.")
    if HMIS_BLIND_INDEX_KEY in HMIS_FIELD_ENCRYPTION_KEYS or HMIS_BLIND_INDEX_KEY == SECRET_KEY:
        raise ImproperlyConfigured("HMIS_BLIND_INDEX_KEY must differ from every other key.")

# DEBUG pages show local variables, which can hold client PII: off unless asked.
DEBUG = env_bool("DJANGO_DEBUG", False) and not PRODUCTION
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
HMIS_BASE_URL = env_str("HMIS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "guardian",
    "auditlog",
    "hmis",
    "clients",
    "sharing",
    "incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hmis.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hmis.uploads.BoundedRequestMiddleware",  # body limits; a multipart form's CSRF check before any file
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hmis.middleware.SessionPolicyMiddleware",
    "hmis.middleware.AllowedNetworkMiddleware",
    "hmis.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hmis.urls"
WSGI_APPLICATION = "hmis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hmis.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hmis"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Behind PgBouncer in transaction mode a connection is shared between
# transactions: no server-side cursors (named cursors outlive a transaction)
# and no prepared statements (psycopg prepares a query run 5 times whenever
# parameters are bound on the server).
# tests/hmis/test_pgbouncer_compatible.py keeps the code free of the rest.
HMIS_PGBOUNCER = env_bool("HMIS_PGBOUNCER", False)
if HMIS_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hmis.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "hmis.backends.UserBackend",
    "guardian.backends.ObjectPermissionBackend",
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("HMIS_TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
# Staff pages are English. Only the pages a client takes home switch language,
# each with translation.override (no LocaleMiddleware): locale/es holds the
# Spanish, its compiled .mo committed so nothing needs gettext at runtime.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, whitenoise serves straight from static/ (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Request bodies (hmis/uploads.py): form fields up to 2.5 MB; files only where
# a view takes one (@accepts_upload), one per request, streamed sealed to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_HANDLERS = ["hmis.uploads.RefuseFilesUploadHandler"]
# Uploaded evidence is stored encrypted here and served only through views
# that check permission; there is deliberately no MEDIA_URL.
HMIS_PRIVATE_STORAGE_DIR = Path(env_str("HMIS_PRIVATE_STORAGE_DIR", str(BASE_DIR / "var" / "private")))

# --- Consent releases (sharing app) -------------------------------------------------
HMIS_RELEASE_DEFAULT_DAYS = env_int("HMIS_RELEASE_DEFAULT_DAYS", 365, minimum=1)
HMIS_RELEASE_MAX_DAYS = env_int("HMIS_RELEASE_MAX_DAYS", 365, minimum=1)
HMIS_RELEASE_MAX_BACKDATE_DAYS = env_int("HMIS_RELEASE_MAX_BACKDATE_DAYS", 30)
HMIS_EVIDENCE_MAX_BYTES = env_int("HMIS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
HMIS_RELEASE_EXPIRY_SWEEP_SECONDS = env_int("HMIS_RELEASE_EXPIRY_SWEEP_SECONDS", 300, minimum=1)
HMIS_SHARE_GRANT_SWEEP_SECONDS = env_int("HMIS_SHARE_GRANT_SWEEP_SECONDS", 300, minimum=1)
if HMIS_RELEASE_DEFAULT_DAYS > HMIS_RELEASE_MAX_DAYS:
    raise ImproperlyConfigured("HMIS_RELEASE_DEFAULT_DAYS must not exceed HMIS_RELEASE_MAX_DAYS.")

# --- Sessions -----------------------------------------------------------------
HMIS_IDLE_TIMEOUT_SECONDS = env_int("HMIS_IDLE_TIMEOUT_SECONDS", 900, minimum=30)
HMIS_SESSION_ABSOLUTE_SECONDS = env_int("HMIS_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60)
HMIS_IDLE_WARNING_SECONDS = min(120, HMIS_IDLE_TIMEOUT_SECONDS // 2)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = HMIS_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_NAME = "__Host-hmis_session" if PRODUCTION else "hmis_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_NAME = "__Host-hmis_csrf" if PRODUCTION else "hmis_csrf"
CSRF_FAILURE_VIEW = "hmis.views.errors.csrf_failure"

# --- Transport and headers ------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HMIS_TRUSTED_PROXY_COUNT = env_int("HMIS_TRUSTED_PROXY_COUNT", 0)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HMIS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if HMIS_TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Lockout (django-axes) ------------------------------------------------------
AXES_FAILURE_LIMIT = env_int("HMIS_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HMIS_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The 30 minutes count from the lockout; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "hmis.network.client_ip"
# A username that names no account (often a password typed in the wrong box)
# is stored only as its length and a keyed hash; its form value never.
AXES_USERNAME_CALLABLE = "hmis.signin_names.axes_username"
AXES_SENSITIVE_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "hmis.views.auth.locked_out"
AXES_VERBOSE = False
# axes keeps the form data of each failure: never a password or a code (the
# change-password and re-authentication forms count toward the lockout too).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "old_password", "password1", "password2", "token"]
AXES_ENABLE_ADMIN = False

# --- Two-factor -----------------------------------------------------------------
OTP_TOTP_ISSUER = env_str("HMIS_OTP_ISSUER", "Regional HMIS")
OTP_TOTP_TOLERANCE = 1
HMIS_BACKUP_CODE_COUNT = 10
HMIS_INVITATION_HOURS = 72
# Changing the password, backup codes or the authenticator needs the password
# and a code again unless both were given within this many seconds.
HMIS_REAUTH_SECONDS = env_int("HMIS_REAUTH_SECONDS", 300, minimum=30)

# --- Passkeys (WebAuthn through django-otp-webauthn) -------------------------------------
# A passkey works only at its relying party id (the site's domain) and the
# origins below, which is what a phishing page cannot fake. Browsers refuse
# an IP address as the id, so in development the demo's passkeys live at
# http://localhost:<port>. Production has no default: ``check --deploy``
# (hmis.checks) requires the id and origins and that they match
# HMIS_BASE_URL and ALLOWED_HOSTS.
_base_url = urlsplit(HMIS_BASE_URL)
_dev_host = "localhost" if _base_url.hostname in {"127.0.0.1", "::1"} else _base_url.hostname
HMIS_WEBAUTHN_RP_ID = env_str("HMIS_WEBAUTHN_RP_ID", "" if PRODUCTION else _dev_host or "")
HMIS_WEBAUTHN_ORIGINS = env_list(
    "HMIS_WEBAUTHN_ORIGINS",
    [f"{_base_url.scheme}://{_base_url.netloc}"]
    if PRODUCTION
    else [f"{_base_url.scheme}://{_dev_host}" + (f":{_base_url.port}" if _base_url.port else "")],
)
OTP_WEBAUTHN_RP_ID = HMIS_WEBAUTHN_RP_ID
OTP_WEBAUTHN_ALLOWED_ORIGINS = HMIS_WEBAUTHN_ORIGINS
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_HELPER_CLASS = "hmis.passkeys.Helper"
# A passkey is a second factor here, after the password, never a sign-in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_TIMEOUT_SECONDS = 120

# --- User agreement and privacy training ---------------------------------------------
# Raise the version when templates/hmis/user_agreement_text.html changes: every
# user accepts the new text at their next sign-in.
HMIS_USER_AGREEMENT_VERSION = env_str("HMIS_USER_AGREEMENT_VERSION", "2026-1")
HMIS_TRAINING_VALID_DAYS = env_int("HMIS_TRAINING_VALID_DAYS", 365, minimum=1)
HMIS_TRAINING_WARNING_DAYS = env_int("HMIS_TRAINING_WARNING_DAYS", 30, minimum=0)

# --- Audit ----------------------------------------------------------------------
AUDITLOG_MASK_CALLABLE = "hmis.audit.mask_encrypted"
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Object permissions -----------------------------------------------------------
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, anonymous has nothing
GUARDIAN_RAISE_403 = False

# --- E-mail -----------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# Outside production, no EMAIL_HOST prints e-mail (with its sign-in links) to
# the console. Production always uses SMTP; check --deploy refuses no host.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hmis-noreply@example.org")

# Organisations named in the guidance; settings, never hard-coded in code.
HMIS_LEAD_NAME = env_str("HMIS_LEAD_NAME", "Regional HMIS Lead (demo)")
HMIS_LEAD_EMAIL = env_str("HMIS_LEAD_EMAIL", "hmis-lead@example.org")
HMIS_LEAD_PHONE = env_str("HMIS_LEAD_PHONE", "555-0100")
HMIS_VENDOR_SUPPORT_NAME = env_str("HMIS_VENDOR_SUPPORT_NAME", "HMIS vendor support (demo)")
HMIS_VENDOR_SUPPORT_EMAIL = env_str("HMIS_VENDOR_SUPPORT_EMAIL", "vendor-support@example.org")

# --- Incidents: escalation delivery, reminders, rules --------------------------------
# A claimed notification not marked sent within the lease may be claimed again.
HMIS_NOTIFICATION_LEASE_SECONDS = env_int("HMIS_NOTIFICATION_LEASE_SECONDS", 120, minimum=1)
HMIS_NOTIFICATION_SWEEP_SECONDS = env_int("HMIS_NOTIFICATION_SWEEP_SECONDS", 60, minimum=1)
# Retry backoff: base * 2**(attempt-1), capped at an hour; then ``failed``.
HMIS_NOTIFICATION_RETRY_SECONDS = env_int("HMIS_NOTIFICATION_RETRY_SECONDS", 30, minimum=1)
HMIS_NOTIFICATION_MAX_ATTEMPTS = env_int("HMIS_NOTIFICATION_MAX_ATTEMPTS", 12, minimum=1)
# Unacknowledged escalations are reminded every N minutes by severity; after
# the limit, the system administrators are e-mailed.
HMIS_INCIDENT_REMINDER_MINUTES = {
    "critical": env_int("HMIS_INCIDENT_REMINDER_MINUTES_CRITICAL", 60, minimum=1),
    "high": env_int("HMIS_INCIDENT_REMINDER_MINUTES_HIGH", 240, minimum=1),
    "medium": env_int("HMIS_INCIDENT_REMINDER_MINUTES_MEDIUM", 1440, minimum=1),
    "low": env_int("HMIS_INCIDENT_REMINDER_MINUTES_LOW", 4320, minimum=1),
}
HMIS_INCIDENT_REMINDER_LIMIT = env_int("HMIS_INCIDENT_REMINDER_LIMIT", 3, minimum=0)
# Rules that open incidents from security events and access events.
HMIS_LOCKOUT_INCIDENT_THRESHOLD = env_int("HMIS_LOCKOUT_INCIDENT_THRESHOLD", 3, minimum=1)
HMIS_SESSION_REPLACED_INCIDENT_THRESHOLD = env_int("HMIS_SESSION_REPLACED_INCIDENT_THRESHOLD", 3, minimum=1)
HMIS_NETWORK_REFUSED_INCIDENT_THRESHOLD = env_int("HMIS_NETWORK_REFUSED_INCIDENT_THRESHOLD", 5, minimum=1)
HMIS_PRESSURE_INCIDENT_THRESHOLD = env_int("HMIS_PRESSURE_INCIDENT_THRESHOLD", 3, minimum=1)
HMIS_BULK_ACCESS_THRESHOLD = env_int("HMIS_BULK_ACCESS_THRESHOLD", 50, minimum=1)
HMIS_BULK_ACCESS_WINDOW_MINUTES = env_int("HMIS_BULK_ACCESS_WINDOW_MINUTES", 60, minimum=1)

# --- Retention (HUD HMIS privacy standards: de-identify 7 years after the last change) ---
# Longer is allowed (other law may ask for it); shorter is refused.
HMIS_RETENTION_YEARS = env_int(
    "HMIS_RETENTION_YEARS",
    7,
    minimum=7,
    why="HUD's HMIS privacy standards keep identifying data seven years after its last change unless other law "
    "requires longer; never shorter",
)
# Clients de-identified per transaction by the retention job.
HMIS_RETENTION_BATCH_SIZE = env_int("HMIS_RETENTION_BATCH_SIZE", 200, minimum=1)
# How long the system admin may undo a merge of duplicate client records.
HMIS_MERGE_UNDO_DAYS = env_int("HMIS_MERGE_UNDO_DAYS", 30, minimum=1)

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "hmis")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this long; tasks stay idempotent.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_ALWAYS_EAGER = False
# Exactly one beat sends the schedule below, however many are started (hmis/beat.py).
CELERY_BEAT_SCHEDULER = "hmis.beat:SingleBeatScheduler"
HMIS_BEAT_LOCK_URL = env_str("HMIS_BEAT_LOCK_URL", CELERY_BROKER_URL)
HMIS_BEAT_LOCK_SECONDS = env_int("HMIS_BEAT_LOCK_SECONDS", 30, minimum=1)
if not HMIS_BEAT_LOCK_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("HMIS_BEAT_LOCK_URL must be a Redis URL (the beat lock lives in Redis).")
# One cache for every web process and machine: a limit counted in the cache
# (the "That wasn't me" refusals per address) holds across servers, not per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("HMIS_CACHE_URL", HMIS_BEAT_LOCK_URL),
        "KEY_PREFIX": env_str("HMIS_CACHE_KEY_PREFIX", "hmis-cache"),
    }
}
CELERY_BEAT_SCHEDULE = {
    # HMIS CSV export files live 24 hours or 3 downloads, then are deleted.
    "hmis-csv-purge-exports": {
        "task": "clients.tasks.purge_hmis_csv_exports",
        "schedule": timedelta(minutes=10),
    },
    "expire-invitations": {
        "task": "hmis.tasks.expire_invitations",
        "schedule": crontab(minute=5),
    },
    "clear-expired-sessions": {
        "task": "hmis.tasks.clear_expired_sessions",
        "schedule": crontab(minute=15),
    },
    "incidents-sweep-notifications": {
        "task": "incidents.tasks.sweep_notifications",
        "schedule": timedelta(seconds=HMIS_NOTIFICATION_SWEEP_SECONDS),
    },
    "incidents-remind-unacknowledged": {
        "task": "incidents.tasks.remind_unacknowledged",
        "schedule": timedelta(minutes=5),
    },
    "incidents-bulk-access-rule": {
        "task": "incidents.tasks.check_bulk_access",
        "schedule": timedelta(minutes=5),
    },
    # The consent gate already refuses a release past its expiry; this job
    # records the expiry and runs its consequences (withdrawn shares, grants).
    "expire-releases": {
        "task": "sharing.tasks.expire_releases",
        "schedule": timedelta(seconds=HMIS_RELEASE_EXPIRY_SWEEP_SECONDS),
    },
    # Counts the clients past the retention period; nothing is erased until
    # the system admin confirms the count (clients.retention).
    "retention-plan": {
        "task": "clients.tasks.plan_retention",
        "schedule": crontab(hour=2, minute=30),
    },
    # Live access follows consent at once (the actions remove grants); this
    # sweep ends overdue referrals and deletes any grant a lost message left.
    "remove-stale-grants": {
        "task": "sharing.tasks.remove_stale_grants",
        "schedule": timedelta(seconds=HMIS_SHARE_GRANT_SWEEP_SECONDS),
    },
}

# --- Logging: no request bodies, no query values, nothing that could hold PII. ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_pii": {"()": "hmis.logging.ScrubFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_pii"]}},
    "root": {"handlers": ["console"], "level": env_str("HMIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
