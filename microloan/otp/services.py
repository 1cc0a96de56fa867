"""Requesting and checking one-time SMS codes: the one home of their rules.

- A code is 6 digits, valid ``OTP_TTL_SECONDS`` (300), kept only as a keyed digest.
- Requests are limited per number (one per ``OTP_RESEND_SECONDS``, 60, and
  ``OTP_PER_MOBILE_PER_HOUR``, 5, for each purpose) and per client address
  (``OTP_PER_ADDRESS_PER_HOUR``, 20, every number and purpose together; the address is
  ``microloan.net.client_ip``'s). The limits count the table's rows, so they hold across
  processes and survive a cache outage.
- A code takes ``OTP_MAX_ATTEMPTS`` (5) wrong tries; then it is spent and a new one is needed.
- A code verifies once.
- The answer to a request is the same whether or not the number has a login: for a login,
  reset or signing code to a number with no login nothing is sent, but the row
  is written and counted alike.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from microloan.errors import DomainError, InvalidInput

from .models import OtpCode, OtpPurpose


class OtpRateLimited(DomainError):
    """Too many codes asked for: 429 with a ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int):
        self.message, self.retry_after = str(message), int(retry_after)
        super().__init__(self.message)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def ttl() -> timedelta:
    return timedelta(seconds=_setting("OTP_TTL_SECONDS", 300))


def max_attempts() -> int:
    return _setting("OTP_MAX_ATTEMPTS", 5)


def mobile_clean(value, field: str = "mobile") -> str:
    """A mobile number, digits with an optional leading ``+`` (7 to 15 digits; spaces and
    dashes dropped), or InvalidInput on ``field``."""
    digits = str(value or "").replace(" ", "").replace("-", "")
    bare = digits.removeprefix("+")
    if not (bare.isascii() and bare.isdigit() and 7 <= len(bare) <= 15):
        raise InvalidInput({field: [_("Enter a phone number of 7 to 15 digits.")]})
    return digits


def _digest(mobile: str, purpose: str, code: str) -> str:
    return salted_hmac("microloan.otp", f"{mobile}:{purpose}:{code}", algorithm="sha256").hexdigest()


def login_for_mobile(mobile: str):
    """The borrower login a number belongs to: the login named by it (a self-registered
    borrower's user name is the number) or the login of the borrower record with that mobile.
    None when there is none."""
    from microloan.models import Role, User

    return (
        User.objects.filter(role=Role.BORROWER, is_active=True)
        .filter(Q(username=mobile) | Q(borrower_profile__mobile=mobile))
        .order_by("pk")
        .first()
    )


def _check_limits(mobile: str, purpose: str, ip: str, now: datetime) -> None:
    hour = now - timedelta(hours=1)
    resend = timedelta(seconds=_setting("OTP_RESEND_SECONDS", 60))
    mine = OtpCode.objects.filter(mobile=mobile, purpose=purpose, created_at__gt=hour)
    last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < resend:
        wait = int((last + resend - now).total_seconds()) + 1
        raise OtpRateLimited(_("A code was sent a moment ago: wait a minute before asking again."), wait)
    if mine.count() >= _setting("OTP_PER_MOBILE_PER_HOUR", 5):
        raise OtpRateLimited(_("Too many codes for this number: try again in an hour."), 3600)
    if ip and OtpCode.objects.filter(client_ip=ip, created_at__gt=hour).count() >= _setting(
        "OTP_PER_ADDRESS_PER_HOUR", 20
    ):
        raise OtpRateLimited(_("Too many codes from this address: try again in an hour."), 3600)


def _text(purpose: str, code: str, minutes: int) -> str:
    fields = {"code": code, "minutes": minutes}
    if purpose == OtpPurpose.SIGN:
        return (
            _("Your signing code is %(code)s, valid for %(minutes)s minutes. Entering it signs your loan contract.")
            % fields
        )
    return _("Your verification code is %(code)s, valid for %(minutes)s minutes. Never tell it to anyone.") % fields


@dataclass(frozen=True)
class OtpRequested:
    expires_in: int  # seconds
    resend_after: int  # seconds


def otp_request(*, mobile, purpose: str, client_ip: str = "", language: str | None = None, now=None) -> OtpRequested:
    """Issues a code for ``mobile`` and ``purpose`` and writes its SMS to the outbox (in
    this transaction); raises OtpRateLimited over a limit, InvalidInput for a bad number or
    purpose. The caller learns nothing about whether the number has a login."""
    from microloan.notifications import Channel, notification_enqueue, reader_language, sms_signature

    mobile = mobile_clean(mobile)
    if purpose not in OtpPurpose.values:
        raise InvalidInput({"purpose": [_("Unknown purpose.")]})
    now = now or timezone.now()
    with transaction.atomic():
        # One request at a time per number: two parallel requests cannot both pass the limits.
        list(OtpCode.objects.select_for_update().filter(mobile=mobile, purpose=purpose).order_by("-created_at")[:1])
        _check_limits(mobile, purpose, client_ip, now)
        user = login_for_mobile(mobile)
        # A sign-up code and a new number's code go to any number (a known one learns so only in
        # its own SMS inbox); the others only to a number with a login.
        send = purpose in (OtpPurpose.REGISTER, OtpPurpose.MOBILE_CHANGE) or user is not None
        code = f"{secrets.randbelow(10**6):06d}"
        OtpCode.objects.create(
            mobile=mobile,
            purpose=purpose,
            code_digest=_digest(mobile, purpose, code),
            client_ip=client_ip or "",
            created_at=now,
            expires_at=now + ttl(),
            sent=send,
        )
        if send:
            lang = reader_language(language or (user.language if user is not None else None))
            with translation.override(lang):
                body = sms_signature(lang) + _text(purpose, code, int(ttl().total_seconds() // 60))
            notification_enqueue(
                channel=Channel.SMS,
                to_address=mobile,
                language=lang,
                body=body,
                kind="otp",
                reference=f"otp:{purpose}",
                now=now,
            )
    return OtpRequested(expires_in=int(ttl().total_seconds()), resend_after=_setting("OTP_RESEND_SECONDS", 60))


WRONG_CODE = "wrong_code"


def otp_verify(*, mobile, purpose: str, code, field: str = "code", now=None) -> None:
    """Spends the number's latest code for ``purpose`` when ``code`` matches it; otherwise
    counts the attempt and raises InvalidInput on ``field``. Runs in its own transaction (a
    savepoint when called inside one): the caller must let a wrong attempt's count commit,
    so call it before the change it guards and outside any transaction that rolls back on
    the error (the API views here do)."""
    mobile = mobile_clean(mobile, "mobile")
    code = str(code or "").strip()
    now = now or timezone.now()
    wrong = InvalidInput({field: [_("Wrong or expired code.")]})
    with transaction.atomic():
        row = (
            OtpCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.expires_at <= now or row.attempts >= max_attempts():
            raise wrong
        row.attempts += 1
        matches = row.sent and constant_time_compare(row.code_digest, _digest(mobile, purpose, code))
        if matches:
            row.used_at = now
        row.save(update_fields=["attempts", "used_at"])
    if not matches:
        raise wrong
