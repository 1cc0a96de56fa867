"""The chart of accounts: the account types and sides, the codes (``Acct``), the accounts the
ledger creates (``CHART``) and the kinds of journal entry. Callers never type a literal code."""

from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")
    # Off-balance (memo, 表外) accounts: a record of amounts earned but not on the books (the
    # interest and penalty of a loan in non-accrual). They balance among themselves and the
    # trial balance lists them apart (``memo_rows``).
    MEMO = "memo", _("Off-balance (memo)")


class Side(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


# The side on which an account of each type normally carries its balance. A contra account
# (the loan-loss provision is an asset account with a credit balance) says so explicitly.
NORMAL_SIDE: dict[str, str] = {
    AccountType.ASSET: Side.DEBIT,
    AccountType.EXPENSE: Side.DEBIT,
    AccountType.LIABILITY: Side.CREDIT,
    AccountType.EQUITY: Side.CREDIT,
    AccountType.INCOME: Side.CREDIT,
    AccountType.MEMO: Side.DEBIT,
}


class Acct:
    """Account codes, so callers write ``Acct.LOAN_PRINCIPAL``, never ``"1131"``."""

    CASH = "1001"
    LOAN_PRINCIPAL = "1131"
    INTEREST_RECEIVABLE = "1132"
    PENALTY_RECEIVABLE = "1133"
    FEE_RECEIVABLE = "1134"
    LOAN_LOSS_PROVISION = "1231"
    INTER_BRANCH = "3001"
    BORROWER_CREDIT = "2241"
    INTEREST_INCOME = "5011"
    PENALTY_INCOME = "5012"
    FEE_INCOME = "5021"
    RECOVERY_INCOME = "5301"
    PROVISION_EXPENSE = "6701"
    # Off-balance: the interest and penalty of non-accruing loans (停止计息, 表外), and their
    # contra account, so that every memo entry balances on its own.
    MEMO_INTEREST_RECEIVABLE = "7011"
    MEMO_PENALTY_RECEIVABLE = "7012"
    MEMO_CONTRA = "7099"
    MIGRATION_SUSPENSE = "4101"  # the opening balances of a migrated book (servicing/book_import.py)


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
    # Inter-branch clearing (清算资金往来): the lines that make an entry over several branches
    # balance in each; over the institution it nets to zero.
    AccountSpec(Acct.INTER_BRANCH, "清算资金往来", "Inter-branch clearing", AccountType.ASSET),
    AccountSpec(
        Acct.BORROWER_CREDIT, "其他应付款-客户溢缴款", "Borrower credit balances (overpayments)", AccountType.LIABILITY
    ),
    AccountSpec(Acct.INTEREST_INCOME, "利息收入", "Interest income", AccountType.INCOME),
    AccountSpec(Acct.PENALTY_INCOME, "罚息收入", "Penalty interest income", AccountType.INCOME),
    AccountSpec(Acct.FEE_INCOME, "手续费收入", "Fee income", AccountType.INCOME),
    AccountSpec(Acct.RECOVERY_INCOME, "已核销贷款收回", "Recoveries of written-off loans", AccountType.INCOME),
    AccountSpec(Acct.PROVISION_EXPENSE, "资产减值损失", "Impairment loss (provision expense)", AccountType.EXPENSE),
    AccountSpec(Acct.MEMO_INTEREST_RECEIVABLE, "表外应收未收利息", "Off-balance interest receivable", AccountType.MEMO),
    AccountSpec(Acct.MEMO_PENALTY_RECEIVABLE, "表外应收未收罚息", "Off-balance penalty receivable", AccountType.MEMO),
    AccountSpec(Acct.MEMO_CONTRA, "表外应收利息对转", "Off-balance contra", AccountType.MEMO, Side.CREDIT),
    AccountSpec(
        Acct.MIGRATION_SUSPENSE, "存量业务迁移过渡", "Book migration suspense (opening balances)", AccountType.EQUITY
    ),
)
CHART_CODES = frozenset(spec.code for spec in CHART)
MEMO_CODES = frozenset(spec.code for spec in CHART if spec.type == AccountType.MEMO)


class EntryKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    REPAYMENT = "repayment", _("Repayment")
    ACCRUAL = "accrual", _("Interest accrual")
    NON_ACCRUAL = "non_accrual", _("Non-accrual move (on or off balance)")
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
