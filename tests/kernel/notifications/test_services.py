"""The outbox's services: a message is written with the event and handed to the broker only
after its commit, delivered once, kept out of the quiet hours, retried until the limit, and
handed over again when lost (real PostgreSQL)."""

import pytest
from django.db import transaction

from microloan.notifications.channels import NotificationDeliveryError
from microloan.notifications.models import Notification
from microloan.notifications.selectors import notifications_due
from microloan.notifications.services import (
    Outcome,
    notification_deliver,
    notification_enqueue,
    notifications_enqueue_many,
    notifications_resend_pending,
)

from .helpers import BROKEN_BACKEND, FILE_BACKEND, SHANGHAI, sms, utc

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


# --- delivery ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failure_is_recorded_and_retried_until_the_limit_then_marked_failed(settings):
    settings.SMS_BACKEND = BROKEN_BACKEND
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


# --- anonymisation -------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymising_erases_the_messages_of_those_ids_and_addresses_only():
    from microloan.notifications.services import notifications_anonymise

    from ..factories import UserFactory

    # given a borrower's in-app message, an SMS already sent to their mobile, one still
    # pending, and somebody else's message
    user, other = UserFactory(), UserFactory()
    inapp = Notification.objects.create(user=user, channel="inapp", body="王芳，您好", kind="k", status="sent")
    sent = Notification.objects.create(
        channel="sms", to_address="13800138000", subject="王芳", body="尊敬的王芳", kind="k", status="sent"
    )
    pending = Notification.objects.create(channel="sms", to_address="13800138000", body="王芳", kind="k2")
    theirs = Notification.objects.create(user=other, channel="sms", to_address="13900139000", body="李四", kind="k")
    # when
    assert notifications_anonymise(user_ids=[user.pk], addresses=["13800138000", ""]) == 3
    # then
    for n in (inapp, sent, pending):
        n.refresh_from_db()
        assert (n.to_address, n.subject, n.body) == ("", "", "")
    assert (inapp.status, sent.status, sent.last_error) == ("sent", "sent", "")
    assert (pending.status, pending.last_error) == ("failed", "anonymised")
    theirs.refresh_from_db()
    assert (theirs.to_address, theirs.body) == ("13900139000", "李四")
    # and a second run changes nothing
    assert notifications_anonymise(user_ids=[user.pk], addresses=["13800138000"]) == 0
