"""The fuzzing run (make fuzz, scripts/fuzz.sh): the product as production serves it (DEBUG
off, the JSON-only API) on its own PostgreSQL database, with the limits that would stop a
fuzzer at the door relaxed, so that its requests reach the parsers, the serializers and the
services instead of a 429.

FUZZ_DATABASE_URL names the database (scripts/fuzz.sh drops and recreates it on every run:
never point it at one you keep)."""

from datetime import timedelta

from .base import *  # noqa: F401,F403
from .base import LOGGING, REST_FRAMEWORK, SIMPLE_JWT, env

DEBUG = False
SECRET_KEY = "fuzz-only-secret-key-" + "f" * 40
DATABASES = {
    "default": env.db("FUZZ_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/microloan_fuzz"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = 600
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# As production: JSON answers only (the browsable API is for development).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {"quote": "1000000/min", "auth": "1000000/min"},
}
# Thousands of wrong passwords and codes must not lock the fuzzer's own logins out.
AXES_FAILURE_LIMIT = 1_000_000
# No broker to run: a published task (a notification) goes to kombu's in-memory transport.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}  # the base's Redis options off
CELERY_RESULT_BACKEND = None
# The log (var/fuzz/gunicorn.log) keeps the server errors, with their tracebacks, and not a
# warning for each of the fuzzer's thousands of 4xx.
LOGGING = {**LOGGING, "loggers": {"django.request": {"level": "ERROR"}, "django.security": {"level": "ERROR"}}}
# The logins are made once, before the passes: their tokens outlive the whole run, however
# slow the machine.
SIMPLE_JWT = {**SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(hours=3)}
