"""One way to start a real Celery worker in a test: the command line and the database URL that
points the worker at the test's own database."""

import os
import sys
from urllib.parse import quote

from django.db import connection


def worker_command(queue: str, *options: str) -> list[str]:
    """`celery worker` on a private queue, without the cluster chatter; options add to it
    (a name, a pool, a concurrency, a log level)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "microloan",
        "worker",
        "-Q",
        queue,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        *options,
    ]


def worker_database_url() -> str:
    """The URL of the database this test runs on, for a worker process to use."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    """The environment a worker on this test's database runs in: the test settings, the
    database URL, and whatever the test adds (Django's async escape hatch left out)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, "DJANGO_SETTINGS_MODULE": "microloan.settings.test", "DATABASE_URL": worker_database_url(), **extra}
