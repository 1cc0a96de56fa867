"""Tests: real PostgreSQL and Redis (DATABASE_URL / REDIS_URL), never SQLite or mocks."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-" + "t" * 40
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/microloan")}
if env("DATABASE_REPLICA_URL", default=""):  # tests/kernel/test_dbrouter.py's real standby
    DATABASES["replica"] = {**env.db("DATABASE_REPLICA_URL"), "TEST": {"MIRROR": "default"}}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"quote": "10000/min", "auth": "10000/min"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
CELERY_RESULT_BACKEND = REDIS_URL
# No timed recheck of the policy overrides: every test starts with none (tests/conftest.py) and
# an apply forgets them in the process itself, so a test sees the change at once and no query
# count depends on the clock.
POLICY_RECHECK_SECONDS = None
