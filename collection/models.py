"""The daily close's own tables: its runs and chunks, the penalty accrued per loan and day,
and the provision held per loan with the history of its changes.

The close writes the loan's denormalised figures (days past due, buckets, classification)
on servicing's tables; what it needs to be idempotent and resumable lives here."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.ledger import JournalEntry
from microloan.money import MoneyField, RateField
from servicing.models import Classification, Installment, Loan


class CloseStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class CloseRun(models.Model):
    """The close of one business date. Its chunks are planned once, when the run starts, so
    that a resumed close works on the same loan-id ranges (and the same ledger source keys)."""

    business_date = models.DateField(_("business date"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=CloseStatus.choices, default=CloseStatus.RUNNING)
    chunk_size = models.PositiveIntegerField(_("loans per chunk"))
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Totals over the chunks, filled when the run completes.
    loans = models.PositiveIntegerField(_("loans closed"), default=0)
    loans_overdue = models.PositiveIntegerField(_("loans overdue"), default=0)
    penalty_loans = models.PositiveIntegerField(_("loans charged penalty"), default=0)
    penalty_total = MoneyField(_("penalty accrued"), default=0)
    provision_increase = MoneyField(_("provision charged"), default=0)
    provision_release = MoneyField(_("provision released"), default=0)

    class Meta:
        ordering = ["-business_date"]
        verbose_name = _("daily close")
        verbose_name_plural = _("daily closes")

    def __str__(self) -> str:
        return f"close {self.business_date} ({self.status})"

    @property
    def provision_delta(self):
        return self.provision_increase - self.provision_release


class CloseChunk(models.Model):
    """One loan-id range of a run, processed in one transaction: either all of its steps are
    committed and it is ``done``, or none is."""

    run = models.ForeignKey(CloseRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    lo_id = models.BigIntegerField()
    hi_id = models.BigIntegerField()
    planned_loans = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=CloseStatus.choices, default=CloseStatus.RUNNING)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    loans = models.PositiveIntegerField(default=0)
    loans_overdue = models.PositiveIntegerField(default=0)
    penalty_loans = models.PositiveIntegerField(default=0)
    penalty_total = MoneyField(default=0)
    provision_increase = MoneyField(default=0)
    provision_release = MoneyField(default=0)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="collection_one_chunk_number")]

    def __str__(self) -> str:
        return f"{self.run.business_date} chunk {self.number} [{self.lo_id}, {self.hi_id}]"

    @property
    def key(self) -> str:
        """Names the chunk in ledger source keys; stable because the chunk is planned once."""
        return f"{self.lo_id}-{self.hi_id}"


# The close writes these tables' rows in bulk (one per loan in arrears per day; one per loan
# at the first close), in the transaction that reads the loans, instalments and journal entry
# they point to, none of which is ever deleted (PROTECT everywhere, an append-only ledger). So
# their relations are not checked by the database: the checks were a third of the time of a
# 100,000-loan close (deferred FK triggers, one per row and relation). Django still refuses
# to delete a loan they refer to (PROTECT is enforced by the ORM).
UNCHECKED = {"on_delete": models.PROTECT, "db_constraint": False}


class PenaltyAccrual(models.Model):
    """罚息 accrued on one loan for one business date. The unique (date, loan) pair is what
    makes re-running a day, or two workers on one chunk, harmless."""

    loan = models.ForeignKey(Loan, related_name="penalty_accruals", **UNCHECKED)
    business_date = models.DateField()
    installment = models.ForeignKey(
        Installment,
        related_name="+",
        db_index=False,
        **UNCHECKED,
        help_text="The oldest overdue instalment, which the penalty was added to.",
    )
    days_past_due = models.PositiveIntegerField()
    overdue_principal = MoneyField()
    penalty_rate = RateField()
    amount = MoneyField()
    entry = models.ForeignKey(JournalEntry, related_name="+", **UNCHECKED)

    class Meta:
        ordering = ["business_date", "loan"]
        constraints = [
            models.UniqueConstraint(fields=["business_date", "loan"], name="collection_one_accrual_per_loan_day")
        ]

    def __str__(self) -> str:
        return f"penalty {self.loan_id} {self.business_date} {self.amount}"


class LoanProvision(models.Model):
    """The loan-loss provision currently held for a loan (the balance of 1231 for it)."""

    loan = models.OneToOneField(Loan, primary_key=True, related_name="provision", **UNCHECKED)
    amount = MoneyField(default=0)
    classification = models.CharField(max_length=16, choices=Classification.choices)
    business_date = models.DateField(help_text="The close that last changed the amount.")

    def __str__(self) -> str:
        return f"provision {self.loan_id} {self.amount}"


class ProvisionChange(models.Model):
    """One change of a loan's provision at a close, and the journal entry that booked it."""

    loan = models.ForeignKey(Loan, related_name="provision_changes", **UNCHECKED)
    business_date = models.DateField()
    classification = models.CharField(max_length=16, choices=Classification.choices)
    amount_before = MoneyField()
    amount_after = MoneyField()
    entry = models.ForeignKey(JournalEntry, related_name="+", **UNCHECKED)

    class Meta:
        ordering = ["business_date", "loan"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "loan"], name="collection_one_provision_change_per_loan_day"
            )
        ]

    def __str__(self) -> str:
        return f"provision {self.loan_id} {self.business_date} {self.amount_before} -> {self.amount_after}"

    @property
    def delta(self):
        return self.amount_after - self.amount_before


from .case_models import (  # noqa: E402,F401 - cases, steps, contacts, promises, write-offs, recoveries
    CaseStep,
    CollectionCase,
    ContactAttempt,
    PromiseToPay,
    Recovery,
    RecoveryStatus,
    WriteOff,
)
