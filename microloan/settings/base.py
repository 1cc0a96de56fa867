"""Settings shared by every environment.

Configuration comes from the environment (django-environ). Where a variable is unset the
embedded default applies: SQLite in ``var/`` and a broker-less Celery (kombu's filesystem
transport), so a laptop runs the product with no services at all.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
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
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The shared kernel: branches, staff, audit trail, business date, money.
    "microloan",
    # Lifecycle apps; dependencies flow one way: applications -> underwriting ->
    # servicing -> care -> collection; reporting reads them all and nothing imports it.
    "applications",
    "underwriting",
    "servicing",
    # Customer service: complaints, follow-up visits, credit reviews, feedback.
    "care",
    "collection",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "microloan.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # No NUL or unpaired surrogate in a query string or a page's form (microloan/inputs.py).
    "microloan.inputs.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "microloan.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes wants: it turns a lockout into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: scripts, styles, fonts and images from this origin only, no inline
# script, no plugin, no framing (microloan.middleware.SecurityHeadersMiddleware). The API docs
# page loads its initialisation as a file too (SpectacularSwaggerSplitView).
MICROLOAN_CSP = env(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
# The browser features the product uses: the camera (the borrowers' app photographs an ID
# card) from this origin; nothing else.
MICROLOAN_PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default="camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()",
)

ROOT_URLCONF = "microloan.urls"
WSGI_APPLICATION = "microloan.wsgi.application"

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
                "microloan.context_processors.business",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'microloan.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A read replica (a PostgreSQL hot standby): the reports, their exports and the list pages
# read from it, everything else from the primary (microloan/dbrouter.py). Tests mirror it to
# the default database.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["microloan.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "microloan.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend first: it refuses a locked-out account or address before any password
# is checked; Django's own checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Language and time: the users are in China; both languages exist for every screen.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Money grouped in threes with a comma in both languages (Django's zh_Hans has no separator).
FORMAT_MODULE_PATH = ["microloan.formats"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True
CURRENCY = env("CURRENCY", default="CNY")
# Quiet hours, in the borrower's local time: no automatic message from START to END (equal
# values switch them off). microloan/notifications/quiet_hours.py.
NOTIFY_QUIET_START = env("NOTIFY_QUIET_START", default="22:00")
NOTIFY_QUIET_END = env("NOTIFY_QUIET_END", default="08:00")

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: checked by content (magic bytes, structure) and size in applications.documents;
# the quotas are policy (DOCUMENTS, microloan/policy.py). Stored files are never served from
# MEDIA_URL: only the audited document view opens them (applications/document_views.py).
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The virus-scan hook: a scanner class's dotted path, e.g.
# "applications.documents.scanning.ClamAVScanner"; empty scans nothing. ClamAV streams to
# clamd at CLAMD_SOCKET (a socket path or host:port) when set, else runs clamdscan/clamscan.
DOCUMENT_SCANNER = env("DOCUMENT_SCANNER", default="")
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMAV_TIMEOUT_SECONDS = env.int("CLAMAV_TIMEOUT_SECONDS", default=60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "microloan.jwt_auth.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["microloan.permissions.TablePermission"],
    "DEFAULT_PAGINATION_CLASS": "microloan.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["microloan.api.FilterBackend"],
    # DRF's parsers with a nesting limit and no NUL or unpaired surrogate in any string
    # (microloan/parsers.py); views that name their own parsers take them from there too.
    "DEFAULT_PARSER_CLASSES": [
        "microloan.parsers.JSONParser",
        "microloan.parsers.FormParser",
        "microloan.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "microloan.schema.TableAutoSchema",
    "EXCEPTION_HANDLER": "microloan.api.exception_handler",
    # QUOTE_THROTTLE_RATE exists for the API benchmark (bench/api.sh), which sends thousands
    # of quotes a second from one address; deployments keep the default.
    "DEFAULT_THROTTLE_RATES": {"quote": env("QUOTE_THROTTLE_RATE", default="60/min"), "auth": "20/min"},
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    # The operation ids (and so the generated clients' names) drop "/api/" whatever other paths exist.
    "SCHEMA_PATH_PREFIX": r"/api/",
    "TITLE": "Microloan API",
    "DESCRIPTION": "Loan origination and servicing for micro-loans (REST contract v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Error answers, servers, tags and defaults for every operation (microloan/schema_hooks.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "microloan.schema_hooks.postprocess",
    ],
    # Swagger UI assets are served by the app itself: the product runs on an offline intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "LeadChannelEnum": "applications.models.LeadChannel",
        "SalesChannelEnum": "applications.models.SalesChannel",
        "RepaymentMethodEnum": "applications.models.Method",
        "FrequencyEnum": "applications.models.Frequency",
        "SignMethodEnum": "servicing.models.SignMethod",
        "DocumentKindEnum": "applications.models.DocumentKind",
        "RestructuringKindEnum": "servicing.models.RestructuringKind",
        "OtpPurposeEnum": "microloan.otp.models.OtpPurpose",
        "PurposeEnum": "applications.models.ConsentPurpose",
        "PaymentOrderKindEnum": "servicing.payment_models.PaymentOrderKind",
    },
}
from datetime import timedelta  # noqa: E402

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    # A refresh token is good once: refreshing returns a new one and blacklists the old;
    # logging out (POST /api/v1/auth/logout/) blacklists it too.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a digest of the password hash: a password change ends every token issued
    # before it (checked on each request and on refresh, microloan/auth_api.py).
    "CHECK_REVOKE_TOKEN": True,
    "UPDATE_LAST_LOGIN": False,
    "TOKEN_OBTAIN_SERIALIZER": "microloan.auth_api.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "microloan.auth_api.TokenRefreshSerializer",
}

# Login defence (microloan/logins.py, twofactor.py, auth_views.py, auth_api.py, middleware.py).
# The proxies whose X-Forwarded-For is believed (addresses or networks); empty: none, the
# client address is the connection's (microloan/net.py, the one home for it).
MICROLOAN_TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Failed logins before an account, or an address, is locked out, and for how long. Counted by
# django-axes on every login path: the web login, the token endpoint and the Django admin.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "microloan.net.client_ip"
AXES_LOCKOUT_CALLABLE = "microloan.auth_views.lockout_response"
# An attempt refused during a lockout neither counts nor extends it: the cool-off runs from
# the failure that locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # a success must not wipe an address's count of other accounts' failures
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are in the audit trail (microloan/logins.py)
AXES_VERBOSE = False
# Staff roles that need a second factor (TOTP) at every login path; superusers always do.
MICROLOAN_OTP_ROLES = env.list("OTP_ROLES", default=["manager", "admin"])
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Microloan")
# A staff session idle longer than this is logged out (microloan/middleware.py).
MICROLOAN_STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
# Where the Django admin lives (behind two-factor); production uses another default.
MICROLOAN_ADMIN_PATH = env("ADMIN_PATH", default="admin/")

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport, so a
# worker and beat run on a laptop without any broker service.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The daily close's chunks dealt round these queues (one per worker host), e.g. "close-a,close-b";
# empty: the queue the close came in on (collection/tasks.py).
CLOSE_CHUNK_QUEUES = env.list("CLOSE_CHUNK_QUEUES", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)

# The lending institution as it appears on contracts, receipts and statements.
LENDER = {
    "name": env("LENDER_NAME", default="示范小额贷款有限公司"),
    "name_en": env("LENDER_NAME_EN", default="Demo Microcredit Co., Ltd."),
    "code": env("LENDER_CODE", default="91110105MA00DEMO0X"),
    "address": env("LENDER_ADDRESS", default="北京市朝阳区建国路1号"),
    "phone": env("LENDER_PHONE", default="400-000-0000"),
}
# Idempotency-Key: how long a repeated request waits for the first, how long keys are kept.
IDEMPOTENCY_WAIT_SECONDS = env.int("IDEMPOTENCY_WAIT_SECONDS", default=15)
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)
# Lending policy (see microloan/policy.py for every setting and its default).
# How often a process reads again the policy overrides applied through configuration changes
# (microloan.config): one small query at most that often; the applying process sees them at once.
POLICY_RECHECK_SECONDS = env.int("POLICY_RECHECK_SECONDS", default=5)
UNDERWRITING: dict[str, object] = {}
