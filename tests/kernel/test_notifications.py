"""The notification outbox: written with the event, delivered once by channel, kept out of the
quiet hours, and not lost while the broker is down (real PostgreSQL, real Redis, real workers)."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection, transaction

from microloan.celery import app as celery_app
from microloan.models import Role
from microloan.notifications import (
    FileSmsBackend,
    Notification,
    NotificationDeliveryError,
    Outcome,
    SmsBackend,
    next_allowed_time,
    notification_deliver,
    notification_enqueue,
    notifications_due,
    notifications_enqueue_many,
    notifications_resend_pending,
)
from microloan.notifications_tasks import deliver, resend_pending

from ..conftest import client_for
from .factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
FILE_BACKEND = "microloan.notifications.FileSmsBackend"
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
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    database_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    worker_env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "microloan.settings.test",
        "DATABASE_URL": database_url,
        **(env or {}),
    }
    host = socket.gethostname()
    names = [f"{queue}-{i}@{host}" for i in range(count)]
    procs, logs = [], []
    try:
        for name in names:
            log = open(tmp_path / f"{name.split('@')[0]}.log", "w+")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "microloan",
                        "worker",
                        "-Q",
                        queue,
                        "-n",
                        name,
                        "--pool=solo",
                        "--without-heartbeat",
                        "--without-gossip",
                        "--without-mingle",
                        "--loglevel=INFO",
                    ],
                    cwd=ROOT,
                    env=worker_env,
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


# --- quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now,expected",
    [
        (utc(2026, 11, 20, 15, 30), utc(2026, 11, 21, 0, 0)),  # 23:30 Shanghai -> 08:00 next day
        (utc(2026, 11, 20, 14, 0), utc(2026, 11, 21, 0, 0)),  # 22:00 sharp is already quiet
        (utc(2026, 11, 20, 23, 59), utc(2026, 11, 21, 0, 0)),  # 07:59 -> 08:00 the same day
        (utc(2026, 11, 20, 16, 0), utc(2026, 11, 21, 0, 0)),  # 00:00 -> 08:00 the same day
        (utc(2026, 11, 21, 0, 0), utc(2026, 11, 21, 0, 0)),  # 08:00 sharp is allowed
        (utc(2026, 11, 20, 13, 59), utc(2026, 11, 20, 13, 59)),  # 21:59 is allowed
    ],
)
def test_next_allowed_time_keeps_out_of_22_to_08_local(now, expected):
    assert next_allowed_time(now, SHANGHAI) == expected


def test_next_allowed_time_follows_the_recipients_zone_and_the_settings(settings):
    # 08:05 in Shanghai is 00:05 in London: held back to 08:00 London time (GMT in November)
    assert next_allowed_time(utc(2026, 11, 20, 0, 5), "Europe/London") == utc(2026, 11, 20, 8, 0)
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    assert next_allowed_time(utc(2026, 11, 20, 13, 30), SHANGHAI) == utc(2026, 11, 21, 1, 0)  # 21:30
    assert next_allowed_time(utc(2026, 11, 20, 0, 30), SHANGHAI) == utc(2026, 11, 20, 1, 0)  # 08:30
    # explicit arguments win; a window across midnight works too
    assert next_allowed_time(utc(2026, 11, 20, 12, 0), SHANGHAI, start="22:00", end="06:00") == utc(2026, 11, 20, 14, 0)


# --- the outbox is part of the event's transaction ------------------------------------------


@pytest.mark.django_db
def test_a_rolled_back_event_leaves_no_notification_and_sends_nothing(django_capture_on_commit_callbacks):
    # given an event whose transaction fails after writing its notification
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_enqueue(**sms())
            raise RuntimeError("the event failed")
    # then neither the row nor a delivery survives
    assert not Notification.objects.exists()
    assert callbacks == []


@pytest.mark.django_db
def test_a_committed_event_hands_its_notification_to_the_broker_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            n = notification_enqueue(**sms())
    assert len(callbacks) == 1
    n.refresh_from_db()
    assert (n.status, n.attempts, n.enqueued_at is not None) == ("pending", 0, True)


@pytest.mark.django_db
def test_a_dedupe_key_inserts_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = notification_enqueue(**sms(dedupe_key="receipt:7"))
        second = notification_enqueue(**sms(dedupe_key="receipt:7", body="again"))
    assert first is not None and second is None and len(callbacks) == 1
    assert list(Notification.objects.values_list("body", flat=True)) == ["Payment received."]
    assert notifications_enqueue_many([sms(dedupe_key="receipt:7"), sms(dedupe_key="receipt:8"), sms()]) == 2
    assert notifications_enqueue_many([sms(dedupe_key="receipt:7"), sms(dedupe_key="receipt:8")]) == 0
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_bad_notifications_are_refused():
    with pytest.raises(ValueError):
        notification_enqueue(**sms(channel="fax"))
    with pytest.raises(ValueError):
        notification_enqueue(**sms(to_address=""))
    with pytest.raises(ValueError):
        notification_enqueue(**sms(channel="inapp", to_address=""))


# --- delivery by channel -------------------------------------------------------------------


@pytest.mark.django_db
def test_sms_goes_through_the_configured_backend_once(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = FILE_BACKEND, str(tmp_path / "sms.log")
    n = notification_enqueue(**sms(body="您的还款已收到。"))
    assert notification_deliver(notification_id=n.pk) == Outcome.SENT
    assert notification_deliver(notification_id=n.pk) == Outcome.ALREADY_DONE
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["to"] == "13900000001"
    assert json.loads(lines[0])["text"] == "您的还款已收到。"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.sent_at is not None) == ("sent", 1, True)


def test_the_file_backend_falls_back_to_the_environment(monkeypatch, tmp_path, settings):
    monkeypatch.setenv("SMS_FILE_PATH", str(tmp_path / "env.log"))
    assert FileSmsBackend().path == tmp_path / "env.log"


@pytest.mark.django_db
def test_email_goes_through_djangos_mail_backend():
    n = notification_enqueue(
        channel="email",
        to_address="b@example.cn",
        language="en",
        subject="Receipt",
        body="Thank you.",
        kind="repayment_received",
    )
    assert notification_deliver(notification_id=n.pk) == Outcome.SENT
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [("Receipt", ["b@example.cn"], "Thank you.")]


@pytest.mark.django_db
def test_a_failure_is_recorded_and_retried_until_the_limit_then_marked_failed(settings):
    settings.SMS_BACKEND = f"{__name__}.BrokenSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    n = notification_enqueue(**sms())
    with pytest.raises(NotificationDeliveryError):
        notification_deliver(notification_id=n.pk)
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("pending", 1) and "gateway unreachable" in n.last_error
    assert notification_deliver(notification_id=n.pk) == Outcome.FAILED
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("failed", 2)
    assert not notifications_due().filter(pk=n.pk).exists()


@pytest.mark.django_db
def test_the_deliver_task_retries_then_its_failure_hook_gives_up(settings):
    # given a gateway that always fails and a limit the retries reach first
    settings.SMS_BACKEND = f"{__name__}.BrokenSmsBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 100
    n = notification_enqueue(**sms())
    # when the task runs (eagerly: its retries run at once)
    result = deliver.apply(args=[n.pk])
    # then it tried 1 + max_retries times and the failure hook marked the row failed
    assert result.failed()
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("failed", 1 + deliver.max_retries)
    assert "gateway unreachable" in n.last_error


@pytest.mark.django_db
def test_a_message_due_inside_the_quiet_hours_is_held_back_not_sent(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = FILE_BACKEND, str(tmp_path / "sms.log")
    # created at 21:55 Shanghai, due at once ...
    n = notification_enqueue(**sms(tz_name=SHANGHAI), now=utc(2026, 11, 20, 13, 55))
    assert n.not_before == utc(2026, 11, 20, 13, 55)
    # ... but the worker only gets to it at 22:10: it moves to 08:00 instead of going out
    assert notification_deliver(notification_id=n.pk, now=utc(2026, 11, 20, 14, 10)) == Outcome.DEFERRED
    n.refresh_from_db()
    assert (n.status, n.not_before, n.enqueued_at) == ("pending", utc(2026, 11, 21, 0, 0), None)
    assert notifications_resend_pending(now=utc(2026, 11, 20, 23, 59)) == 0
    assert notifications_resend_pending(now=utc(2026, 11, 21, 0, 1)) == 1
    assert notification_deliver(notification_id=n.pk, now=utc(2026, 11, 21, 0, 1)) == Outcome.SENT
    assert len((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.django_db
def test_resend_takes_rows_never_handed_over_at_once_and_lost_ones_after_a_minute():
    now = utc(2026, 11, 20, 3, 0)
    handed = notification_enqueue(**sms(), now=now)  # due at once: handed to the broker on commit
    never = notification_enqueue(**sms(not_before=utc(2026, 11, 20, 2, 0)), now=utc(2026, 11, 20, 1, 0))
    assert never.enqueued_at is None
    assert set(notifications_due(now=now).values_list("id", flat=True)) == {never.pk}
    later = utc(2026, 11, 20, 3, 2)
    assert set(notifications_due(now=later).values_list("id", flat=True)) == {never.pk, handed.pk}
    assert notifications_resend_pending(now=later, chunk=1) == 2  # in chunks of one
    assert notifications_resend_pending(now=later) == 0  # claimed: a second run takes nothing


# --- the API -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.kernel.notifications_urls")
def test_me_notifications_lists_only_my_delivered_in_app_messages(django_assert_num_queries):
    me = UserFactory(username="me_borrower", role=Role.BORROWER)
    other = UserFactory(username="other_borrower", role=Role.BORROWER)
    mine = []
    for i, at in enumerate([utc(2026, 11, 20, 2), utc(2026, 11, 21, 2)]):
        n = notification_enqueue(
            channel="inapp",
            user=me,
            language="en",
            subject=f"Reminder {i}",
            body=f"Pay instalment {i}.",
            kind="reminder_due",
            now=at,
        )
        notification_deliver(notification_id=n.pk, now=at)
        mine.append(n)
    notification_enqueue(
        channel="inapp", user=me, language="en", body="Not yet.", kind="reminder_due", not_before=utc(2099, 1, 1)
    )
    notification_enqueue(**sms(), now=utc(2026, 11, 20, 2))
    theirs = notification_enqueue(channel="inapp", user=other, language="en", body="Theirs.", kind="reminder_due")
    notification_deliver(notification_id=theirs.pk)

    with django_assert_num_queries(2):  # the count and the page, however many rows
        r = client_for(me).get("/api/v1/me/notifications/")
    assert r.status_code == 200, r.content
    assert r.data["count"] == 2 and [x["id"] for x in r.data["results"]] == [mine[1].pk, mine[0].pk]
    assert set(r.data["results"][0]) == {"id", "kind", "subject", "body", "created_at", "read_at"}
    assert r.data["results"][0]["body"] == "Pay instalment 1." and r.data["results"][0]["read_at"] is None

    assert client_for(me).post(f"/api/v1/me/notifications/{theirs.pk}/read/").status_code == 404
    r = client_for(me).post(f"/api/v1/me/notifications/{mine[0].pk}/read/")
    assert r.status_code == 200 and r.data["read_at"] is not None
    first_read = r.data["read_at"]
    assert client_for(me).post(f"/api/v1/me/notifications/{mine[0].pk}/read/").data["read_at"] == first_read
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/me/notifications/").status_code == 401


# --- the broker down -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.machine_clock
def test_a_notification_written_while_the_broker_is_down_is_delivered_after_it_comes_back(tmp_path):
    sms_file = tmp_path / "sms.log"
    # given the broker is down when an event commits with its notification
    with broker_down():
        started = time.monotonic()
        with transaction.atomic():
            n = notification_enqueue(**sms(body="Your repayment of CNY 100.00 was received."))
        # then the event's commit neither failed nor hung, and the row waits, marked not handed over
        assert time.monotonic() - started < 10
    n.refresh_from_db()
    assert (n.status, n.enqueued_at, n.attempts) == ("pending", None, 0)
    # when the broker is back and the beat's resend_pending runs on a real worker
    with celery_workers(
        1, tmp_path=tmp_path, env={"SMS_BACKEND": FILE_BACKEND, "SMS_FILE_PATH": str(sms_file)}
    ) as queue:
        resend_pending.apply_async(queue=queue)
        wait_for(lambda: Notification.objects.get(pk=n.pk).status == "sent", what="the delivery")
    # then it was delivered, once
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [(x["to"], x["text"]) for x in lines] == [("13900000001", "Your repayment of CNY 100.00 was received.")]
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 1)
