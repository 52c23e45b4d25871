"""Django settings for pollwatch: one file, driven by environment variables.

Every variable read here is documented in README.md (a test checks that).
Secrets may be given directly or as ``NAME_FILE`` pointing at a file.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from pollwatch.lib.private_files import owner_only_umask, tighten


def envstr(name: str, default: str = "") -> str:
    """The variable, or the contents of the file named by NAME_FILE, or default."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("POLLWATCH_DATA", "pollwatch-data")).resolve()
# The data folder holds phones, password hashes and raw messages. Every process of pollwatch
# reads this file before it creates any file, so from here on what it creates (the SQLite
# database and its -wal/-shm, uploads, photos, backups) is 0600 and its folders 0700; a data
# folder made before is tightened (pollwatch/lib/private_files.py).
owner_only_umask()
DATA_DIR.mkdir(parents=True, exist_ok=True)
for _problem in tighten(DATA_DIR):
    warnings.warn(_problem, RuntimeWarning, stacklevel=1)


def _secret_key() -> str:
    key = envstr("SECRET_KEY")
    if key:
        return key
    # Generated once and kept beside the data so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in envstr("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SITE_NAME = envstr("SITE_NAME", "pollwatch")

INSTALLED_APPS = [
    # django.contrib.admin with a site whose login goes through the login throttle
    "pollwatch.accounts.apps.PollwatchAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    # Two-factor login for staff (pollwatch/accounts/twofactor.py): TOTP apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pollwatch.accounts",
    "pollwatch.elections",
    "pollwatch.observers",
    "pollwatch.ops",
    "pollwatch.audit",
    "pollwatch.checklists",
    "pollwatch.submissions",
    "pollwatch.messaging",
    "pollwatch.media",
    "pollwatch.results",
    "pollwatch.reports",
    "pollwatch.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's rule); the user's saved choice is applied
    # by UserLanguageMiddleware once the user is known (docs/translations.md).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "pollwatch.accounts.boundary.BoundaryMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pollwatch.accounts.language.UserLanguageMiddleware",
    # An election's pages show times in its time zone (pollwatch/elections/zone.py).
    "pollwatch.elections.zone.ElectionTimeZoneMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pollwatch.accounts.twofactor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "pollwatch.urls"
WSGI_APPLICATION = "pollwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pollwatch.accounts.context.navigation",
            ],
        },
    },
]

DATABASE_URL = envstr("DATABASE_URL")
# Rate limits and quotas (login, SMS, observer API) live in Redis when this is set, shared by
# every web worker and host without a database write per request; else in the database.
# The intake's INSERTs and its look-ups on a cache miss (token, deployments) are prepared
# statements on PostgreSQL (parsed and planned once per connection). Turn off behind a pooler in
# transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
INTAKE_PREPARED_INSERT = envbool("INTAKE_PREPARED_INSERT", True)
# On PostgreSQL the rows of a web process's posts are written together, one commit per batch
# (submissions/inserts.py, GroupWriter); false writes each post's row in its own request.
INTAKE_GROUP_COMMIT = envbool("INTAKE_GROUP_COMMIT", True)
REDIS_URL = envstr("REDIS_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    }
    if INTAKE_PREPARED_INSERT and "postgresql" in DATABASES["default"]["ENGINE"]:
        # Django turns psycopg's prepared statements off (prepare_threshold None), which also
        # refuses a statement asked for by name. The intake asks for its own (prepare=True);
        # nothing is prepared by count: Django's own queries bind on the client and never are.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "pollwatch.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the
                # write lock at BEGIN so concurrent writers queue on the busy
                # timeout instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-65536;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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

# Login throttling (pollwatch/accounts/throttle.py): failed attempts per window per user name
# and address; an address may fail 5 times as often, a name across all addresses 10 times.
LOGIN_RATE_LIMIT = envint("LOGIN_RATE_LIMIT", 10)
LOGIN_RATE_WINDOW = envint("LOGIN_RATE_WINDOW", 300)
# Roles that must log in with a second factor (comma-separated, e.g. "admin,coordinator"):
# a user holding one of them in any election is sent to the enrolment page before any other.
REQUIRE_2FA_ROLES = {r.strip() for r in envstr("REQUIRE_2FA_ROLES").split(",") if r.strip()}
OTP_TOTP_ISSUER = SITE_NAME
# Wrong codes count in the login throttle (accounts/throttle.py); django-otp's own per-device
# delay would also lock the app's codes after a mistyped recovery code.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Invitations to staff accounts: the one-time link lasts this many seconds (default 3 days);
# password-reset links last PASSWORD_RESET_TIMEOUT.
INVITE_TIMEOUT = envint("INVITE_TIMEOUT", 3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3600)
# E-mail (invitations, password reset): the console backend prints them; for an SMTP server set
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_* below (Django's
# MAILERS setting; the variables keep Django's old names).
_email_backend = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_smtp_options = {
    "host": envstr("EMAIL_HOST", "localhost"),
    "port": envint("EMAIL_PORT", 25),
    "username": envstr("EMAIL_HOST_USER"),
    "password": envstr("EMAIL_HOST_PASSWORD"),
    "use_tls": envbool("EMAIL_USE_TLS", False),
    "use_ssl": envbool("EMAIL_USE_SSL", False),
    "timeout": envint("EMAIL_TIMEOUT", 30),
}
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": _smtp_options if _email_backend.endswith(".smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "pollwatch@localhost")
# Reverse proxies in front of the web server that append to X-Forwarded-For (nginx, Caddy,
# a load balancer): 0 reads the client from REMOTE_ADDR (pollwatch/accounts/http.py:client_ip).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", 0)

# SMS intake: messages per sender per window, and how long an identical text counts as a duplicate.
SMS_RATE_LIMIT = envint("SMS_RATE_LIMIT", 30)
SMS_RATE_WINDOW = envint("SMS_RATE_WINDOW", 300)
SMS_DUPLICATE_WINDOW = envint("SMS_DUPLICATE_WINDOW", 3600)
# Shared secrets of the SMS gateways (see docs/sms.md); a gateway without one refuses every post.
SMS_JSON_SECRET = envstr("SMS_JSON_SECRET")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN")
TELERIVET_SECRET = envstr("TELERIVET_SECRET")
# Where outbound SMS replies go when the gateway cannot carry them in its answer: "console" or a file path.
SMS_OUTBOX = envstr("SMS_OUTBOX", "console")
# Outbound messages (docs/messages.md): the gateway that sends them ("console" writes them to
# SMS_OUTBOX), its rate in messages per second, attempts before a message is failed, and the
# public address the gateways' delivery reports come back to.
SMS_SEND_GATEWAY = envstr("SMS_SEND_GATEWAY", "console")
SMS_SEND_RATE = envfloat("SMS_SEND_RATE", 10.0)
SMS_SEND_ATTEMPTS = envint("SMS_SEND_ATTEMPTS", 8)
SMS_SEND_TIMEOUT = envfloat("SMS_SEND_TIMEOUT", 10.0)
PUBLIC_URL = envstr("PUBLIC_URL")
# The generic JSON gateway's send address (it receives {"to", "text", "id", "status_url"}).
SMS_JSON_SEND_URL = envstr("SMS_JSON_SEND_URL")
# Twilio: the account, the sender (a number or a messaging service) and the API's address.
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID")
TWILIO_FROM = envstr("TWILIO_FROM")
TWILIO_MESSAGING_SERVICE_SID = envstr("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_API_URL = envstr("TWILIO_API_URL", "https://api.twilio.com")
# Telerivet: the project, its API key and the API's address.
TELERIVET_PROJECT_ID = envstr("TELERIVET_PROJECT_ID")
TELERIVET_API_KEY = envstr("TELERIVET_API_KEY")
TELERIVET_API_URL = envstr("TELERIVET_API_URL", "https://api.telerivet.com")

# The observer API's quotas per sign-in token (docs/reporting.md, "What the server answers"):
# posts per window, the largest body, and the bytes one token may send per day.
OBSERVER_API_RATE_LIMIT = envint("OBSERVER_API_RATE_LIMIT", 120)
OBSERVER_API_RATE_WINDOW = envint("OBSERVER_API_RATE_WINDOW", 300)
OBSERVER_API_MAX_BYTES = envint("OBSERVER_API_MAX_BYTES", 12 * 1024 * 1024)
OBSERVER_API_DAILY_BYTES = envint("OBSERVER_API_DAILY_BYTES", 200 * 1024 * 1024)
# The largest body an SMS gateway may post (an SMS is at most a few KB even when concatenated).
SMS_MAX_BYTES = envint("SMS_MAX_BYTES", 64 * 1024)

# Cookies are Secure unless explicitly turned off (the demo turns them off
# because it serves plain HTTP on the loopback address).
# Dashboards serve the last figures at once and recompute them in a background thread
# when new forms arrived (pollwatch/results/freshness.py); false computes in the request.
ANALYSIS_BACKGROUND_REFRESH = envbool("ANALYSIS_BACKGROUND_REFRESH", True)

SECURE_COOKIES = envbool("SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
if envbool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en"
# Staff interface languages (docs/translations.md); the observer app and SMS keep their own.
LANGUAGES = [
    ("en", "English"),
    ("az", "Azərbaycanca"),
    ("ru", "Русский"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language, for every page (pollwatch/formats/__init__.py).
FORMAT_MODULE_PATH = ["pollwatch.formats"]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded import files are kept raw (append-first intake).
MEDIA_ROOT = DATA_DIR / "uploads"
# Django's own default for saved uploads is 0644 whatever the umask: owner only, as the rest.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# `pollwatch backup` (docs/deployment.md): where archives go, and how many it keeps there.
BACKUP_DIR = Path(envstr("BACKUP_DIR") or DATA_DIR / "backups").resolve()
BACKUP_KEEP = envint("BACKUP_KEEP", 14)
WHITENOISE_USE_FINDERS = True
# A report with a protocol photo arrives as one JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_IMPORT_BYTES = envint("MAX_IMPORT_BYTES", 512 * 1024 * 1024)
# Checked while an import file is read, so a hostile file is refused before it costs memory
# or time (pollwatch.lib.tabular.Limits); room for a national frame of 1,000,000+ stations.
MAX_IMPORT_ROWS = envint("MAX_IMPORT_ROWS", 2_000_000)
MAX_IMPORT_COLUMNS = envint("MAX_IMPORT_COLUMNS", 1_000)
MAX_IMPORT_EXPANDED_BYTES = envint("MAX_IMPORT_EXPANDED_BYTES", 1024 * 1024 * 1024)
# A running import that shows no progress for this long is marked failed (its worker was
# stopped or crashed); writing a very large file shows none while its transaction is open.
IMPORT_STALE_MINUTES = envint("IMPORT_STALE_MINUTES", 30)
MAX_PHOTO_BYTES = envint("MAX_PHOTO_BYTES", 8 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 404, 400) is logged in one line, without its traceback: any
    # signed-in user can cause thousands, and they are not faults of the server.
    "filters": {"client_errors_brief": {"()": "pollwatch.lib.logfilters.ClientErrorsBrief"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_brief"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
