"""All settings come from the environment (django-environ); the defaults give the embedded run.

Embedded run (nothing set): DEBUG on, SQLite under var/, Celery tasks eager in-process, email to the
console. Production: set DEBUG=off, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional local file, never committed

DEBUG = env.bool("DEBUG", default=True)

# A development key only when DEBUG is on: production refuses to start without its own key.
_DEV_SECRET_KEY = "django-insecure-dev-only-neglect-portal-not-for-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment when DEBUG is off (for example a 50-character random string)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
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
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_ratelimit",  # issue 15 item 6: its system checks see that the throttles' cache is shared
    "simple_history",
    "django_htmx",
    "csp",
    "django_celery_results",
    "django_celery_beat",
    "neglect_portal",
    "agencies",
    "notifications",
    "dataset",
    "actionplans",
    "scrutiny",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "neglect_portal.session.SessionMiddleware",  # Django's, but a failed session write never hides a kept change
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # issue 15 item 6: a body bigger than any form may send is refused before anything reads it (CSRF reads the
    # body in process_view, after every __call__), and nothing a signed-in person is shown is kept by a cache.
    "neglect_portal.middleware.RequestBodyLimitMiddleware",
    "neglect_portal.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # --- issue 15 item 8 (h15f): refusals of out-of-scope objects go to the access log.
    "agencies.middleware.AccessLogMiddleware",
    # Last, so that a locked-out sign-in is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "neglect_portal.urls"
WSGI_APPLICATION = "neglect_portal.wsgi.application"

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
                "neglect_portal.context_processors.navigation",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# --- issue 15 item 4: concurrent writers on SQLite ---------------------------------------------
# Writers on the embedded SQLite database wait their turn (BEGIN IMMEDIATE, up to 20 s) instead of failing with
# "database is locked" when two requests that read first both try to write (six "start return" clicks at once).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": env.str("SQLITE_TRANSACTION_MODE", default="IMMEDIATE"), "timeout": 20}
    )
# --- end issue 15 item 4 ----------------------------------------------------------------------
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in lockout (django-axes): account + IP, 5 failures, 15 minutes ----------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# issue 15 item 6: the client address comes from agencies.access_log.client_ip, through TRUSTED_PROXY_COUNT (below),
# so lockouts and the access log see the same address; axes' own ipware settings are not used.
AXES_CLIENT_IP_CALLABLE = "agencies.access_log.client_ip"
AXES_VERBOSE = False

# --- Sessions: 30 minutes idle, and end when the browser closes -------------------------------
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A refused form gets a page that says why and what to do, not Django's technical one (issue 14).
CSRF_FAILURE_VIEW = "neglect_portal.views.csrf_failure"

# --- Security when DEBUG is off -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # --- issue 15 item 7 (h15f): preload is a promise to browsers that is slow to undo: opt in, never by default.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:  # off on purpose (README, Security): the deployment check's W021 says to turn it on
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is probed over plain HTTP inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Sign-in and abuse (issue 15 item 6) -----------------------------------------------------------
# Throttle counters (django-ratelimit) live in the cache, which must be shared by every web process in production:
# CACHE_URL (or REDIS_CACHE_URL), e.g. redis://redis:6379/1. Nothing set: memory in this process, right for the
# embedded run and tests (one process), and `check --deploy` says so when DEBUG is off.
LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"
DJANGO_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_CACHE_URL", default="")
CACHES = {"default": env.cache_url_config(_CACHE_URL) if _CACHE_URL else {"BACKEND": LOCMEM_CACHE}}
if CACHES["default"]["BACKEND"] == DJANGO_REDIS_CACHE:
    # Every network call has a timeout: a Redis that hangs costs a throttle check two seconds, not a thread.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 2)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
SILENCED_SYSTEM_CHECKS = [
    *globals().get("SILENCED_SYSTEM_CHECKS", []),  # the HSTS preload one above, when preload is off
    # Django's own Redis cache increments with Redis INCR, atomic as django-ratelimit needs; it is just not on the
    # library's list of backends it has tested.
    *(["django_ratelimit.W001"] if CACHES["default"]["BACKEND"] == DJANGO_REDIS_CACHE else []),
    # Memory is shared by the one process of the embedded run; neglect_portal.checks warns when DEBUG is off.
    *(["django_ratelimit.E003", "django_ratelimit.W001"] if CACHES["default"]["BACKEND"] == LOCMEM_CACHE else []),
]
# A cache that does not answer lets the request through rather than refusing every password reset.
RATELIMIT_FAIL_OPEN = True
# Password reset emails: per client address and per email address typed, "count/period" (s, m, h or d).
PASSWORD_RESET_RATE_PER_ADDRESS = env.str("PASSWORD_RESET_RATE_PER_ADDRESS", default="10/h")
PASSWORD_RESET_RATE_PER_EMAIL = env.str("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h")
# Request bodies. The largest legitimate form is a return's: 5 fields per indicator, 752 fields for 150 ratio
# indicators (the bench's catalogue), and up to about 5.4 MB if every commentary is 4,000 non-ASCII characters.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=2000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=6 * 1024 * 1024)
# Uploaded files above this go to a temporary file, not memory; the forms cap them (spreadsheets 2 MB, evidence 10 MB).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Any request body above this is refused with 413 before it is read (the largest upload is a 10 MB attachment).
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=12 * 1024 * 1024)

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored, served by whitenoise -------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
# "default" holds uploaded evidence and the evidence packs' files (ZIP and PDF, under packs/): the file system under
# MEDIA_ROOT unless configured otherwise. For object storage set it here, e.g. S3 through django-storages (not a
# dependency of the project): {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "..."}}.
# Nothing is served from it directly: every download goes through a view that checks who may read it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# --- issue 15 item 3, email truth: EMAIL_URL's ?timeout= lands in OPTIONS, which Django's SMTP backend never
# reads; take it as the default for EMAIL_TIMEOUT instead, so no mail server can hold a send for ever.
_EMAIL_URL_TIMEOUT = EMAIL_CONFIG.pop("OPTIONS", {}).get("TIMEOUT")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="neglect-portal@localhost")
# Where people reach the portal: links in emails sent by background jobs, which have no request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every network call has a timeout: a mail server that hangs holds a notification task, never a worker for ever.
EMAIL_TIMEOUT = max(1, env.int("EMAIL_TIMEOUT", default=int(_EMAIL_URL_TIMEOUT or 30)))
# How long one send may hold its email (a reminder) before the sweep counts it abandoned (the worker died mid-send)
# and sends it again. smtplib's timeout is per socket operation and one send makes about eight, so ten times it,
# plus a minute: a slow send is never sent twice by an early sweep.
EMAIL_SEND_LEASE = env.int("EMAIL_SEND_LEASE", default=10 * EMAIL_TIMEOUT + 60)
# A reminder the mail server refused waits this long before its second attempt, twice as long before each next one.
EMAIL_RETRY_PAUSE = env.int("EMAIL_RETRY_PAUSE", default=5 * 60)
# --- end issue 15 item 3

# --- Celery: a broker in production; eager in-process when none is configured --------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Redis redelivers a message that was never acknowledged (acks_late: the worker died mid-task) once this
# many seconds have passed. It must exceed the longest time limit plus that task's longest countdown (an evidence
# pack: 11 minutes plus a 2-minute retry wait), or a task still running or waiting would be delivered twice;
# 15 minutes leaves room (tests/neglect_portal/test_jobs.py checks it), and the minute sweep queues a killed build or
# pack again sooner (neglect_portal/tasks.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)}
# --- issue 15: timeouts on every call to the broker (h15a) ----------------------------------------------------------
# A broker that accepts connections but never answers must not hold a web thread: every Redis read and connect
# gives up after these seconds, and publishing retries once, so an accept with the broker hung answers in seconds
# (the request is the row; the minute sweep queues it when the broker is back). The worker's own blocking read
# waits 1 s at a time, well inside the read timeout.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=5)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=2)
CELERY_BROKER_TRANSPORT_OPTIONS |= {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT  # for a Redis result backend, should one be configured
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
# /healthz gives each check this many seconds, all at once, so it answers within 2 s whatever hangs.
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=1.2)
# Fault tests only: shorter waits between a failed build's or pack's retries ("1,1,1"), a pause in a pack's build.
JOB_RETRY_COUNTDOWNS = env.list("JOB_RETRY_COUNTDOWNS", cast=int, default=[])
PACK_BUILD_PAUSE = env.float("PACK_BUILD_PAUSE", default=0)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # a database that does not answer: give up connecting
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# --- end issue 15 (h15a) ---------------------------------------------------------------------------------------------
CELERY_RESULT_EXPIRES = timedelta(days=7)
# A dataset workbook with more agency-figure rows than this is prepared by a background job (a progress bar, then a
# download link) instead of in the request: at 240,900 rows openpyxl alone takes minutes, past any web timeout.
DATASET_EXPORT_INLINE_ROWS = env.int("DATASET_EXPORT_INLINE_ROWS", default=50_000)
# Prepared export files are deleted this many days after they were made (daily, neglect_portal/schedules.py).
DATASET_EXPORT_RETENTION_DAYS = env.int("DATASET_EXPORT_RETENTION_DAYS", default=7)
# Fault injection for the redelivery test only: seconds a build waits between computing and writing.
DATASET_BUILD_PAUSE = env.float("DATASET_BUILD_PAUSE", default=0)

# --- Logging: to stderr, so containers and the console both show it --------------------------------
# How many proxies we trust in front of the portal (the documented TLS proxy: 1). The client address for sign-in
# lockouts and the access log is read through them (agencies/access_log.py, client_ip); 0 means REMOTE_ADDR.
# AXES_PROXY_COUNT was the README's name for it before issue 15 and is still read when TRUSTED_PROXY_COUNT is not set.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
# The access log of personal data (agencies/access_log.py): JSON lines, one per event, never the figures.
ACCESS_LOG_FILE = env.path("ACCESS_LOG_FILE", default=BASE_DIR / "var" / "access.log")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "access": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(ACCESS_LOG_FILE),
            "formatter": "line",
            # issue 15 item 8 (h15f): opened at the first event, so a process that logs nothing creates no file.
            "delay": True,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "neglect_portal.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # WeasyPrint and fontTools narrate every PDF step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Content-Security-Policy (django-csp): no inline scripts anywhere; data reaches scripts via json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # --- issue 15 item 7 (h15f): no inline styles. Progress bars use classes (static/css/portal.css); plotly.js
        # reads its rules from static/vendor/plotly/plotly.css instead of writing a <style> element; htmx's indicator
        # styles are off (base.html); scripts that move things set element.style through the CSSOM, which CSP allows.
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- History (django-simple-history): reasons can be longer than a line.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Where people write about the portal: problems, accessibility, their personal data (help, contact, privacy pages).
PORTAL_CONTACT_EMAIL = env.str("PORTAL_CONTACT_EMAIL", default="neglect-portal@localhost")

# --- Second factor (django-otp, issue 15 item 5): TOTP apps and recovery codes ---------------------------
# Required for the analyst, members, the scrutineer, staff and superusers; optional for agency leads unless
# OTP_REQUIRED_FOR_LEADS is on. agencies/twofactor/ holds the rule (policy.py), the middleware and the pages.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
# OTPMiddleware reads the verified device from the session; ours, after sign-in is required, sends a person who
# has not given their code (or must set one up) to the second-factor pages before any other page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.LoginRequiredMiddleware") + 1,
    "agencies.twofactor.middleware.SecondFactorMiddleware",
)
OTP_REQUIRED_FOR_LEADS = env.bool("OTP_REQUIRED_FOR_LEADS", default=False)
# The demo people (agencies/demo.py) may sign in without a second factor, so that `make demo` signs in as before;
# honoured only while DEBUG is on (a system check warns when it is set with DEBUG off, and it is then ignored).
OTP_DEMO_SKIP = env.bool("OTP_DEMO_SKIP", default=DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Neglect portal")
# Wrong codes lock the code step for the person (not a device: whoever asks already has the password).
OTP_LOCK_AFTER = env.int("OTP_LOCK_AFTER", default=5)
OTP_LOCK_MINUTES = env.int("OTP_LOCK_MINUTES", default=15)
# django-otp's own back-off (1, 2, 4 s ...) would refuse a right code typed just after a slip: the lock replaces it.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# --- The REST API (issue 16): Django REST framework, drf-spectacular, keys from agencies.api_keys ----------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]
# Every API request goes to the access log with the key's name, after the REST framework has answered it.
MIDDLEWARE.insert(MIDDLEWARE.index("agencies.middleware.AccessLogMiddleware"), "api.middleware.ApiRequestLogMiddleware")
# Requests per key (or, without a working key, per client address): over it the answer is 429 with Retry-After.
API_RATE_PER_KEY = env.str("API_RATE_PER_KEY", default="120/min")
API_RATE_WITHOUT_KEY = env.str("API_RATE_WITHOUT_KEY", default="30/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.KeyRateThrottle", "api.throttles.AddressRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JsonOnly",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Neglect portal API",
    "DESCRIPTION": (
        "Agency systems fill, check (`dry_run=true`), save and submit their quarterly neglect returns; partnership "
        "readers pull the published Partnership Neglect Dataset in long format. Every error is an RFC 9457 problem "
        "(`application/problem+json`) with a JSON pointer for each field's problem."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {},
}
