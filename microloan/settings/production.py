"""Production: no default secrets, HTTPS assumed behind a proxy; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, REST_FRAMEWORK, SPECTACULAR_SETTINGS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("local-dev", "test-only", "change-me")):
    raise ImproperlyConfigured("SECRET_KEY must be set to a real secret of 50+ characters in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container healthcheck probes plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The Django admin is not where scanners look for it (set ADMIN_PATH to a path of your own).
MICROLOAN_ADMIN_PATH = env("ADMIN_PATH", default="backoffice-7q2/")
if MICROLOAN_ADMIN_PATH.strip("/") in ("", "admin"):
    raise ImproperlyConfigured("ADMIN_PATH must not be the default admin/ in production.")
# The API answers JSON only: the browsable API (forms for every endpoint) is for development.
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
# The schema and the docs page need a login unless API_DOCS_PUBLIC opens them (the local and
# test settings keep them open: the demo and the app's client generation read them).
if not env.bool("API_DOCS_PUBLIC", default=False):
    SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# The console SMS backend prints the mobile masked and no body (PIPL: no personal data on
# stdout, which the container's log collector keeps); set it to see them on a test system.
SMS_CONSOLE_CLEAR = env.bool("SMS_CONSOLE_CLEAR", default=False)
# Keep each worker's database connection between requests: opening one costs PostgreSQL a
# backend process and cold catalog caches, several times a small API request's own queries
# (bench/API_RESULTS.md). Not in local settings: runserver's thread per request defeats it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "replica" in DATABASES:
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
# One cache for every worker and host: the API throttles (anonymous quotes, token requests)
# count in it, and per-process memory would let an address make N x the rate with N workers.
CACHE_URL = env("CACHE_URL", default=env("REDIS_URL", default=""))
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "microloan",
        }
    }
