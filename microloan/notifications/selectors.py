"""Reading the outbox: the rows due for (re)delivery and a user's in-app inbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Channel, Notification, NotificationStatus


def notifications_due(*, now: datetime | None = None):
    """Pending rows that are due and not in the broker's hands: never handed over, or handed
    over longer than ``NOTIFY_RESEND_AFTER_SECONDS`` (60) ago and apparently lost."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=int(getattr(settings, "NOTIFY_RESEND_AFTER_SECONDS", 60)))
    return Notification.objects.filter(status=NotificationStatus.PENDING, not_before__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale)
    )


def inbox_for(*, user):
    """The user's in-app notifications that have been delivered, newest first."""
    return Notification.objects.filter(user=user, channel=Channel.INAPP, status=NotificationStatus.SENT).order_by(
        "-created_at", "-id"
    )
