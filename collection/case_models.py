"""Collection cases, the escalation ladder's steps, contact attempts, promises to pay,
write-offs and recoveries. (Imported by collection/models.py.)"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microloan.labels import register_codes
from microloan.money import MoneyField


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CollectionCase(models.Model):
    """One overdue episode of a loan: opened on its first overdue day, closed when the loan is
    current again. Escalation steps happen once per case."""

    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="collection_cases")
    branch = models.ForeignKey("microloan.Branch", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="collection_cases"
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    outcome = models.CharField(max_length=30, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["loan"], condition=Q(status="open"), name="one_open_case_per_loan")
        ]
        indexes = [models.Index(fields=["status", "branch"])]

    def __str__(self) -> str:
        return f"case {self.pk} loan {self.loan_id}"


STEP_LABELS = {
    "overdue_notice": _("Overdue notice to the borrower"),
    "officer_call": _("Officer phone call"),
    "field_visit": _("Field visit"),
    "branch_manager": _("Branch manager"),
    "legal_review": _("Legal / write-off review"),
}


class CaseStep(models.Model):
    """A step of the escalation ladder taken for a case (once: the unique constraint)."""

    case = models.ForeignKey(CollectionCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=30)
    business_date = models.DateField()
    days_past_due = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["business_date", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="one_step_per_case")]

    @property
    def label(self):
        return STEP_LABELS.get(self.step, self.step)


class ContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Field visit")
    LETTER = "letter", _("Letter")


# Whom a contact reached (the conduct rules refuse a third party) and what came of it: the
# contact form's and the API's choices, the attempt's columns.
CONTACT_PARTIES = [("borrower", _("Borrower")), ("guarantor", _("Guarantor")), ("third_party", _("Third party"))]
CONTACT_OUTCOMES = [
    ("promise", _("Promised to pay")),
    ("no_answer", _("No answer")),
    ("refused", _("Refused to pay")),
    ("wrong_number", _("Wrong number")),
    ("paid", _("Says paid")),
]
register_codes(CONTACT_OUTCOMES)

# Why the conduct rules refused a contact: stored as a code with its figures, so each reader
# sees it in their own language (the attempt keeps the text its actor saw, for the audit).
CONTACT_REFUSALS = {
    "third_party": _("No contact with third parties other than the loan's guarantors."),
    "quiet_hours": _("No contact between %(end)s and %(start)s borrower local time (now %(now)s)."),
    "dial_limit": _("Already %(n)d call attempts today for this borrower (limit %(max)d)."),
    "connected_limit": _("Already %(n)d connected calls today for this borrower (limit %(max)d)."),
}


def refusal_text(code: str, params: dict | None) -> str:
    """A refusal in the active language, from its code and figures."""
    return str(CONTACT_REFUSALS[code]) % (params or {})


class ContactAttempt(models.Model):
    """Every attempt is logged, including the ones the conduct rules refused (with why)."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="contacts")
    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    party = models.CharField(
        _("contacted party"),
        max_length=20,
        default="borrower",
        choices=CONTACT_PARTIES,
    )
    party_name = models.CharField(max_length=100, blank=True, default="")
    connected = models.BooleanField(default=False)
    outcome = models.CharField(max_length=30, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    refused = models.BooleanField(default=False)
    refusal_reason = models.CharField(max_length=200, blank=True, default="")
    refusal_code = models.CharField(max_length=20, blank=True, default="", choices=[(k, k) for k in CONTACT_REFUSALS])
    refusal_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["borrower", "at"])]

    @property
    def refusal(self) -> str:
        """Why the rules refused it, in the reader's language (older rows: the stored text)."""
        if self.refusal_code in CONTACT_REFUSALS:
            return refusal_text(self.refusal_code, self.refusal_params)
        return self.refusal_reason


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")


class PromiseToPay(models.Model):
    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises")
    amount = MoneyField()
    promised_on = models.DateField()
    made_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    checked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["promised_on", "id"]


class WriteOffStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class WriteOff(models.Model):
    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="write_offs")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=WriteOffStatus.choices, default=WriteOffStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    business_date = models.DateField(null=True, blank=True)
    principal = MoneyField(default=0)
    penalty = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status__in=["requested", "approved"]), name="one_live_write_off_per_loan"
            )
        ]


class RecoveryChannel(models.TextChoices):
    """How money on a written-off loan came in (the form and the API offer these)."""

    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    WALLET = "wallet", _("Wallet")
    COURT = "court", _("Court enforcement")
    COLLATERAL = "collateral", _("Sale of collateral")
    GUARANTOR = "guarantor", _("Paid by the guarantor")


register_codes(RecoveryChannel)


class RecoveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class Recovery(models.Model):
    """Money received on a written-off loan: income, not a repayment of a live loan. A
    maker-checker pair: one person records it (``pending``), another confirms it (its journal
    entry is posted then, never before) or returns it with a reason."""

    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="recoveries")
    amount = MoneyField()
    received_on = models.DateField()
    channel = models.CharField(max_length=30)
    reference = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=10, choices=RecoveryStatus.choices, default=RecoveryStatus.PENDING)
    # None: recorded by a payment channel's verified callback (anyone allowed confirms it).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The channel's transaction id, for a recovery a callback recorded: once per (channel, id).
    external_id = models.CharField(max_length=100, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="recovery_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="recovery_channel_txn_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"recovery {self.pk} loan {self.loan_id}"
