"""The outbox's table: one ``Notification`` row per message, recipient and channel. The table
keeps its name (``microloan_notification``): the model is the kernel app's, only the module
moved. It imports nothing of ``microloan.models``, which imports it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    INAPP = "inapp", _("In-app")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one recipient on one channel (the outbox row).

    Kernel and generic: what it is about is ``kind`` plus a ``reference`` string such as
    "installment:12", never a foreign key into the lifecycle apps. ``dedupe_key`` (unique)
    makes "once per instalment and kind" a constraint rather than a hope.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="The in-app recipient.",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    to_address = models.CharField(
        _("to"), max_length=254, blank=True, default="", help_text="Mobile number or e-mail address; empty for in-app."
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=200, blank=True, default="")
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=40)
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="", db_index=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # The recipient's time zone: when set, delivery also keeps to the quiet hours there.
    tz_name = models.CharField(_("time zone"), max_length=50, blank=True, default="")
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # When the row was last handed to the broker; null means "not handed over": resend_pending
    # takes such rows at once, others only once they look lost.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # resend_pending's scan: the pending rows are few however large the table grows.
            models.Index(fields=["not_before"], condition=Q(status="pending"), name="notification_pending_due"),
            models.Index(fields=["user", "channel", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.kind} {self.reference} ({self.status})"
