"""Staff two-factor authentication (TOTP, django-otp): the one home of who needs it and how a
code is checked, for the web login's second step, the token endpoint and the Django admin.

Who: the roles in ``settings.MICROLOAN_OTP_ROLES`` (managers and administrators by default)
and every superuser. A user who needs it and has no confirmed authenticator yet enrols one on
the web login's second step (the secret as text and as a QR code drawn inline as SVG), and
confirms it with a first code; until then the token endpoint refuses them.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator"


def otp_required(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in settings.MICROLOAN_OTP_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (made on first need, kept until confirmed,
    so reloading the page shows the same secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def clean_code(code) -> str | None:
    """The code as the authenticator shows it (6 digits; spaces allowed), or None."""
    text = "".join(str(code or "").split())
    return text if len(text) == 6 and text.isascii() and text.isdigit() else None


def verify(device: TOTPDevice, code) -> bool:
    """Checks a code against the device under a row lock (django-otp's throttle and its
    refusal of a code used before both need it); a first good code confirms an enrolment."""
    text = clean_code(code)
    if text is None:
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = locked.verify_token(text)
        if ok and not locked.confirmed:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
    if ok:
        device.refresh_from_db()
    return ok


def verify_user(user, code) -> TOTPDevice | None:
    """The confirmed device that accepts ``code`` for ``user``, or None."""
    device = confirmed_device(user)
    if device is None or not verify(device, code):
        return None
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the device's authenticator shows now (the demo's command, the tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def secret_text(device: TOTPDevice) -> str:
    """The secret in the base32 an authenticator app takes, in groups of four."""
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as an inline SVG QR code (drawn by the server: no CDN)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="TOTP")
    return mark_safe(svg)  # noqa: S308 - segno's own markup, no user input but the URL it encodes
