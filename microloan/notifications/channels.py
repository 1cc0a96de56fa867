"""Delivery by channel: SMS through a small backend interface (``SmsBackend``: console or
JSON-lines file by default; a gateway adapter plugs in through ``SMS_BACKEND``), e-mail through
Django's mail backends, and in-app messages "sent" by becoming visible in the user's list."""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Channel, Notification


class NotificationDeliveryError(Exception):
    """A channel refused or failed a message; the failure is recorded and the task retries."""


# --- SMS backends ("microloan.sms") ------------------------------------------------------


class SmsBackend:
    """Sends one text message. Subclasses raise on failure, so the delivery is retried."""

    def send(self, to: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Prints each message to standard output (development and demos). With
    ``SMS_CONSOLE_CLEAR`` off (the production settings' default) the line holds the mobile
    masked and the body's length only: a log line carries no personal data."""

    def send(self, to: str, text: str) -> None:
        if getattr(settings, "SMS_CONSOLE_CLEAR", True):
            line = f"[SMS to {to}] {text}"
        else:
            from microloan.pii import mask_mobile

            line = f"[SMS to {mask_mobile(to)}] ({len(text)} characters)"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class FileSmsBackend(SmsBackend):
    """Appends each message as one JSON line to ``SMS_FILE_PATH`` (default ``var/sms.log``).

    The path may also come from the environment variable of the same name, which is how a
    test points a worker subprocess at its own file without touching the settings.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(
            path
            or getattr(settings, "SMS_FILE_PATH", None)
            or os.environ.get("SMS_FILE_PATH")
            or Path(settings.BASE_DIR) / "var" / "sms.log"
        )

    def send(self, to: str, text: str) -> None:
        line = json.dumps({"at": timezone.now().isoformat(), "to": to, "text": text}, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            # Several worker processes append to the same file: one whole line each.
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


DEFAULT_SMS_BACKEND = "microloan.notifications.channels.ConsoleSmsBackend"


def sms_backend() -> SmsBackend:
    """The configured backend: ``SMS_BACKEND`` (a dotted path) from the settings, else the
    environment, else the console."""
    path = getattr(settings, "SMS_BACKEND", None) or os.environ.get("SMS_BACKEND") or DEFAULT_SMS_BACKEND
    return import_string(path)()


# --- sending one message -------------------------------------------------------------------


def channel_send(n: Notification) -> None:
    """Sends ``n`` on its channel; raises when the channel refuses or fails it."""
    if n.channel == Channel.SMS:
        sms_backend().send(n.to_address, n.body)
    elif n.channel == Channel.EMAIL:
        EmailMessage(subject=n.subject, body=n.body, to=[n.to_address]).send(fail_silently=False)
    elif n.channel == Channel.INAPP:
        pass  # sending is becoming visible in the user's list
    else:
        raise NotificationDeliveryError(f"unknown channel {n.channel!r}")
