"""The outbox's Celery tasks: deliver retries then gives up, and resend_pending on a real worker
delivers what was written while the broker was down (real Redis, real workers)."""

import json
import time

import pytest
from django.db import transaction

from microloan.celery import app as celery_app
from microloan.notifications.models import Notification
from microloan.notifications.services import notification_enqueue
from microloan.notifications.tasks import deliver, resend_pending

from .helpers import BROKEN_BACKEND, FILE_BACKEND, broker_down, celery_workers, sms, wait_for


def test_the_task_names_stay_the_ones_producers_beat_and_queued_messages_use():
    names = ("microloan.notifications.deliver", "microloan.notifications.resend_pending")
    assert (deliver.name, resend_pending.name) == names
    assert set(names) <= set(celery_app.tasks)
    assert celery_app.conf.beat_schedule["notifications.resend_pending"]["task"] == resend_pending.name


@pytest.mark.django_db
def test_the_deliver_task_retries_then_its_failure_hook_gives_up(settings):
    # given a gateway that always fails and a limit the retries reach first
    settings.SMS_BACKEND = BROKEN_BACKEND
    settings.NOTIFY_MAX_ATTEMPTS = 100
    n = notification_enqueue(**sms())
    # when the task runs (eagerly: its retries run at once)
    result = deliver.apply(args=[n.pk])
    # then it tried 1 + max_retries times and the failure hook marked the row failed
    assert result.failed()
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("failed", 1 + deliver.max_retries)
    assert "gateway unreachable" in n.last_error


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
