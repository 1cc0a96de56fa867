"""Shared by the notification tests: message arguments, a failing SMS backend, real Celery
workers on a private queue of the test Redis, and a broker that is down."""

import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from microloan.celery import app as celery_app
from microloan.notifications import SmsBackend
from tests.celery_support import worker_command, worker_env

ROOT = Path(__file__).resolve().parents[3]
FILE_BACKEND = "microloan.notifications.channels.FileSmsBackend"
BROKEN_BACKEND = f"{__name__}.BrokenSmsBackend"
DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there
SHANGHAI = "Asia/Shanghai"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sms(**kw):
    return {
        "channel": "sms",
        "to_address": "13900000001",
        "language": "en",
        "body": "Payment received.",
        "kind": "repayment_received",
        "reference": "loan:1",
        **kw,
    }


class BrokenSmsBackend(SmsBackend):
    """A gateway that is always unreachable (``BROKEN_BACKEND`` names it for ``SMS_BACKEND``)."""

    def send(self, to, text):
        raise ConnectionError("gateway unreachable")


# --- real workers --------------------------------------------------------------------------


def wait_for(predicate, timeout=60.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def celery_workers(count: int, *, tmp_path: Path, env: dict | None = None):
    """Starts ``count`` real worker processes on a private queue of the test Redis, on this
    test's database (the test must be ``transaction=True`` so they see its data), and yields
    the queue name once every worker answers a ping."""
    queue = f"test-notify-{uuid.uuid4().hex[:8]}"
    environment = worker_env(**(env or {}))
    host = socket.gethostname()
    names = [f"{queue}-{i}@{host}" for i in range(count)]
    procs, logs = [], []
    try:
        for name in names:
            log = open(tmp_path / f"{name.split('@')[0]}.log", "w+")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    worker_command(queue, "-n", name, "--pool=solo", "--loglevel=INFO"),
                    cwd=ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

        def all_ready():
            assert all(p.poll() is None for p in procs), "a worker died"
            replies = celery_app.control.ping(destination=names, timeout=0.5) or []
            return {name for reply in replies for name in reply} >= set(names)

        wait_for(all_ready, timeout=90, what="the workers to start")
        yield queue
    except BaseException:
        for log in logs:
            log.flush()
            log.seek(0)
            sys.stderr.write(log.read()[-5000:])
        raise
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()


@contextmanager
def broker_down():
    """Points this process's Celery producer at a port where nothing listens."""

    def reset_pools():
        # Celery caches the connection and producer pools built for the old URL.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = DEAD_BROKER
    reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = saved
        reset_pools()
