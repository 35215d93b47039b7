"""Settings, all read from the environment (django-environ).

With nothing set the app runs embedded: SQLite in var/, Celery on a filesystem broker in
var/, e-mail to the console. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

import hashlib
import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A .env file is a convenience for developers; real deployments set the environment.
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

TESTING = "pytest" in sys.modules

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"
# Key of the study codes that replace MRNs in pseudonymised exports (reports/pseudonymise.py).
# Set it in production and keep it: another key gives every patient another code. By default
# it is derived from SECRET_KEY (so rotating SECRET_KEY changes the codes).
STUDY_CODE_KEY = (
    env("STUDY_CODE_KEY", default="")
    or hashlib.sha256(b"study-code:" + SECRET_KEY.encode()).hexdigest()
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site asks the second-factor predicate and never shows credentials.
    "core.apps.VerifiedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "catalogue",
    "patients",
    "eligibility",
    "apheresis",
    "infusion",
    "monitoring",
    "followup",
    "reports",
    "interfaces",
    "sso",
    "home",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    # Liveness answers before anything that could touch the database or wait on it.
    "core.middleware.HealthLiveMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.SessionActivityMiddleware",
    # Replaces django_otp's OTPMiddleware: the second-factor answer is kept in the session
    # (core/second_factor.py), so a request does not query groups and devices.
    "core.middleware.SecondFactorMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.LoginRequiredEverywhereMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.OutOfRangeInputMiddleware",
    "core.middleware.NulByteQueryMiddleware",
    "core.uploads.RequestBodyLimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy: scripts only from this site, never inline. Inline style
# attributes are allowed because Bootstrap components and the admin set them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ROOT_URLCONF = "cart_workflow.urls"
WSGI_APPLICATION = "cart_workflow.wsgi.application"

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
                "core.context_processors.roles",
                "sso.context_processors.single_sign_on",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# PostgreSQL roles (README, "PostgreSQL roles"): the app connects as DATABASE_URL's role,
# which owns no table; ``manage.py migrate`` switches to DATABASE_OWNER_URL's role when it is
# set, and grants the app role (DATABASE_APP_ROLE, by default DATABASE_URL's user) only what
# it may do: history and the custody log are SELECT/INSERT only (core/append_only.py).
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", default="")
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
if DATABASE_OWNER_URL and not DATABASE_APP_ROLE:
    DATABASE_APP_ROLE = DATABASES["default"].get("USER", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, worker and beat share one file: wait for locks instead of failing, and
    # take the write lock at the start of a transaction so two writers cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Behind PgBouncer in transaction mode: CONN_MAX_AGE=0 and this on (README, scale-out).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
# A read replica for export rows (core/db_router.py); never migrated, never written.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get(
        "DISABLE_SERVER_SIDE_CURSORS", False
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A reason for change is clinical documentation (a stage moved back, a record corrected, a
# transfer): kept whole, never cut at simple-history's default 100 characters (a longer
# reason failed on PostgreSQL).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The directory backends do nothing unless their settings below switch them on. Directory
    # users have no usable local password, so ModelBackend never answers for them.
    "sso.backends.HospitalLDAPBackend",
    "sso.backends.HospitalOIDCBackend",
]
# --- Single sign-on (README "Integration" > "Single sign-on") ---------------------------
# OpenID Connect, on when OIDC_RP_CLIENT_ID is set (mozilla-django-oidc reads these names).
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:oidc_callback"
OIDC_USERNAME_CLAIM = env("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", default="groups")
OIDC_LOGIN_LABEL = env("OIDC_LOGIN_LABEL", default="")
# The IdP's second factor replaces ours when the ID token's amr names one of these methods
# (RFC 8176), or its acr is listed, or OIDC_TRUST_IDP_MFA says the IdP always enforces one.
OIDC_MFA_AMR = env.list(
    "OIDC_MFA_AMR",
    default=["mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"],
)
OIDC_MFA_ACR = env.list("OIDC_MFA_ACR", default=[])
OIDC_TRUST_IDP_MFA = env.bool("OIDC_TRUST_IDP_MFA", default=False)
# A signature confirmed at the IdP must be used within this time, once.
OIDC_REAUTH_VALID_SECONDS = env.int("OIDC_REAUTH_VALID_SECONDS", default=300)
OIDC_REAUTH_CLOCK_SKEW_SECONDS = env.int("OIDC_REAUTH_CLOCK_SKEW_SECONDS", default=10)

# LDAP / Active Directory, on when LDAP_SERVER_URI is set.
LDAP_ENABLED = bool(env("LDAP_SERVER_URI", default=""))
LDAP_ATTR_GIVEN_NAME = env("LDAP_ATTR_GIVEN_NAME", default="givenName")
LDAP_ATTR_FAMILY_NAME = env("LDAP_ATTR_FAMILY_NAME", default="sn")
LDAP_ATTR_EMAIL = env("LDAP_ATTR_EMAIL", default="mail")
if LDAP_ENABLED:
    from sso.ldap_config import auth_ldap_settings

    vars().update(
        auth_ldap_settings(
            server_uri=env("LDAP_SERVER_URI"),
            bind_dn=env("LDAP_BIND_DN", default=""),
            bind_password=env("LDAP_BIND_PASSWORD", default=""),
            user_search_base=env("LDAP_USER_SEARCH_BASE"),
            user_filter=env("LDAP_USER_FILTER", default="(uid=%(user)s)"),
            group_search_base=env("LDAP_GROUP_SEARCH_BASE"),
            group_type=env("LDAP_GROUP_TYPE", default="groupOfNames"),
            start_tls=env.bool("LDAP_START_TLS", default=False),
        )
    )

# Lockout after repeated failures, by username: ward computers share one address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# axes.W006 asks to lock by address too; locking by username alone is stricter (no address
# rotation helps an attacker) and avoids locking a whole ward that shares one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# A second factor (TOTP app) is required of these roles; anyone else may add one, and then
# must use it at every login.
SECOND_FACTOR_ROLES = env.list("SECOND_FACTOR_ROLES", default=["administrator"])
OTP_TOTP_ISSUER = "CAR-T workflow"
# How long a session remembers "needs a second factor / has passed it". A role or device
# change made by someone else reaches a signed-in session within this time (and at once at
# the next login).
SECOND_FACTOR_RECHECK_SECONDS = env.int("SECOND_FACTOR_RECHECK_SECONDS", default=300)
# Personal API tokens expire after this many days (and on password change or deactivation).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Shared ward computers: a session ends after 30 minutes without real activity. The last
# activity is kept in the session and written at most once a minute; background polls (the
# Today list's refresh) do not count (core.middleware.SessionActivityMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ACTIVITY_RESOLUTION_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Internationalisation: English by default, Simplified Chinese for the Chongqing centre.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Unambiguous ISO dates and 24-hour times in English too (a ward never reads 03/04 as April).
FORMAT_MODULE_PATH = ["cart_workflow.formats"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Files browsers ask for at the site root (favicon.ico), served by WhiteNoise before login.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
# Uploaded and export files are served only by views that check permission (core/files.py).
# Behind the shipped nginx this is its internal location (e.g. "/_protected/"): the app
# answers with X-Accel-Redirect and nginx sends the bytes. Empty: the app streams them.
PROTECTED_MEDIA_ACCEL_PREFIX = env("PROTECTED_MEDIA_ACCEL_PREFIX", default="")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cart-workflow@localhost")
# The address staff open the app at: e-mails carry absolute links built from it.
SITE_URL = env("SITE_URL", default="http://localhost:8000")

# --- Redis and Celery ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Embedded broker: real queues in files, so scheduled jobs run as they would in
    # production (eager mode would hide the scheduling).
    BROKER_DIR = VAR_DIR / "celery-broker"
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_IGNORE_RESULT = True
# Worker and beat log through LOGGING below (JSON with the task id), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The notification outbox (core.services.outbox_*): beat sweeps it this often (a lost kick
# delays a message by one sweep at most); a row claimed longer ago than the lease by a worker
# that died is claimed again. The lease must stay well above EMAIL_TIMEOUT, the longest one
# message may take, or a slow send could go out twice.
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
OUTBOX_SENDING_LEASE_SECONDS = env.int("OUTBOX_SENDING_LEASE_SECONDS", default=600)
OUTBOX_BATCH = env.int("OUTBOX_BATCH", default=50)
OUTBOX_TASK_MAX_MESSAGES = env.int("OUTBOX_TASK_MAX_MESSAGES", default=1000)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The one place where periodic jobs are scheduled. Each job claims database rows, so a
# duplicate run does no harm.
CELERY_BEAT_SCHEDULE = {
    "outbox-deliver": {
        "task": "core.tasks.outbox_deliver",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS),
    },
    "worker-heartbeat": {
        "task": "core.tasks.record_worker_heartbeat",
        "schedule": timedelta(minutes=1),
    },
    "monitoring-sweep": {
        "task": "monitoring.tasks.monitoring_sweep",
        "schedule": timedelta(minutes=5),
    },
    "followup-reminders": {
        "task": "followup.tasks.sweep_followup_reminders",
        "schedule": timedelta(minutes=15),
    },
    "dashboard-snapshots": {
        "task": "reports.tasks.refresh_dashboard_snapshots",
        "schedule": timedelta(minutes=5),
    },
    "retention-nightly": {
        "task": "core.tasks.retention_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    "export-files-expire": {
        "task": "reports.tasks.expire_export_files",
        "schedule": crontab(hour=2, minute=40),
    },
    "restrictions-ending": {
        "task": "followup.tasks.notify_restrictions_ending",
        "schedule": crontab(hour=8, minute=0),
    },
}
# The dashboard shows stored figures; older than this, a reader's visit queues a refresh
# (the beat job above also refreshes them).
DASHBOARD_FRESH_SECONDS = env.int("DASHBOARD_FRESH_SECONDS", default=600)
# /health/ reports the worker down when its last heartbeat is older than this.
CELERY_HEARTBEAT_STALE_AFTER = timedelta(minutes=5)

# --- Exports and retention ------------------------------------------------------------
# A "Download now" export estimated above this many rows runs as a background job instead
# (progress page, file kept for download): a direct download of minutes would be cut off by
# the proxy's and gunicorn's timeouts. Direct downloads stay for smaller ones.
EXPORT_BACKGROUND_ABOVE_ROWS = env.int("EXPORT_BACKGROUND_ABOVE_ROWS", default=5_000)
# On PostgreSQL, CSV exports are written by COPY where every column has an SQL form
# (reports/export_copy.py); false: always the Python writer (same bytes, slower).
EXPORT_CSV_COPY = env.bool("EXPORT_CSV_COPY", default=True)
# Export files are deleted this many days after they were made (beat, core.retention).
EXPORT_FILE_RETENTION_DAYS = env.int("EXPORT_FILE_RETENTION_DAYS", default=7)
# Raw interface messages (e.g. HL7 v2 as received) are deleted after this many days; a
# hospital sets its own retention. Each entry: (app_label.Model, datetime field, days,
# optional filter of the rows that may go); rows still referenced (PROTECT) are kept.
INTERFACE_MESSAGE_RETENTION_DAYS = env.int("INTERFACE_MESSAGE_RETENTION_DAYS", default=90)
RETENTION_RULES = [
    # Raw HL7/FHIR messages once handled; failed or held ones stay until someone acts.
    # A model that is not installed in this build is skipped.
    (
        "interfaces.InboundMessage",
        "received_at",
        INTERFACE_MESSAGE_RETENTION_DAYS,
        {"status__in": ["processed", "ignored", "rejected"]},
    ),
    # Outbox messages once sent: the in-app notification and the cause's own record stay.
    ("core.OutboxMessage", "sent_at", env.int("OUTBOX_SENT_RETENTION_DAYS", default=90)),
]

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.api.SecondFactorAwareTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.StrictDjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON with a nesting limit (core/parsers.py): a deep body is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CAR-T workflow API",
    "DESCRIPTION": "Patients, treatment courses and their stages in the CAR-T programme.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "patients.models.Stage",
        "SerologyEnum": "eligibility.models.Serology",
        "DrugClassEnum": "catalogue.models.DrugClass",
    },
}

# --- Clinical settings (institutional defaults — review) ------------------------------
# The course reaches "infusion" only through a passed pre-infusion gate, whoever asks.
INFUSION_GATE_ENFORCED = env.bool("INFUSION_GATE_ENFORCED", default=True)
# Clinical reference §4: many centres cap BSA at 2.0 m²; the default is no cap.
BSA_CAP_M2 = env.float("BSA_CAP_M2", default=None)
BSA_WARN_ABOVE_M2 = env.float("BSA_WARN_ABOVE_M2", default=2.2)
# Units lab values are typed in by default (core/units.py): "si" (µmol/L, g/L, mg/L — a Chinese
# centre) or "us" (mg/dL, g/dL). Each value is stored in one canonical unit whatever is typed.
LAB_UNIT_SYSTEM = env("LAB_UNIT_SYSTEM", default="si")
# A creatinine older than this is refused for fludarabine dosing unless the clinician re-enters
# it (issue 16 item 8; institutional default — review).
CREATININE_MAX_AGE_DAYS = env.int("CREATININE_MAX_AGE_DAYS", default=7)
# Follow-up visit plan (followup/schedule.py): "institutional" (Day 14 … yearly to Year 15) or
# "cibmtr_4100" (CIBMTR form 4100 windows: 1-year contact after Day 365, annual ±30 days).
FOLLOWUP_VISIT_PLAN = env("FOLLOWUP_VISIT_PLAN", default="institutional")
# PFS censoring when a new anti-cancer therapy starts before progression (followup/outcomes.py):
# "fda_2018" (censor at the last adequate assessment before it) or "ema" (count progression or
# death whatever therapy followed). Stated on the dashboard.
PFS_CENSORING = env("PFS_CENSORING", default="fda_2018")


# --- Printing --------------------------------------------------------------------------
# The bag label printer's stock, width x height in millimetres (LABEL_STOCK_MM=100x50): the
# label page's @page size, one label a page. Plans print on A4, the wallet card on ID-1.
def _label_stock_mm(text: str) -> tuple[float, float]:
    try:
        width_mm, height_mm = (float(part) for part in text.lower().split("x"))
    except ValueError:
        raise ImproperlyConfigured(
            f"LABEL_STOCK_MM is width x height in mm, not {text!r}."
        ) from None
    if not (20 <= width_mm <= 300 and 10 <= height_mm <= 300):
        raise ImproperlyConfigured(f"LABEL_STOCK_MM {text!r} is not a label size in mm.")
    return width_mm, height_mm


LABEL_STOCK_MM = _label_stock_mm(env("LABEL_STOCK_MM", default="100x50"))

# --- Uploads ---------------------------------------------------------------------------------
# Consent documents and release certificates are at most 10 MB; a request body larger than
# that plus room for the form's fields is refused before it is read (core/uploads.py).
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=11 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Form fields other than files (Django's default, stated): 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Files up to this size stay in memory; larger ones go to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security (production) -------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    # Container health checks call /health/ over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/(live/|ready/)?$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not TESTING)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not TESTING)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="json"),
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every failed login at INFO; lockouts still come through as WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Hospital interfaces: HL7 v2 over MLLP and FHIR R4 from the HIS ---------------------
HL7_LISTENER_HOST = env("HL7_LISTENER_HOST", default="127.0.0.1")
HL7_LISTENER_PORT = env.int("HL7_LISTENER_PORT", default=2575)
# Character set of messages that do not name one in MSH-18.
HL7_DEFAULT_CHARSET = env("HL7_DEFAULT_CHARSET", default="utf-8")
# The account the feeds act as (created on first use, no password, no clinical role).
HIS_INTERFACE_USERNAME = env("HIS_INTERFACE_USERNAME", default="his-interface")
# Attending clinician (username) for a patient the HIS registers when PV1-7 names nobody
# known here; empty refuses such registrations.
HIS_DEFAULT_ATTENDING = env("HIS_DEFAULT_ATTENDING", default="")

# Error reporting to Sentry or a compatible service (GlitchTip), only when a DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN and not TESTING:
    from core.error_reporting import error_reporting_init

    error_reporting_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("APP_RELEASE", default=""),
    )

if TESTING:
    # Hashing with real strength makes every persona cost a quarter of a second.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
