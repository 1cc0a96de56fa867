"""The one-time codes' table. A code is never stored: ``code_digest`` is an HMAC of the
number, the purpose and the code under the installation's secret key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OtpPurpose(models.TextChoices):
    REGISTER = "register", _("Sign-up")
    LOGIN = "login", _("Login")
    RESET = "reset", _("Password reset")
    SIGN = "sign", _("Electronic signature")
    MOBILE_CHANGE = "mobile_change", _("Change of mobile number")


class OtpCode(models.Model):
    """One code sent (or, for a number with no login, the request answered as if sent: the
    limits count both alike)."""

    mobile = models.CharField(_("mobile"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=20, choices=OtpPurpose.choices)
    code_digest = models.CharField(max_length=64)
    client_ip = models.CharField(max_length=45, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # False when nothing was sent (no login for a login/reset code): such a code never verifies.
    sent = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("one-time code")
        indexes = [
            models.Index(fields=["mobile", "purpose", "-created_at"], name="otp_by_mobile"),
            models.Index(fields=["client_ip", "-created_at"], name="otp_by_address"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code ({self.created_at:%Y-%m-%d %H:%M})"
