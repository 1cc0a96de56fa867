"""The ledger's tables: accounts, append-only journal entries and lines, and the roll-up's day
totals and watermark. The tables keep their names (``microloan_*``): the models are the kernel
app's, only the module moved."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..lending.money import MONEY_PLACES, ZERO
from ..money import MoneyField
from .chart import NORMAL_SIDE, AccountType, EntryKind, Side


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk ``update()`` and ``delete()`` would bypass the model's refusal; refuse them too."""

    def update(self, **kwargs):
        raise ValidationError("The ledger is append-only: post a reversal instead.")

    def delete(self):
        raise ValidationError("The ledger is append-only: post a reversal instead.")


class Account(models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True, default="")
    type = models.CharField(_("type"), max_length=10, choices=AccountType.choices)
    normal_side = models.CharField(_("normal side"), max_length=6, choices=Side.choices, blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if not self.normal_side:
            self.normal_side = NORMAL_SIDE[self.type]
        super().save(*args, **kwargs)


class JournalEntry(models.Model):
    """One balanced posting. Append-only: a mistake is corrected by a reversal entry.

    ``source_key`` names the business event (e.g. ``"repayment:812"``) so that the same event
    cannot post twice; ``reference`` names the object the entry belongs to (``"loan:12"``).
    """

    posted_at = models.DateTimeField(_("posted at"), default=timezone.now, editable=False)
    business_date = models.DateField(_("business date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=EntryKind.choices)
    memo = models.TextField(_("memo"), blank=True, default="")
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="", db_index=True)
    source_key = models.CharField(_("source key"), max_length=200, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["business_date", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            # An entry is reversed at most once (the reversal's source_key also says so).
            models.UniqueConstraint(fields=["reverses"], name="microloan_journalentry_reversed_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.business_date} {self.kind} {self.reference}".rstrip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Journal entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Journal entries are append-only.")


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = MoneyField(_("debit"), default=ZERO)
    credit = MoneyField(_("credit"), default=ZERO)
    # The loan sub-ledger without a foreign key, so the kernel does not depend on servicing.
    loan_id = models.BigIntegerField(null=True, blank=True)
    # The product of an aggregated line (the close's interest accrual posts one line per branch,
    # product and account, not one per loan); a plain id, like ``loan_id``.
    product_id = models.BigIntegerField(null=True, blank=True)
    # The branch whose books the line is in (a loan's lines: the loan's branch); empty for an
    # institution-level line. Every entry balances per branch (``journal_post``).
    branch = models.ForeignKey(
        "microloan.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["entry_id", "id"]
        indexes = [models.Index(fields=["loan_id", "account"], name="microloan_jline_loan_account")]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0),
                name="microloan_journalline_one_side_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} Dr {self.debit} Cr {self.credit}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Journal lines are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Journal lines are append-only.")


class LedgerDayTotal(models.Model):
    """Debit and credit totals of one account in one branch (empty: institution level) for one
    business date, rolled up from the journal lines by ``ledger_rollup`` so that the trial
    balance reads one row per account, branch and day instead of every line ever posted.
    Written only by the roll-up."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("microloan.Branch", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(_("business date"))
    debit = models.DecimalField(_("debit"), max_digits=24, decimal_places=MONEY_PLACES, default=ZERO)
    credit = models.DecimalField(_("credit"), max_digits=24, decimal_places=MONEY_PLACES, default=ZERO)

    class Meta:
        verbose_name = _("ledger day total")
        verbose_name_plural = _("ledger day totals")
        constraints = [
            # NULLS NOT DISTINCT: the institution-level total of a day is one row too (where the
            # database cannot say so, a second row only splits a sum the trial balance adds up).
            models.UniqueConstraint(
                fields=["account", "branch", "business_date"],
                name="microloan_ledgerdaytotal_account_branch_date",
                nulls_distinct=False,
            )
        ]


class LedgerRollup(models.Model):
    """One row: the roll-up's watermark. Every journal line with ``id <= last_line_id`` is in
    ``LedgerDayTotal``; every later one is read from the journal itself."""

    last_line_id = models.BigIntegerField(default=0)
    rolled_at = models.DateTimeField(null=True, blank=True)
