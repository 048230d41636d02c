"""Settings for the Lào Cai "Sóng và máy tính cho em" portal.

Everything that differs between a laptop and production comes from the
environment (12-factor) through one ``environ.Env``. The defaults are safe for
local use: SQLite, console e-mail, Celery tasks run eagerly in process.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY chưa được đặt. Khi DEBUG=False cổng thông tin không khởi động "
            "nếu thiếu khóa bí mật: hãy đặt biến môi trường SECRET_KEY "
            "(SECRET_KEY is required when DEBUG is off)."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "import_export",
    "django_celery_beat",
    "django_celery_results",
    "accounts",
    "schools",
    "students",
    "rounds",
    "platforms",
    "devices",
    "coverage",
    "donations",
    "reports",
    "taskqueue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kernel.middleware.StripNulQueryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "laocai_portal.urls"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "laocai_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connection reuse: a request no longer opens (and authenticates) its own connection. 60 s
# by default (the URL's ?conn_max_age= or CONN_MAX_AGE overrides it; 0 closes after every
# request, e.g. behind PgBouncer in transaction mode); the health check replaces a
# connection the server closed meanwhile before the request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "CONN_MAX_AGE", default=DATABASES["default"].get("CONN_MAX_AGE", 60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# PostgreSQL in production, SQLite embedded: the bulk import relies on either's own way
# of reserving ids (students.importers.bulk.reserve_ids), so no other engine is accepted.
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL (postgres://…) or SQLite (sqlite:///…)."
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A busy timeout keeps the embedded database usable while an eager import writes.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures lock the username for fifteen minutes (see the
# accounts block at the end for how the account and the address are counted).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet's files come from the django-leaflet package; its Django app is not
# installed because its admin widgets need GDAL, which the portal does not use.
_LEAFLET_SPEC = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = [BASE_DIR / "static"]
if _LEAFLET_SPEC and _LEAFLET_SPEC.submodule_search_locations:
    STATICFILES_DIRS.append(Path(next(iter(_LEAFLET_SPEC.submodule_search_locations))) / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or BASE_DIR / "media")
# Static fonts of the official PDFs (kernel.documents), built by `manage.py prepare_fonts`;
# empty: MEDIA_ROOT/fonts.
FONT_CACHE_DIR = env.str("FONT_CACHE_DIR", default="") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Cổng Sóng và máy tính cho em <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address: links in e-mails and on printed sheets are built on it (a system check warns
# when it is left at the local default with DEBUG off).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "laocai",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = "django-db"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Uploads: spreadsheets and signed scans.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=20)
IMPORT_MAX_ROWS_SCHOOL = env.int("IMPORT_MAX_ROWS_SCHOOL", default=5000)
IMPORT_ASYNC_ROWS = env.int("IMPORT_ASYNC_ROWS", default=2000)
# Lists longer than this are exported in the background with a download link.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5000)
# Long lists (kernel.paging): counted exactly up to this many rows, above it "khoảng …" with
# PostgreSQL's estimate; pages reach this many rows (narrow the search for the others).
LIST_EXACT_ROWS = env.int("LIST_EXACT_ROWS", default=10_000)
# Dashboard and home-page figures are kept this many seconds (kernel.figures_cache), and
# recomputed sooner whenever anything changed; 0 computes them on every view.
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=60)
SCAN_MAX_UPLOAD_MB = env.int("SCAN_MAX_UPLOAD_MB", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Map tiles: a setting, so a closed provincial network can point at its own server
# or leave it empty (points are then drawn on a plain background).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap")

# The issuing bodies printed on official documents.
PORTAL_PROVINCE_NAME = env.str("PORTAL_PROVINCE_NAME", default="Lào Cai")
PORTAL_PROVINCE_CODE = env.str("PORTAL_PROVINCE_CODE", default="10")
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
# Days an activation link or printed activation code stays valid.
ACTIVATION_DAYS = env.int("ACTIVATION_DAYS", default=7)
# Wrong activation codes typed for one account before its code is locked (a new one is printed).
ACTIVATION_MAX_ATTEMPTS = env.int("ACTIVATION_MAX_ATTEMPTS", default=5)
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=300)

# Demo users are only ever created with DEBUG on.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- safefile: untrusted spreadsheets are checked, then parsed in a limited child ---
# A worksheet reaching past these is refused before any parser sees it.
SPREADSHEET_MAX_COLUMNS = env.int("SPREADSHEET_MAX_COLUMNS", default=200)
SPREADSHEET_MAX_ROWS = env.int("SPREADSHEET_MAX_ROWS", default=300_000)
SPREADSHEET_MAX_CELLS = env.int("SPREADSHEET_MAX_CELLS", default=10_000_000)
# Address space (RLIMIT_AS) and wall time of the child process that parses a workbook.
SPREADSHEET_PARSER_MEMORY_BYTES = env.int("SPREADSHEET_PARSER_MEMORY_BYTES", default=2 * 1024**3)
SPREADSHEET_PARSER_TIMEOUT = env.float("SPREADSHEET_PARSER_TIMEOUT", default=120.0)

# --- outbox: the task queue's outbox and sweep (taskqueue app) ---
# How long past a task's hard time limit its batch, export or report may look stuck
# before the sweep ends it as failed, seconds.
TASKQUEUE_GRACE_SECONDS = env.int("TASKQUEUE_GRACE_SECONDS", default=300)
# An outbox call (e.g. notification e-mails) is tried this many times, then left for an admin.
TASKQUEUE_OUTBOX_MAX_ATTEMPTS = env.int("TASKQUEUE_OUTBOX_MAX_ATTEMPTS", default=10)
# A publish while Redis is down gives up after this many quick retries instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env.int("CELERY_PUBLISH_MAX_RETRIES", default=2),
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}

# --- privacy: children's data on a need-to-know basis (Law 91/2025/QH15, Decree 356/2025) ---
# Uploaded lists (household lists, device and subscription files) are deleted this many
# days after upload by the daily task schools.tasks.purge_expired_uploads; the batch's
# record and counts are kept.
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=365)

# --- accounts: login throttling, passwords, two-factor login, sessions, CSP, SECRET_KEY ---
# Failures are counted per account and, separately, per client address: one account
# guessed from many addresses and many accounts guessed from one address are both locked.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Number of reverse proxies in front of the portal that append to X-Forwarded-For.
# 0 (the default) ignores the header: any browser can send one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
# More failures are allowed from one address than for one account, because a school's
# staff share one address; still far below a guessing campaign.
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_HANDLER = "accounts.throttling.AccountAndAddressHandler"

PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=10)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
PASSWORD_RESET_WINDOW_MINUTES = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=60)

# Two-factor login (TOTP from an authenticator app, plus static backup codes).
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]
# Who must use it: any of superuser, staff, provincial, district, school, all.
OTP_REQUIRED_FOR = env.list(
    "OTP_REQUIRED_FOR", default=[] if DEBUG else ["superuser", "provincial"]
)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Sóng và máy tính cho em – Lào Cai")

# Sessions: logged out after SESSION_IDLE_TIMEOUT minutes without a request, and
# SESSION_MAX_AGE hours after logging in whatever the activity.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE * 3600

# After authentication and messages (the expiry notice is a message).
_auth_at = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_auth_at:_auth_at] = [
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.OTPRequiredMiddleware",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)

# Content-Security-Policy: scripts and styles only from the portal's own static files
# (no inline script, no style attribute or <style> block; bars' widths are classes).
_tile_origin = ""
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tile_parts = urlsplit(MAP_TILE_URL)
    if _tile_parts.scheme and _tile_parts.netloc:
        # Leaflet's "{s}" subdomain placeholder becomes a CSP wildcard.
        _tile_host = _tile_parts.netloc.replace("{s}.", "*.")
        _tile_origin = f"{_tile_parts.scheme}://{_tile_host}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin] if _tile_origin else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# A production portal refuses a weak SECRET_KEY: short, few distinct characters,
# Django's generated 'django-insecure-' keys, or a key published in this repository.
_KNOWN_SECRET_KEYS = {
    "insecure-local-development-key-only-used-with-debug-on",
    "test-only-secret-key-not-for-production",
    "build-only-not-secret",
    "changeme",
    "secret",
    "ci",
}
if not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
    or SECRET_KEY in _KNOWN_SECRET_KEYS
):
    raise ImproperlyConfigured(
        "SECRET_KEY quá yếu: khi DEBUG=False khóa phải dài ít nhất 50 ký tự ngẫu nhiên, "
        "không bắt đầu bằng 'django-insecure' và không phải khóa mẫu "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))"). '
        "(SECRET_KEY is too weak for production.)"
    )

# --- gaps13 ---
# Template helpers every page may load ({% load portal %}): bar widths as classes, since
# the Content-Security-Policy allows no inline style.
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["portal"] = "kernel.templatetags.portal"
