"""Notifications: an outbox that Celery delivers by channel (SMS, e-mail, in-app).

A message that must reach somebody is written as a ``Notification`` row in the same
transaction as the event that causes it (``notification_enqueue`` /
``notifications_enqueue_many``); only after that transaction commits is the broker told
(``transaction.on_commit``). When the broker is down the row simply stays ``pending`` and the
``microloan.notifications.resend_pending`` beat job hands it over later, so nothing is lost and
nothing is sent for an event that was rolled back.

Delivery (``notification_deliver``) locks the row, so two workers holding the same id send it
once; it honours ``not_before`` and, when the row carries the recipient's time zone, the quiet
hours (no automatic message between ``NOTIFY_QUIET_START`` and ``NOTIFY_QUIET_END`` local
time, 22:00-08:00 by default): a message that comes due inside them is held back until they end.

SMS goes through a small backend interface (``SmsBackend``: console or JSON-lines file by
default; a gateway adapter plugs in through ``SMS_BACKEND``), e-mail through Django's mail
backends, and in-app messages are "sent" by becoming visible at ``GET /api/v1/me/notifications/``.

The package: ``models`` (the outbox table and its choices), ``quiet_hours``
(``next_allowed_time``), ``channels`` (the SMS backends and sending by channel), ``texts``
(the reader's language, the SMS signature), ``selectors`` (rows due, the in-app inbox),
``services`` (enqueue, publish, deliver, resend, mark read, anonymise), ``tasks`` (the Celery tasks, loaded
by ``microloan/tasks.py``) and ``api`` (``/api/v1/me/notifications/``, imported by the URLconf
only). The names other apps use are re-exported here, the SMS backends too, so a dotted path
such as ``microloan.notifications.FileSmsBackend`` in ``SMS_BACKEND`` keeps working; ``models``
is imported by ``microloan/models.py`` for the app registry. Nothing here imports
``microloan.models`` at module level: it imports this package.
"""

from .channels import (
    ConsoleSmsBackend,
    FileSmsBackend,
    NotificationDeliveryError,
    SmsBackend,
    channel_send,
    sms_backend,
)
from .models import Channel, Notification, NotificationStatus
from .quiet_hours import next_allowed_time
from .selectors import inbox_for, notifications_due
from .services import (
    Outcome,
    max_attempts,
    notification_deliver,
    notification_enqueue,
    notification_mark_failed,
    notification_mark_read,
    notifications_anonymise,
    notifications_enqueue_many,
    notifications_publish,
    notifications_resend_pending,
)
from .texts import reader_language, sms_signature

__all__ = [
    "Channel",
    "ConsoleSmsBackend",
    "FileSmsBackend",
    "Notification",
    "NotificationDeliveryError",
    "NotificationStatus",
    "Outcome",
    "SmsBackend",
    "channel_send",
    "inbox_for",
    "max_attempts",
    "next_allowed_time",
    "notification_deliver",
    "notification_enqueue",
    "notification_mark_failed",
    "notification_mark_read",
    "notifications_anonymise",
    "notifications_due",
    "notifications_enqueue_many",
    "notifications_publish",
    "notifications_resend_pending",
    "reader_language",
    "sms_backend",
    "sms_signature",
]
