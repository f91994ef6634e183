"""Settings: one module, driven by environment variables (django-environ).

Defaults give the embedded setup (SQLite and Celery's filesystem broker under var/);
DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis. Any variable NAME may also be
given as NAME_FILE, the path of a file that holds the value (for container secrets).
"""

import os
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # A local, uncommitted override file; real environment variables win over it.
    env.read_env(BASE_DIR / ".env")


def _env_or_file(name, default=None):
    """The value of NAME, or the contents of the file named by NAME_FILE."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return default


VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _secret_key():
    key = _env_or_file("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. "
            "For development, set DEBUG=true and a key is generated under var/."
        )
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _vault_keks():
    """The Vault's key-encryption keys: Fernet keys, newest first (VAULT_KEKS, comma-separated).

    Never invents a key when one is given but unreadable: that would strand every stored secret.
    """
    from cryptography.fernet import Fernet

    raw = _env_or_file("VAULT_KEKS")
    if not raw:
        if not DEBUG:
            raise ImproperlyConfigured(
                "VAULT_KEKS (or VAULT_KEKS_FILE) must be set when DEBUG is off: a comma-separated list "
                "of Fernet keys, newest first. Generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        path = VAR_DIR / "vault_kek"
        if not path.exists():
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
            import logging

            logging.getLogger("vault").warning(
                "VAULT_KEKS is not set: generated a DEVELOPMENT Vault key-encryption key in %s. "
                "Never use it in production; losing it loses every Vault secret.", path,
            )
        raw = path.read_text().strip()
    keys = [part.strip() for part in raw.split(",") if part.strip()]
    if not keys:
        raise ImproperlyConfigured("VAULT_KEKS is empty: give at least one Fernet key.")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"VAULT_KEKS: key {position} of {len(keys)} is not a valid Fernet key "
                "(32 bytes, URL-safe base64)."
            ) from None
    return keys


# Newest first: the first wraps new data keys; the others only unwrap (during a rotation).
VAULT_KEKS = _vault_keks()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials.apps.SimpleAppConfig",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "csp",
    "finance.tenancy",
    "finance.accounts",
    "finance.audit",
    "finance.ledger",
    "finance.contacts",
    "finance.products",
    "finance.banking",
    "finance.dataformats",
    "finance.notices",
    "finance.catalog",
    "interfaces",
    "vault",
    "scheduler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "finance.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "finance.urls"
WSGI_APPLICATION = "finance.wsgi.application"
ASGI_APPLICATION = "finance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "finance.tenancy.context_processors.tenancy",
                "finance.notices.context_processors.notices",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            # Parsed templates are cached (in development too: they change only with the code,
            # and runserver restarts then). The partials loader must stay outermost so that
            # "page.html#fragment" names resolve.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(
        _env_or_file("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one file: wait for locks instead of failing, take
    # the write lock at BEGIN, and let readers proceed while a writer works (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling and other short-lived counters) ----------------------------------
REDIS_URL = _env_or_file("REDIS_URL", "")
if REDIS_URL:
    # REDIS_CACHE_URL may put the cache in another database than the broker's.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _env_or_file("REDIS_CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "finance",
        }
    }
else:
    # A file cache works across the web and worker processes of the embedded setup.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 7  # an invitation link is valid for a week
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
API_KEY_DEFAULT_VALIDITY_DAYS = 90

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# The largest file an interface accepts (bytes).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# A running run whose heartbeat is older than this is failed by `interfaces.runs_reconcile`.
RUN_STALE_AFTER_SECONDS = env.int("RUN_STALE_AFTER_SECONDS", default=300)
# How long a voided bank statement import can be restored.
STATEMENT_RESTORE_DAYS = env.int("STATEMENT_RESTORE_DAYS", default=30)

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = _env_or_file("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_queue / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "interfaces-runs-reconcile": {"task": "interfaces.runs_reconcile", "schedule": 60.0},
    # Removes Imports folder files older than each environment's retention.
    "interfaces-import-files-purge": {"task": "interfaces.import_files_purge", "schedule": crontab(hour=2, minute=30)},
    # The Scheduler's dispatch tick: starts every due scheduled task (scheduler.dispatch).
    "scheduler-tick": {"task": "scheduler.tick", "schedule": crontab(minute="*")},
}
# An execution later than this counts as missed (the scheduler was not running): the task's
# missed-run policy decides whether it still runs once.
SCHEDULER_MISSED_AFTER_SECONDS = env.int("SCHEDULER_MISSED_AFTER_SECONDS", default=180)
# The Cin7 Core synchronisation starts at most once per this many seconds from a schedule.
CIN7_SYNC_MIN_INTERVAL_SECONDS = env.int("CIN7_SYNC_MIN_INTERVAL_SECONDS", default=3600)
# Bulk writes (the Contact import's COPYs, PostgreSQL) check their foreign keys once per distinct
# reference, then send the rows with the tables' triggers off, where the database role may set
# session_replication_role; False: the triggers check each row (slower, the same guarantee).
BULK_COPY_CHECK_REFERENCES_BY_SET = env.bool("BULK_COPY_CHECK_REFERENCES_BY_SET", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Interfaces <noreply@localhost>")
# The address users reach the site at, for links in e-mails sent outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Security -----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 10)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way decision for the domain's owner, not a default we can take.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # ofxtools logs every file it parses at INFO; mt-940 logs the text of a tag it cannot read (a
    # statement's content) at ERROR, and the run already reports it.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "ofxtools": {"level": "WARNING"},
                "mt940": {"level": "CRITICAL"}},
}

CSRF_FAILURE_VIEW = "finance.views.csrf_failure"
