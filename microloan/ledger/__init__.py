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

The package: ``chart`` (types, sides, codes, the chart, entry kinds), ``models`` (the tables),
``services`` (posting, reversal, the chart's creation), ``selectors`` (trial balance, loan
sub-ledger, the balance check), ``rollup`` (the day totals behind the trial balance) and
``views`` (the trial balance page, imported by the URLconf only). The names other apps use are
re-exported here; ``models`` is imported by ``microloan/models.py`` for the app registry.
"""

from .chart import CHART, CHART_CODES, NORMAL_SIDE, AccountSpec, AccountType, Acct, EntryKind, Side
from .models import Account, AppendOnlyQuerySet, JournalEntry, JournalLine, LedgerDayTotal, LedgerRollup
from .rollup import ROLLUP_CHUNK, ledger_rollup
from .selectors import LedgerScope, assert_ledger_balanced, balances_by_loan, trial_balance
from .services import MAX_AMOUNT, Line, ensure_chart, journal_post, journal_reverse

__all__ = [
    "CHART",
    "CHART_CODES",
    "MAX_AMOUNT",
    "NORMAL_SIDE",
    "ROLLUP_CHUNK",
    "Account",
    "AccountSpec",
    "AccountType",
    "Acct",
    "AppendOnlyQuerySet",
    "EntryKind",
    "JournalEntry",
    "JournalLine",
    "LedgerScope",
    "LedgerDayTotal",
    "LedgerRollup",
    "Line",
    "Side",
    "assert_ledger_balanced",
    "balances_by_loan",
    "ensure_chart",
    "journal_post",
    "journal_reverse",
    "ledger_rollup",
    "trial_balance",
]
