"""The general ledger: a chart of accounts and append-only, balanced double-entry journal entries.

Every money movement of a loan posts one ``JournalEntry`` through ``journal_post``; a wrong
one is undone by ``journal_reverse`` (a mirror entry), never by editing. The ledger lives in
the kernel so every app can post to it; lines carry a plain ``loan_id`` instead of a foreign
key so the kernel does not depend on servicing.

Account codes are constants on ``Acct``; callers never type a literal. Typical postings
(``loan_id`` on the receivable lines, so ``balances_by_loan`` gives the sub-ledger):

=================== =========================================== =================================
event               debit                                       credit
=================== =========================================== =================================
disbursement        1131 principal                              1001 cash (5021 fee if deducted)
interest accrual    1132 interest receivable                    5011 interest income
penalty accrual     1133 penalty receivable                     5012 penalty income
fee charged         1134 fee receivable                         5021 fee income
repayment           1001 cash                                   1133, 1134, 1132, 1131 (in the
                                                                allocation order); 2241 excess
provision           6701 provision expense                      1231 loan-loss provision
provision release   1231 loan-loss provision                    6701 provision expense
write-off           1231 loan-loss provision                    1131 principal
recovery            1001 cash                                   5301 recoveries
=================== =========================================== =================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput
from .lending.money import CENT, MONEY_PLACES, ZERO, to_decimal
from .money import MONEY_MAX_DIGITS, MoneyField

# The largest amount a MoneyField holds: 16 digits before the point.
MAX_AMOUNT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_PLACES) - CENT


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class Side(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


# The side on which an account of each type normally carries its balance. A contra account
# (the loan-loss provision is an asset account with a credit balance) says so explicitly.
NORMAL_SIDE = {
    AccountType.ASSET: Side.DEBIT,
    AccountType.EXPENSE: Side.DEBIT,
    AccountType.LIABILITY: Side.CREDIT,
    AccountType.EQUITY: Side.CREDIT,
    AccountType.INCOME: Side.CREDIT,
}


class Acct:
    """Account codes, so callers write ``Acct.LOAN_PRINCIPAL``, never ``"1131"``."""

    CASH = "1001"
    LOAN_PRINCIPAL = "1131"
    INTEREST_RECEIVABLE = "1132"
    PENALTY_RECEIVABLE = "1133"
    FEE_RECEIVABLE = "1134"
    LOAN_LOSS_PROVISION = "1231"
    BORROWER_CREDIT = "2241"
    INTEREST_INCOME = "5011"
    PENALTY_INCOME = "5012"
    FEE_INCOME = "5021"
    RECOVERY_INCOME = "5301"
    PROVISION_EXPENSE = "6701"


class AccountSpec(NamedTuple):
    code: str
    name: str
    name_en: str
    type: str
    normal_side: str | None = None  # None: the type's normal side

    @property
    def side(self) -> str:
        return self.normal_side or NORMAL_SIDE[self.type]


CHART: tuple[AccountSpec, ...] = (
    AccountSpec(Acct.CASH, "现金及存放/放款清算", "Cash and disbursement clearing", AccountType.ASSET),
    AccountSpec(Acct.LOAN_PRINCIPAL, "贷款本金", "Loan principal receivable", AccountType.ASSET),
    AccountSpec(Acct.INTEREST_RECEIVABLE, "应收利息", "Interest receivable", AccountType.ASSET),
    AccountSpec(Acct.PENALTY_RECEIVABLE, "应收罚息", "Penalty interest receivable", AccountType.ASSET),
    AccountSpec(Acct.FEE_RECEIVABLE, "应收费用", "Fees receivable", AccountType.ASSET),
    AccountSpec(Acct.LOAN_LOSS_PROVISION, "贷款损失准备", "Loan-loss provision", AccountType.ASSET, Side.CREDIT),
    AccountSpec(Acct.BORROWER_CREDIT, "其他应付款-客户溢缴款", "Borrower credit balances (overpayments)",
                AccountType.LIABILITY),
    AccountSpec(Acct.INTEREST_INCOME, "利息收入", "Interest income", AccountType.INCOME),
    AccountSpec(Acct.PENALTY_INCOME, "罚息收入", "Penalty interest income", AccountType.INCOME),
    AccountSpec(Acct.FEE_INCOME, "手续费收入", "Fee income", AccountType.INCOME),
    AccountSpec(Acct.RECOVERY_INCOME, "已核销贷款收回", "Recoveries of written-off loans", AccountType.INCOME),
    AccountSpec(Acct.PROVISION_EXPENSE, "资产减值损失", "Impairment loss (provision expense)", AccountType.EXPENSE),
)
CHART_CODES = frozenset(spec.code for spec in CHART)


class EntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    REPAYMENT = "repayment", _("Repayment")
    ACCRUAL = "accrual", _("Interest accrual")
    PENALTY = "penalty", _("Penalty interest accrual")
    FEE = "fee", _("Fee charged")
    WAIVER = "waiver", _("Waiver")
    PROVISION = "provision", _("Provision")
    WRITE_OFF = "write_off", _("Write-off")
    RECOVERY = "recovery", _("Recovery after write-off")
    REFUND = "refund", _("Refund of an overpayment")
    RESTRUCTURE = "restructure", _("Restructuring")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


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
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
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
    """Debit and credit totals of one account for one business date, rolled up from the
    journal lines by ``ledger_rollup`` so that the trial balance reads one row per account
    and day instead of every line ever posted. Written only by the roll-up."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(_("business date"))
    debit = models.DecimalField(_("debit"), max_digits=24, decimal_places=MONEY_PLACES, default=ZERO)
    credit = models.DecimalField(_("credit"), max_digits=24, decimal_places=MONEY_PLACES, default=ZERO)

    class Meta:
        verbose_name = _("ledger day total")
        verbose_name_plural = _("ledger day totals")
        constraints = [models.UniqueConstraint(fields=["account", "business_date"],
                                               name="microloan_ledgerdaytotal_account_date")]


class LedgerRollup(models.Model):
    """One row: the roll-up's watermark. Every journal line with ``id <= last_line_id`` is in
    ``LedgerDayTotal``; every later one is read from the journal itself."""

    last_line_id = models.BigIntegerField(default=0)
    rolled_at = models.DateTimeField(null=True, blank=True)


# --- services -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a posting: an account code and an amount on exactly one side."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    loan_id: int | None = None


def ensure_chart() -> dict[str, list[str]]:
    """Creates the accounts of ``CHART`` that are missing and brings names and sides up to date.

    Idempotent and safe to run concurrently; returns the codes it created and updated.
    """
    with transaction.atomic():
        existing = {a.code: a for a in Account.objects.filter(code__in=CHART_CODES)}
        missing = [spec for spec in CHART if spec.code not in existing]
        Account.objects.bulk_create(
            [Account(code=s.code, name=s.name, name_en=s.name_en, type=s.type, normal_side=s.side) for s in missing],
            ignore_conflicts=True,
        )
        updated = []
        for spec in CHART:
            acc = existing.get(spec.code)
            wanted = {"name": spec.name, "name_en": spec.name_en, "type": spec.type, "normal_side": spec.side}
            if acc is not None and any(getattr(acc, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(acc, k, v)
                acc.save(update_fields=list(wanted))
                updated.append(spec.code)
    return {"created": [s.code for s in missing], "updated": updated}


def _amount(value, where: str, errors: list[str]) -> Decimal:
    """Reads one amount; a problem goes to ``errors`` and the amount counts as zero."""
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError):
        errors.append(gettext("%(where)s: %(value)r is not a decimal amount.") % {"where": where, "value": value})
        return ZERO
    if not amount.is_finite():
        errors.append(gettext("%(where)s: %(value)s is not a finite amount.") % {"where": where, "value": amount})
        return ZERO
    if amount < 0:
        errors.append(gettext("%(where)s: %(value)s is negative.") % {"where": where, "value": amount})
        return ZERO
    if amount > MAX_AMOUNT:
        errors.append(gettext("%(where)s: %(value)s is too large.") % {"where": where, "value": amount})
        return ZERO
    if amount != amount.quantize(CENT):
        errors.append(gettext("%(where)s: %(value)s has more than two decimal places.")
                      % {"where": where, "value": amount})
        return ZERO
    return amount.quantize(CENT)


def _clean_lines(lines) -> list[Line]:
    """Checks the shape of every line; returns the non-zero ones or raises InvalidInput."""
    errors: list[str] = []
    cleaned: list[Line] = []
    for i, raw in enumerate(lines, start=1):
        where = gettext("line %(n)d") % {"n": i}
        try:
            line = raw if isinstance(raw, Line) else Line(*raw)
        except TypeError:
            errors.append(gettext("%(where)s: expected (account, debit, credit, loan_id).") % {"where": where})
            continue
        if not isinstance(line.account, str) or not line.account.strip():
            errors.append(gettext("%(where)s: the account code is missing.") % {"where": where})
        debit = _amount(line.debit, gettext("%(where)s debit") % {"where": where}, errors)
        credit = _amount(line.credit, gettext("%(where)s credit") % {"where": where}, errors)
        if debit and credit:
            errors.append(gettext("%(where)s: has both a debit and a credit; post them as two lines.")
                          % {"where": where})
        if line.loan_id is not None and (isinstance(line.loan_id, bool) or not isinstance(line.loan_id, int)):
            errors.append(gettext("%(where)s: loan_id must be an integer.") % {"where": where})
        if debit or credit:
            cleaned.append(Line(account=str(line.account).strip(), debit=debit, credit=credit, loan_id=line.loan_id))
    if errors:
        raise InvalidInput({"lines": errors})
    return cleaned


def _check_balanced(lines: list[Line]) -> None:
    if len(lines) < 2:
        raise InvalidInput({"lines": [gettext("A posting needs at least two non-zero lines.")]})
    debits = sum((ln.debit for ln in lines), ZERO)
    credits = sum((ln.credit for ln in lines), ZERO)
    if debits != credits:
        raise InvalidInput({"lines": [gettext("Debits (%(d)s) do not equal credits (%(c)s).")
                                      % {"d": debits, "c": credits}]})


def _account_ids(codes: set[str]) -> dict[str, int]:
    ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    if codes - ids.keys() <= CHART_CODES and codes - ids.keys():
        # A fresh (or flushed) database without the chart: create it rather than refuse.
        ensure_chart()
        ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = sorted(codes - ids.keys())
    if unknown:
        raise InvalidInput({"lines": [gettext("Unknown account %(code)s.") % {"code": c} for c in unknown]})
    return ids


def _post(*, kind: str, business_date: date, lines, memo: str, reference: str, source_key: str | None,
          actor, reverses: JournalEntry | None = None) -> JournalEntry | None:
    errors: dict[str, list[str]] = {}
    if kind not in EntryKind.values:
        errors["kind"] = [gettext("Unknown entry kind %(kind)r.") % {"kind": kind}]
    if not isinstance(business_date, date) or isinstance(business_date, datetime):
        errors["business_date"] = [gettext("A business date (a date, not a timestamp) is required.")]
    source_key = (source_key or "").strip() or None
    if source_key is not None and len(source_key) > 200:
        errors["source_key"] = [gettext("At most 200 characters.")]
    if len(reference or "") > 100:
        errors["reference"] = [gettext("At most 100 characters.")]
    try:
        cleaned = _clean_lines(lines)
    except InvalidInput as exc:
        errors.update(exc.errors)
        cleaned = []
    if errors:
        raise InvalidInput(errors)
    if not cleaned:
        return None
    _check_balanced(cleaned)

    with transaction.atomic():
        if source_key is not None:
            existing = JournalEntry.objects.filter(source_key=source_key).first()
            if existing is not None:
                return _same_kind(existing, kind)
        ids = _account_ids({ln.account for ln in cleaned})
        try:
            # A savepoint, so that losing the race for the source_key leaves the caller's
            # transaction usable and we can return the winner's entry.
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    business_date=business_date, kind=kind, memo=memo or "", reference=reference or "",
                    source_key=source_key, created_by=actor if getattr(actor, "pk", None) else None,
                    reverses=reverses,
                )
        except IntegrityError:
            if source_key is None:
                raise
            existing = JournalEntry.objects.filter(source_key=source_key).first()
            if existing is None:
                raise
            return _same_kind(existing, kind)
        JournalLine.objects.bulk_create([
            JournalLine(entry=entry, account_id=ids[ln.account], debit=ln.debit, credit=ln.credit, loan_id=ln.loan_id)
            for ln in cleaned
        ])
    return entry


def _same_kind(existing: JournalEntry, kind: str) -> JournalEntry:
    if existing.kind != kind:
        raise InvalidInput({"source_key": [gettext("Already used by a %(kind)s entry (#%(pk)s).")
                                           % {"kind": existing.kind, "pk": existing.pk}]})
    return existing


def journal_post(*, kind: str, business_date: date, lines: Iterable[Line | tuple], memo: str = "",
                 reference: str = "", source_key: str | None = None, actor=None) -> JournalEntry | None:
    """Posts one balanced entry and returns it.

    ``lines`` are ``Line`` objects or ``(account_code, debit, credit[, loan_id])`` tuples;
    amounts are Decimals (or strings/ints; floats are refused) with at most two places, not
    negative, on one side per line. Zero lines are dropped, and when nothing but zero lines
    remains there is nothing to post: the result is ``None`` and nothing is written (so a
    repayment that allocates nothing to interest need not special-case it).

    With ``source_key`` the posting is idempotent: if an entry with that key exists (posted
    earlier, or concurrently by another transaction) that entry is returned and nothing new
    is written; a key already used by an entry of another ``kind`` is refused.

    Raises ``InvalidInput`` naming ``lines`` (or ``kind``, ``business_date``, ``source_key``)
    and writes nothing when the posting is malformed or does not balance.
    """
    return _post(kind=kind, business_date=business_date, lines=list(lines), memo=memo, reference=reference,
                 source_key=source_key, actor=actor)


def journal_reverse(*, entry: JournalEntry, actor, business_date: date, memo: str = "") -> JournalEntry:
    """Posts the mirror of ``entry`` (debits and credits swapped) on ``business_date``.

    Idempotent: an entry is reversed at most once; reversing it again returns the reversal.
    """
    if isinstance(business_date, date) and not isinstance(business_date, datetime) \
            and business_date < entry.business_date:
        raise InvalidInput({"business_date": [gettext("A reversal cannot be dated before the entry it reverses "
                                                      "(%(date)s).") % {"date": entry.business_date}]})
    mirror = [Line(account=code, debit=credit, credit=debit, loan_id=loan_id)
              for code, debit, credit, loan_id
              in entry.lines.order_by("id").values_list("account__code", "debit", "credit", "loan_id")]
    return _post(kind=EntryKind.REVERSAL, business_date=business_date, lines=mirror,
                 memo=memo or gettext("Reversal of entry #%(pk)s") % {"pk": entry.pk}, reference=entry.reference,
                 source_key=f"reversal:{entry.pk}", actor=actor, reverses=entry)


# --- selectors ------------------------------------------------------------------------------


ROLLUP_CHUNK = 100_000  # journal lines per roll-up step: one transaction of ~0.2 s holding back postings


def ledger_rollup(*, chunk: int = ROLLUP_CHUNK, lock_timeout_ms: int = 2000) -> int:
    """Adds the journal lines posted since the last roll-up to ``LedgerDayTotal`` (one
    INSERT ... SELECT ... GROUP BY per chunk of line ids) and moves the watermark; returns how
    many line ids it covered. Idempotent: a second call finds nothing new.

    Line ids are handed out when a line is inserted but become visible when its transaction
    commits, so a later id can be seen before an earlier one. To never step over a line
    still in flight, each step first takes a SHARE lock on the journal lines: it waits for
    the transactions writing lines to commit and holds new ones back for the step (a day of
    postings takes tens of milliseconds; a full ``chunk`` about 0.2 s). If a lock is not
    granted within ``lock_timeout_ms`` (another roll-up runs, or a long posting transaction
    such as a close chunk) the roll-up stops where it is and the next call goes on; the trial
    balance is right either way, only slower.
    """
    line_table = JournalLine._meta.db_table
    entry_table = JournalEntry._meta.db_table
    total_table = LedgerDayTotal._meta.db_table
    covered = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
                try:
                    with transaction.atomic():
                        # The watermark first (one roll-up at a time), then the journal.
                        mark, _created = LedgerRollup.objects.select_for_update().get_or_create(pk=1)
                        if connection.vendor == "postgresql":
                            cursor.execute(f"LOCK TABLE {line_table} IN SHARE MODE")
                except (OperationalError, IntegrityError):
                    # Lock timeout (another roll-up, or postings that take long), or a first
                    # watermark row created concurrently: the next call goes on from here.
                    return covered
                cursor.execute(f"SELECT MAX(id) FROM {line_table}")
                newest = cursor.fetchone()[0] or 0
                if newest <= mark.last_line_id:
                    return covered
                upto = min(newest, mark.last_line_id + chunk)
                # The entries of those lines, as literal bounds, so the join reads an index
                # range of the entries instead of hashing the whole table.
                # (OFFSET 0 keeps the planner on the id range: given MIN(entry_id) alone it walks
                # the entry_id index from the start of the journal.)
                fence = "OFFSET 0" if connection.vendor == "postgresql" else ""
                cursor.execute(f"SELECT MIN(entry_id), MAX(entry_id) FROM (SELECT entry_id FROM {line_table} "
                               f"WHERE id > %s AND id <= %s {fence}) AS fresh", [mark.last_line_id, upto])
                first_entry, last_entry = cursor.fetchone()
                cursor.execute(
                    f"INSERT INTO {total_table} (account_id, business_date, debit, credit) "
                    f"SELECT l.account_id, e.business_date, SUM(l.debit), SUM(l.credit) "
                    f"FROM {line_table} l JOIN {entry_table} e ON e.id = l.entry_id "
                    f"WHERE l.id > %s AND l.id <= %s AND e.id >= %s AND e.id <= %s "
                    f"GROUP BY l.account_id, e.business_date "
                    f"ON CONFLICT (account_id, business_date) DO UPDATE SET "
                    f"debit = {total_table}.debit + excluded.debit, credit = {total_table}.credit + excluded.credit",
                    [mark.last_line_id, upto, first_entry or 0, last_entry or 0],
                )
                covered += upto - mark.last_line_id
                mark.last_line_id, mark.rolled_at = upto, timezone.now()
                mark.save(update_fields=["last_line_id", "rolled_at"])


def _db_money(value) -> Decimal:
    # PostgreSQL sums numeric exactly; SQLite (the demo database) stores and sums decimals as
    # floats, exact to the cent at any amount a demo book reaches.
    return (Decimal(repr(value)) if isinstance(value, float) else to_decimal(value)).quantize(CENT)


def trial_balance(*, as_of: date | None = None) -> dict:
    """Every account's debit and credit totals and its balance, with grand totals; two queries.

    ``as_of`` keeps only entries with a business date on or before it. Each row holds
    ``debit``/``credit`` (totals), ``balance`` (signed, on the account's normal side) and
    ``debit_balance``/``credit_balance`` (the net amount in the column it falls in).

    The totals are the rolled-up day totals plus the journal lines after the roll-up's
    watermark, read in one statement so that a roll-up committing meanwhile cannot make a
    line count twice or not at all.
    """
    line_table, entry_table = JournalLine._meta.db_table, JournalEntry._meta.db_table
    total_table, mark_table = LedgerDayTotal._meta.db_table, LedgerRollup._meta.db_table
    # The watermark as read just before is a literal the planner can use (an index range of
    # the few lines after it); the one read inside the statement keeps it consistent if a
    # roll-up commits in between (the watermark only grows).
    seen = LedgerRollup.objects.filter(pk=1).values_list("last_line_id", flat=True).first() or 0
    if as_of is None:
        totals_part = f"SELECT t.account_id, t.debit, t.credit FROM {total_table} t"
        lines_part = (f"SELECT l.account_id, l.debit, l.credit FROM {line_table} l "
                      f"WHERE l.id > %s AND l.id > (SELECT w FROM mark)")
        params = [seen]
    else:
        totals_part = f"SELECT t.account_id, t.debit, t.credit FROM {total_table} t WHERE t.business_date <= %s"
        lines_part = (f"SELECT l.account_id, l.debit, l.credit FROM {line_table} l "
                      f"JOIN {entry_table} e ON e.id = l.entry_id "
                      f"WHERE l.id > %s AND l.id > (SELECT w FROM mark) AND e.business_date <= %s")
        params = [as_of, seen, as_of]
    sql = (
        f"WITH mark AS (SELECT COALESCE(MAX(last_line_id), 0) AS w FROM {mark_table}), "
        f"amounts AS ({totals_part} UNION ALL {lines_part}) "
        f"SELECT a.code, a.name, a.name_en, a.type, a.normal_side, "
        f"COALESCE(SUM(x.debit), 0), COALESCE(SUM(x.credit), 0) "
        f"FROM {Account._meta.db_table} a LEFT JOIN amounts x ON x.account_id = a.id "
        f"GROUP BY a.id, a.code, a.name, a.name_en, a.type, a.normal_side ORDER BY a.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        accounts = cursor.fetchall()
    rows = []
    totals = {"debit": ZERO, "credit": ZERO, "debit_balance": ZERO, "credit_balance": ZERO}
    for code, name, name_en, type_, normal_side, debit, credit in accounts:
        debit, credit = _db_money(debit), _db_money(credit)
        net = debit - credit
        row = {
            "code": code, "name": name, "name_en": name_en, "type": type_, "normal_side": normal_side,
            "type_label": AccountType(type_).label, "debit": debit, "credit": credit,
            "balance": net if normal_side == Side.DEBIT else -net,
            "debit_balance": net if net > 0 else ZERO, "credit_balance": -net if net < 0 else ZERO,
        }
        for key in totals:
            totals[key] += row[key]
        rows.append(row)
    return {
        "as_of": as_of,
        "rows": rows,
        "total_debit": totals["debit"],
        "total_credit": totals["credit"],
        "total_debit_balance": totals["debit_balance"],
        "total_credit_balance": totals["credit_balance"],
        "balanced": totals["debit"] == totals["credit"] and totals["debit_balance"] == totals["credit_balance"],
    }


def balances_by_loan(*, loan_ids: Iterable[int], account_codes: Iterable[str],
                     as_of: date | None = None) -> dict[int, dict[str, Decimal]]:
    """``{loan_id: {account_code: balance}}`` on each account's normal side; one query.

    Every requested loan and code is present (zero when nothing was posted).
    """
    loan_ids, account_codes = list(loan_ids), list(account_codes)
    result = {loan_id: dict.fromkeys(account_codes, ZERO) for loan_id in loan_ids}
    if not loan_ids or not account_codes:
        return result
    qs = JournalLine.objects.filter(loan_id__in=loan_ids, account__code__in=account_codes)
    if as_of is not None:
        qs = qs.filter(entry__business_date__lte=as_of)
    rows = qs.order_by().values("loan_id", "account__code", "account__normal_side").annotate(
        d=Sum("debit"), c=Sum("credit"))
    for row in rows:
        net = row["d"] - row["c"]
        result[row["loan_id"]][row["account__code"]] = net if row["account__normal_side"] == Side.DEBIT else -net
    return result


def assert_ledger_balanced() -> None:
    """Raises AssertionError when any entry has fewer than two lines or debits != credits.

    One GROUP BY ... HAVING query. Every line belongs to an entry, so when every entry
    balances the sums over all lines balance too.
    """
    bad = list(
        JournalEntry.objects.order_by("id")
        .annotate(n=Count("lines"), d=Sum("lines__debit"), c=Sum("lines__credit"))
        .filter(Q(n__lt=2) | Q(d__lt=F("c")) | Q(d__gt=F("c")))
        .values_list("id", "n", "d", "c")[:20]
    )
    if bad:
        detail = ", ".join(f"#{pk}: {n} lines, Dr {d} Cr {c}" for pk, n, d, c in bad)
        raise AssertionError(f"The ledger is unbalanced: {detail}")
