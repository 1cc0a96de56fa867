"""The borrower's own payments from the app (#13 point 4): payment orders (a payment started
in the app and settled by the channel's signed callback) and auto-debit mandates (代扣) with
the daily job's debit attempts. ``servicing/models.py`` imports these for the app registry."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.money import MoneyField


class PaymentOrderKind(models.TextChoices):
    DUE = "due", _("What is due")
    PAYOFF = "payoff", _("Pay off the loan")
    AMOUNT = "amount", _("An amount")


class PaymentOrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class PaymentOrder(models.Model):
    """A payment the borrower starts in the app: the channel's page takes the money and the
    channel's signed callback (``POST /api/v1/payments/callback/``, transaction id
    ``reference``) posts the repayment and settles the order."""

    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="payment_orders")
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentOrderKind.choices)
    amount = MoneyField(_("amount"))
    channel = models.CharField(_("channel"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentOrderStatus.choices, default=PaymentOrderStatus.PENDING
    )
    # The channel's transaction id for this order; the pay page's secret is ``token``.
    reference = models.CharField(max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    repayment = models.OneToOneField(
        "servicing.Repayment", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_order"
    )
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="payment_order_open")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class Mandate(models.Model):
    """An auto-debit authorisation (代扣授权): the channel may debit the borrower's account
    for each instalment on its due date."""

    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="mandates")
    channel = models.CharField(_("channel"), max_length=30)
    account_last4 = models.CharField(_("account (last 4 digits)"), max_length=4)
    status = models.CharField(_("status"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower"], condition=Q(status="active"), name="one_active_mandate_per_borrower"
            )
        ]

    def __str__(self) -> str:
        return f"mandate {self.channel} ****{self.account_last4} ({self.status})"


class DebitStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class DebitAttempt(models.Model):
    """One debit of one instalment on one business date (the job's idempotence: unique)."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="attempts")
    installment = models.ForeignKey("servicing.Installment", on_delete=models.PROTECT, related_name="debit_attempts")
    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="debit_attempts")
    business_date = models.DateField()
    amount = MoneyField(_("amount"))
    status = models.CharField(_("status"), max_length=10, choices=DebitStatus.choices)
    reason = models.CharField(_("failure reason"), max_length=200, blank=True, default="")
    reference = models.CharField(max_length=60, unique=True)
    repayment = models.OneToOneField(
        "servicing.Repayment", null=True, blank=True, on_delete=models.PROTECT, related_name="debit_attempt"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["installment", "business_date"], name="one_debit_per_installment_and_day")
        ]

    def __str__(self) -> str:
        return f"debit {self.reference} ({self.status})"
