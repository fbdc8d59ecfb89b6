"""Settings shared by every environment, read from the environment where they differ."""

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url

from .policy import *  # noqa: F403  (the policy numbers are settings too)

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Absolute address used in emails, where there is no request to build links from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin as the mediator console: closed to case workers except where they
    # need to know (marketplace.kernel.console_site).
    "marketplace.kernel.console_apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # Background tasks: Django's Tasks API (the backport) and its database backend, whose
    # app label is `django_tasks_database` (table django_tasks_database_dbtaskresult).
    "django_tasks",
    "django_tasks_db",
    # The layers, bottom to top (README, "Layout"): the kernel, the three apps, the site.
    "marketplace.kernel",
    "contracts",
    "disputes",
    "reputation",
    "marketplace.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body or the session: too large, or unusable input, is refused.
    "marketplace.kernel.middleware.RequestSizeMiddleware",
    "marketplace.kernel.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.kernel.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff pass a second factor before any page but enrolling and the challenge.
    "marketplace.kernel.mfa.StaffSecondFactorMiddleware",
    "marketplace.kernel.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "marketplace.site.urls"
WSGI_APPLICATION = "marketplace.site.wsgi.application"
ASGI_APPLICATION = "marketplace.site.asgi.application"

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
                "marketplace.kernel.context_processors.navigation",
            ],
        },
    },
]

# A SQLite file in the project folder is the embedded default for a first run. IMMEDIATE
# transactions take the write lock at BEGIN, so two writers queue instead of failing midway:
# that is how SQLite serialises what PostgreSQL does with row locks.
def database(url: str) -> dict:
    settings = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")))
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        settings["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0":
        # PostgreSQL binds the parameters and keeps a statement prepared once a connection has
        # run it five times (psycopg's threshold; Django turns preparing off unless told): each
        # page's reads are planned once per connection instead of on every request, which was
        # half to two thirds of the pages' database CPU (bench/NOTES.md). Behind PgBouncer in
        # transaction mode older than 1.21, set DATABASE_PREPARED_STATEMENTS=0.
        settings["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    return settings


# On PostgreSQL two roles: the app and the sweeper connect as DATABASE_URL's role, which holds
# only the privileges the models declare (no DDL, no TRUNCATE, no UPDATE or DELETE of
# append-only rows); `manage.py migrate` connects as MIGRATE_DATABASE_URL's role, which owns
# the tables, and grants the app role its privileges. Without MIGRATE_DATABASE_URL (SQLite,
# development) both are the same.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
MIGRATE_DATABASE_URL = os.environ.get("MIGRATE_DATABASE_URL") or DATABASE_URL
DATABASES = {"default": database(DATABASE_URL)}
DATABASE_OWNER = database(MIGRATE_DATABASE_URL)
DATABASE_APP_ROLE = (
    DATABASES["default"]["USER"]
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASES["default"]["USER"] != DATABASE_OWNER["USER"]
    else ""
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "marketplace.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: sign-up, login, email verification, password reset.
# Verification is "optional" at login so a new user can look around, but making or accepting
# an offer requires a verified address (the deadlines that cost money are announced by mail).
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "marketplace.kernel.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Marketplace] "
# Our adapter: account mails go through the mail queue like every notice
# (marketplace.kernel.mail), failed logins are throttled, closed accounts' names are kept.
ACCOUNT_ADAPTER = "marketplace.kernel.adapter.AccountAdapter"
ACCOUNT_FORMS = {"reset_password": "marketplace.kernel.account_forms.ResetPasswordForm"}
# Failed logins, sign-ups, password resets and messages are throttled by the kernel
# (marketplace.kernel.throttle), per (address, account) and more loosely per address, in a
# cache all app servers share; allauth's own limits for these are per address only and kept
# in each process's memory, so they are switched off. Its other limits (per user, on
# changing one's own password or email) stay as they are.
ACCOUNT_RATE_LIMITS = {"login": "", "login_failed": "", "signup": "", "reset_password": ""}
# "count/seconds": per (address, account), and per address over all accounts. The account is
# the login typed, the email signing up or asking for a reset, and the poster of a message.
THROTTLES = {
    "login_failed": {"account": "5/900", "address": "100/3600"},
    "signup": {"account": "3/3600", "address": "30/3600"},
    "password_reset": {"account": "3/3600", "address": "30/3600"},
    "message": {"account": "30/600", "address": "300/3600"},
}
THROTTLE_CACHE = "throttle"
# How many proxies you run in front of the app that append to X-Forwarded-For (a TLS proxy or
# load balancer: 1). With 0 the client is REMOTE_ADDR; behind a proxy that would be the proxy
# itself for everyone, so set it wherever the app runs behind one (README, Configuration).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Two-factor sign-in (allauth MFA): an authenticator app (TOTP) and recovery codes. Staff
# must use it (marketplace.kernel.mfa); parties may turn it on from their profile.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Marketplace"
MFA_ADAPTER = "marketplace.kernel.mfa.EncryptingMFAAdapter"
# The Fernet keys that encrypt the stored TOTP secrets: the first encrypts, every one
# decrypts (to rotate, put the new key first). Production must set them (production.py);
# elsewhere a key derived from SECRET_KEY keeps a development database's codes working.
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS", "") or [
    base64.urlsafe_b64encode(hashlib.sha256(f"mfa-encryption:{SECRET_KEY}".encode()).digest())
    .decode()
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# The default cache is Redis when REDIS_URL is set, else each process's memory. Throttles
# have their own alias, shared by every app server and worker: Redis (own key prefix) when
# REDIS_URL is set, else a table in the database (created by `manage.py migrate`).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "throttle"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
              "LOCATION": "marketplace_throttle"}
    ),
    # Rendered rows of append-only data (marketplace.kernel.pagecache): Redis under its own
    # prefix when REDIS_URL is set, else each process's memory. Never the database: a cache
    # that costs a query would cost more than it saves.
    "pages": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
         "KEY_PREFIX": "pages"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": 50_000}}
    ),
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap comes from the npm registry's `bootstrap` package, installed at set-up (no CDN).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files are never served from MEDIA_URL: only a permission-checked view reads them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o640
# The largest legitimate request: a message with its most files, each of the largest size,
# plus 1 MB for the rest of the form. A larger body is refused (413) on its declared length
# before it is read (kernel.middleware.RequestSizeMiddleware); a proxy in front should refuse
# it too (README: client_max_body_size).
MAX_REQUEST_BYTES = (ATTACHMENTS_PER_MESSAGE * ATTACHMENT_MAX_MB + 1) * 1024 * 1024  # noqa: F405
# Text fields of a form (files are not counted here; they are spooled to disk past this size).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Signed checkpoints of the record and the ledger (`manage.py record_checkpoint`, hourly from
# cron): written to CHECKPOINT_DIR, which must not be reachable with the database's
# credentials (another volume or host; README). The private key is needed only where
# record_checkpoint runs, never by the web app, which publishes the public keys on /policy/:
# comma-separated base64 raw keys, a retired one followed by @ and its retirement time
# (KEY@2026-12-01T00:00:00Z). The key signing checkpoints must be published and not retired.
CHECKPOINT_DIR = Path(os.environ.get("CHECKPOINT_DIR", BASE_DIR / "checkpoints"))
CHECKPOINT_SIGNING_KEY = os.environ.get("CHECKPOINT_SIGNING_KEY", "")
CHECKPOINT_PUBLIC_KEYS = env_list("CHECKPOINT_PUBLIC_KEYS", "")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Marketplace <no-reply@marketplace.test>")
# A worker waits at most this long for the mail server; a hung server must not hold a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# Mail leaves through background tasks (README, "Mail and workers"): each email is a task
# enqueued inside the transaction that writes its event and in-app notification.
# TASKS_BACKEND=database (default) keeps the queue in this database, so the three commit or
# vanish together, and `manage.py db_worker` runs it; TASKS_BACKEND=rq puts it on Redis
# (REDIS_URL) for many workers (`manage.py rqworker`), enqueued right after the commit.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
TASK_QUEUES = ["default", "email"]
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": os.environ["REDIS_URL"]} for name in TASK_QUEUES}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
# A failed send is retried after 1, 4, 16, 64... minutes (at most MAIL_RETRY_MAX_DELAY apart)
# until MAIL_MAX_ATTEMPTS tries have failed; then it waits in the console's dead letters.
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
MAIL_RETRY_FIRST_DELAY = int(os.environ.get("MAIL_RETRY_FIRST_DELAY", "60"))  # seconds
MAIL_RETRY_MAX_DELAY = int(os.environ.get("MAIL_RETRY_MAX_DELAY", str(6 * 3600)))
# A task RUNNING this long belongs to a worker that died (a send gives up after
# EMAIL_TIMEOUT): the clock puts it back in the queue.
TASK_STALE_AFTER = int(os.environ.get("TASK_STALE_AFTER", "600"))  # seconds
# A mail still unsent this long after it was due lost its task (e.g. Redis was down at
# commit): the clock enqueues it again. Sending it twice is prevented by its delivery row.
MAIL_STRANDED_AFTER = int(os.environ.get("MAIL_STRANDED_AFTER", "1800"))  # seconds

# Security headers that hold everywhere; production.py tightens cookies and HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Everything is served from our own origin: no inline script, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
