"""Charges: the fees beyond the upfront fee that a loan's product defines (servicing.charges)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microloan.ledger import JournalEntry
from microloan.money import MoneyField


class ChargeKind(models.TextChoices):
    LATE_FEE = "late_fee", _("Late-payment fee")
    SERVICE_FEE = "service_fee", _("Service fee")
    INSURANCE_FEE = "insurance_fee", _("Insurance fee")
    PREPAYMENT_FEE = "prepayment_fee", _("Prepayment fee")


# The kinds charged at most once per instalment (the prepayment fee is once per repayment).
PER_INSTALLMENT = (ChargeKind.LATE_FEE, ChargeKind.SERVICE_FEE, ChargeKind.INSURANCE_FEE)


class ChargeStatus(models.TextChoices):
    """The waiver's lifecycle (servicing.workflow.CHARGE_WORKFLOW). Whether a charge is paid is
    read from its instalment's fee paid, never kept here."""

    OPEN = "open", _("Open")
    WAIVER_REQUESTED = "waiver_requested", _("Waiver requested")
    WAIVED = "waived", _("Waived")


class Charge(models.Model):
    """One fee charged on one instalment: added to the instalment's fee due (the allocation's
    fee bucket) and booked Dr fee receivable / Cr fee income in ``entry``. A waiver, approved
    by a second person, adds ``waived`` to the instalment's fee waived and books it back."""

    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="charges")
    installment = models.ForeignKey("servicing.Installment", on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind.choices)
    amount = MoneyField(_("amount"))
    charged_on = models.DateField(_("charged on"))
    status = models.CharField(_("status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.OPEN)
    waived = MoneyField(_("waived"), default=0)
    waiver_reason = models.TextField(_("reason for the waiver"), blank=True, default="")
    repayment = models.ForeignKey(
        "servicing.Repayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charges",
        help_text="The early payment a prepayment fee was charged at.",
    )
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["installment__number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installment", "kind"],
                condition=Q(kind__in=[k.value for k in PER_INSTALLMENT]),
                name="servicing_one_charge_per_installment_kind",
            ),
            models.UniqueConstraint(
                fields=["repayment", "kind"],
                condition=Q(repayment__isnull=False),
                name="servicing_one_charge_per_repayment_kind",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="servicing_charge_amount_positive"),
            models.CheckConstraint(
                condition=Q(waived__gte=0) & Q(waived__lte=models.F("amount")), name="servicing_charge_waived_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on {self.installment_id}"
