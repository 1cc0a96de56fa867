"""Servicing: contracts, loans, their instalments (the schedule), and disbursements."""
# Long module: the app's models in one place, where Django finds them (contracts, loans and their
# schedules, disbursements, repayments and their allocations, restructurings).

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Borrower, Product
from microloan.models import Branch
from microloan.money import MoneyField, RateField


class SignMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ELECTRONIC = "electronic", _("Electronic")


class Contract(models.Model):
    """借款合同: one generated PDF version. Regenerating after a change makes a new version;
    the PDF's SHA-256 is kept so a stored file can be checked against what was signed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="contracts")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    number = models.CharField(max_length=40)
    pdf = models.FileField(upload_to="contracts/")
    sha256 = models.CharField(max_length=64)
    terms = models.JSONField(default=dict)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_on = models.DateField(null=True, blank=True, help_text="The business date of the signing.")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sign_method = models.CharField(max_length=12, choices=SignMethod.choices, blank=True, default="")
    # What was signed and from where (the borrower's electronic signature; staff's in person too).
    signed_sha256 = models.CharField(max_length=64, blank=True, default="")
    signed_ip = models.CharField(max_length=45, blank=True, default="")
    signed_device = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["application", "version"], name="one_contract_version")]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    WRITTEN_OFF = "written_off", _("Written off")
    RESTRUCTURED = "restructured", _("Restructured")

    LIVE: ClassVar[frozenset[str]]  # set below: an annotation alone is no member

    @classmethod
    def live_sql(cls) -> str:
        """LIVE as an SQL list, for the set-based jobs: ``('active', 'restructured')``."""
        return "(" + ", ".join(f"'{s}'" for s in sorted(cls.LIVE)) + ")"


# A live loan is still running: it has a balance, the daily close ages it, it can be repaid,
# restructured or written off, customer service reviews it. The one definition of the set
# (Python, the ORM through Loan.objects.live(), SQL through LoanStatus.live_sql()).
LoanStatus.LIVE = frozenset({LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED})


class LoanQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LoanStatus.LIVE)


class Bucket(models.TextChoices):
    CURRENT = "current", _("Current")
    B1_30 = "1-30", _("1–30 days")
    B31_60 = "31-60", _("31–60 days")
    B61_90 = "61-90", _("61–90 days")
    B91_180 = "91-180", _("91–180 days")
    B180_PLUS = "180+", _("Over 180 days")


class Classification(models.TextChoices):
    NORMAL = "normal", _("Normal (正常)")
    SPECIAL_MENTION = "special_mention", _("Special mention (关注)")
    SUBSTANDARD = "substandard", _("Substandard (次级)")
    DOUBTFUL = "doubtful", _("Doubtful (可疑)")
    LOSS = "loss", _("Loss (损失)")


class AccrualStatus(models.TextChoices):
    """Whether the loan's earned interest is on the books (``accruing``) or off them
    (``non_accrual``, 停止计息: past the policy's threshold; see servicing/accrual.py)."""

    ACCRUING = "accruing", _("Accruing")
    NON_ACCRUAL = "non_accrual", _("Non-accrual (off balance)")


class Loan(models.Model):
    """A disbursed loan. Amounts due and paid live on its instalments; the figures below are
    kept in step with them in the same transaction as every posting, so lists and the daily
    close read one row per loan."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="loan")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="loans")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="loans")
    principal = MoneyField(_("principal"))
    fee = MoneyField(_("upfront fee"), default=0)
    annual_rate = RateField(_("annual rate"))
    penalty_rate = RateField(_("penalty annual rate"))
    apr = RateField(_("APR"))
    term = models.PositiveSmallIntegerField(_("term"))
    frequency = models.CharField(_("frequency"), max_length=10)
    method = models.CharField(_("repayment method"), max_length=20)
    grace_periods = models.PositiveSmallIntegerField(default=0)
    grace_days = models.PositiveSmallIntegerField(default=0)
    disbursed_on = models.DateField(_("disbursed on"))
    disbursed_amount = MoneyField(_("amount paid out"))
    channel = models.CharField(_("channel"), max_length=30)
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="")
    maturity_date = models.DateField(_("maturity date"))
    status = models.CharField(
        _("status"), max_length=15, choices=LoanStatus.choices, default=LoanStatus.ACTIVE, db_index=True
    )
    schedule_version = models.PositiveIntegerField(default=1)
    outstanding_principal = MoneyField(_("outstanding principal"))
    credit_balance = MoneyField(_("credit held for the borrower"), default=0)
    # As of the last daily close (collection/ keeps these current).
    business_date = models.DateField(null=True, blank=True)
    days_past_due = models.PositiveIntegerField(default=0)
    overdue_amount = MoneyField(default=0)
    penalty_outstanding = MoneyField(default=0)
    bucket = models.CharField(max_length=8, choices=Bucket.choices, default=Bucket.CURRENT)
    classification = models.CharField(max_length=16, choices=Classification.choices, default=Classification.NORMAL)
    # The interest sub-ledger (servicing/accrual.py, written by the close and the postings):
    # interest earned and unpaid, on the books (account 1132) or off them (memo 7011).
    accrual_status = models.CharField(
        _("accrual status"), max_length=12, choices=AccrualStatus.choices, default=AccrualStatus.ACCRUING
    )
    interest_accrued = MoneyField(_("interest accrued (on balance)"), default=0)
    interest_suspended = MoneyField(_("interest suspended (off balance)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(outstanding_principal__gte=0), name="loan_outstanding_ge_0")]
        # The stock reports' pass over the book (reporting.selectors.stock) as an index-only scan:
        # every column they group or sum is in it, a third of the table's size.
        indexes = [
            models.Index(
                fields=["business_date", "branch", "product", "officer", "bucket"],
                include=["id", "status", "classification", "outstanding_principal"],
                name="servicing_loan_report_cover",
            )
        ]

    def __str__(self) -> str:
        return f"loan {self.pk} ({self.principal})"

    @property
    def is_live(self) -> bool:
        return self.status in LoanStatus.LIVE


class InstallmentStatus(models.TextChoices):
    DUE = "due", _("Due")
    PAID = "paid", _("Paid")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    OVERDUE = "overdue", _("Overdue")


class Installment(models.Model):
    """One instalment of one schedule version: each part kept as due and paid (and waived),
    balances derived from them, never kept as free counters."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="installments")
    schedule_version = models.PositiveIntegerField(default=1)
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(db_index=True)
    # A due date on a public holiday of the loan's branch region (microloan.holidays) runs to
    # the first working day after it: a payment by then is on time, and the close counts the
    # days past due and the penalty from it. Null (not a holiday, or made without the
    # calendar): the due date.
    grace_date = models.DateField(null=True, blank=True)
    principal_due = MoneyField()
    interest_due = MoneyField()
    fee_due = MoneyField(default=0)
    penalty_due = MoneyField(default=0)
    principal_paid = MoneyField(default=0)
    interest_paid = MoneyField(default=0)
    fee_paid = MoneyField(default=0)
    penalty_paid = MoneyField(default=0)
    penalty_waived = MoneyField(default=0)
    interest_waived = MoneyField(default=0, help_text="Future interest forgiven at early payoff.")
    interest_accrued = MoneyField(
        default=0, help_text="Interest of this period recognised so far: accrued by the close or paid ahead of it."
    )
    fee_waived = MoneyField(default=0, help_text="Charges waived with approval (servicing.charges).")
    balance_after = MoneyField()
    status = models.CharField(max_length=15, choices=InstallmentStatus.choices, default=InstallmentStatus.DUE)
    is_current = models.BooleanField(default=True)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["loan", "schedule_version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "schedule_version", "number"], name="one_installment_number"),
            models.CheckConstraint(
                condition=Q(principal_paid__lte=models.F("principal_due"))
                & Q(interest_paid__lte=models.F("interest_due"))
                & Q(principal_paid__gte=0)
                & Q(interest_paid__gte=0),
                name="installment_paid_within_due",
            ),
        ]
        indexes = [models.Index(fields=["loan", "is_current", "number"])]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number} {self.due_date}"

    @property
    def overdue_from(self):
        """The date after which it is overdue (the close's ``COALESCE(grace_date, due_date)``)."""
        return self.grace_date or self.due_date

    # Each part as (due, paid, waived): what is unpaid of a part is its due less what was paid
    # and what was waived (penalty by a restructuring, future interest at an early payoff,
    # a charge by an approved waiver).
    # The one list the Python property, the ORM expression and the close's SQL are made from.
    DUE_PARTS = (
        ("principal_due", "principal_paid", None),
        ("interest_due", "interest_paid", "interest_waived"),
        ("fee_due", "fee_paid", "fee_waived"),
        ("penalty_due", "penalty_paid", "penalty_waived"),
    )

    @property
    def total_due(self):
        return sum((getattr(self, due) for due, _paid, _waived in self.DUE_PARTS), start=Decimal("0"))

    @property
    def total_paid(self):
        return sum((getattr(self, paid) for _due, paid, _waived in self.DUE_PARTS), start=Decimal("0"))

    @property
    def total_owed(self) -> Decimal:
        """What the instalment asks for all told, waivers taken off: what was paid plus what is
        unpaid (so a statement's "due less paid" is ``unpaid``)."""
        return self.total_paid + self.unpaid

    def unpaid_of(self, part: str) -> Decimal:
        """What is left to pay of one part: ``principal``, ``interest``, ``fee`` or ``penalty``."""
        due, paid, waived = next(p for p in self.DUE_PARTS if p[0] == f"{part}_due")
        return getattr(self, due) - getattr(self, paid) - (getattr(self, waived) if waived else 0)

    @property
    def unpaid(self) -> Decimal:
        """What is left to pay of the instalment, all parts together."""
        return sum(
            (self.unpaid_of(due.removesuffix("_due")) for due, _paid, _waived in self.DUE_PARTS), start=Decimal("0")
        )

    @classmethod
    def _unpaid_terms(cls) -> tuple[list[str], list[str]]:
        plus = [due for due, _paid, _waived in cls.DUE_PARTS]
        minus = [f for _due, paid, waived in cls.DUE_PARTS for f in (paid, waived) if f]
        return plus, minus

    @classmethod
    def unpaid_expression(cls):
        """``unpaid`` for the ORM (annotate, filter)."""
        plus, minus = cls._unpaid_terms()
        expr = sum((F(f) for f in plus[1:]), start=F(plus[0]))
        for f in minus:
            expr = expr - F(f)
        return expr

    @classmethod
    def unpaid_sql(cls, alias: str) -> str:
        """``unpaid`` in SQL over the instalment table aliased ``alias``, for set-based jobs."""
        plus, minus = cls._unpaid_terms()
        return "(" + " + ".join(f"{alias}.{f}" for f in plus) + "".join(f" - {alias}.{f}" for f in minus) + ")"


class PaymentChannel(models.Model):
    """A payment channel that notifies us by signed callback (HMAC-SHA256 with its secret)."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    secret = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.code


class RepaymentStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    REVERSED = "reversed", _("Reversed")


class Repayment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    channel = models.CharField(_("channel"), max_length=30)
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="")
    external_id = models.CharField(
        max_length=100, null=True, blank=True, help_text="The payment channel's transaction id (callbacks)."
    )
    unapplied = MoneyField(default=0, help_text="Beyond everything owed: held as the borrower's credit.")
    status = models.CharField(max_length=10, choices=RepaymentStatus.choices, default=RepaymentStatus.POSTED)
    receipt_number = models.CharField(max_length=30, blank=True, default="")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True)
    allocation_version = models.PositiveIntegerField(default=1)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="one_repayment_per_channel_transaction",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"repayment {self.pk} {self.amount} on {self.paid_on}"


class RepaymentAllocation(models.Model):
    """Derived from the repayment and what it met; rewritten when an earlier posting is reversed."""

    repayment = models.ForeignKey(Repayment, on_delete=models.CASCADE, related_name="allocations")
    installment = models.ForeignKey(Installment, on_delete=models.PROTECT, related_name="allocations")
    penalty = MoneyField(default=0)
    fee = MoneyField(default=0)
    interest = MoneyField(default=0)
    principal = MoneyField(default=0)
    interest_waived = MoneyField(
        default=0,
        help_text="Future interest this posting forgave (early payoff or a shortened term); a reversal gives it back.",
    )
    interest_cleared = MoneyField(
        default=0,
        help_text="The part of the interest that cleared interest accrued before it (1132, or memo when non-accruing);"
        " the rest was income on receipt.",
    )

    class Meta:
        ordering = ["id"]

    @property
    def total(self):
        return self.penalty + self.fee + self.interest + self.principal


class RestructuringKind(models.TextChoices):
    DEFERRAL = "deferral", _("Deferral")
    EXTENSION = "extension", _("Extension")
    PENALTY_WAIVER = "penalty_waiver", _("Penalty waiver")
    INTEREST_REDUCTION = "interest_reduction", _("Interest reduction")
    OVERDUE_DEFERRAL = "overdue_deferral", _("Deferral of overdue instalments")


class RestructuringStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Restructuring(models.Model):
    """A hardship or disaster change to a loan, requested by an officer and approved by a
    manager (four eyes). Approval writes a new schedule version; the old one is kept."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="restructurings")
    kind = models.CharField(max_length=20, choices=RestructuringKind.choices)
    cause = models.CharField(max_length=10, choices=[("hardship", _("Hardship")), ("disaster", _("Disaster"))])
    periods = models.PositiveSmallIntegerField(
        default=0, help_text="Deferral: periods to postpone; extension: the new number of remaining periods."
    )
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=RestructuringStatus.choices, default=RestructuringStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, default="")
    effective_date = models.DateField(null=True, blank=True)
    from_version = models.PositiveIntegerField(null=True, blank=True)
    to_version = models.PositiveIntegerField(null=True, blank=True)
    waived_amount = MoneyField(default=0)
    # Interest reduction: the lower annual rate of the remaining periods.
    new_rate = RateField(null=True, blank=True)
    # Part of a batch disaster deferral (servicing/restructuring_batch.py): approved with it.
    batch = models.ForeignKey(
        "servicing.RestructuringBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="restructurings"
    )

    class Meta:
        ordering = ["-id"]


class DisbursementStatus(models.TextChoices):
    PENDING_RELEASE = "pending_release", _("Pending release")
    RELEASED = "released", _("Released")
    RETURNED = "returned", _("Returned")


class Disbursement(models.Model):
    """放款: a maker-checker pair. One person prepares the payment (amount, beneficiary
    account, channel, each of the approval's conditions met with the document that shows it);
    another releases it, which creates the loan and its journal entry, or returns it with a
    reason to be prepared again (a new row: a returned preparation is kept as it was)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="disbursements")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DisbursementStatus.choices,
        default=DisbursementStatus.PENDING_RELEASE,
        db_index=True,
    )
    amount = MoneyField(_("amount paid out"))
    disbursed_on = models.DateField(_("disbursed on"))
    channel = models.CharField(_("channel"), max_length=30)
    beneficiary_account = models.CharField(_("beneficiary account"), max_length=40, blank=True, default="")
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="")
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True, default="")
    loan = models.OneToOneField(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="disbursement")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="pending_release"), name="one_pending_release_per_app"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"disbursement {self.pk} ({self.amount})"


class DisbursementCondition(models.Model):
    """One of the approval's conditions, recorded met by the preparer with the application's
    accepted document that shows it."""

    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="conditions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("condition"))
    document = models.ForeignKey("applications.Document", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["disbursement", "number"], name="one_row_per_condition")]


class AccrualMoveKind(models.TextChoices):
    NON_ACCRUAL = "non_accrual", _("Stopped accruing: interest and penalty off balance")
    ACCRUING = "accruing", _("Accruing again: interest and penalty back on balance")
    RELEASE = "release", _("Closed loan: accrued interest left unpaid released")


class AccrualMove(models.Model):
    """One loan's move between accruing and non-accrual (or the release of what a closed loan
    left accrued), as the close recorded it: at most one per loan and business date, and the
    amounts it moved; ``entry`` is the journal entry that booked it (aggregated per branch and
    product). Written by collection.close only."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="accrual_moves", db_constraint=False)
    business_date = models.DateField()
    kind = models.CharField(max_length=12, choices=AccrualMoveKind.choices)
    interest_on = MoneyField(default=0, help_text="Interest receivable (1132) moved off or released.")
    interest_off = MoneyField(default=0, help_text="Suspended interest (memo 7011) moved back or released.")
    penalty = MoneyField(default=0, help_text="Penalty outstanding moved between 1133 and memo 7012.")
    entry = models.BigIntegerField(db_index=True)

    class Meta:
        ordering = ["business_date", "loan"]
        constraints = [models.UniqueConstraint(fields=["business_date", "loan"], name="one_accrual_move_per_loan_day")]


from .batch_models import RestructuringBatch, RestructuringBatchStatus  # noqa: E402,F401 - batch deferral
from .charge_models import Charge, ChargeKind, ChargeStatus  # noqa: E402,F401 - the fees beyond the upfront fee
from .import_models import BookImport, BookImportStatus  # noqa: E402,F401 - book migration
from .payment_models import (  # noqa: E402,F401 - the borrower's payments from the app live in their own module
    DebitAttempt,
    Mandate,
    PaymentOrder,
)
