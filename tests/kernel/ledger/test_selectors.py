"""Reading the ledger: the trial balance (as of a date, in constant queries, balanced under
random postings) and the balance check."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.ledger import (
    Account,
    AccountType,
    Acct,
    EntryKind,
    JournalEntry,
    JournalLine,
    Side,
    assert_ledger_balanced,
    balances_by_loan,
    journal_post,
    trial_balance,
)

from .helpers import JAN_10, JAN_15, JAN_20, D, balanced_posting, disburse, post_across, rows_by_code

pytestmark = pytest.mark.django_db


@pytest.mark.unbalanced_ledger
def test_assert_ledger_balanced_finds_an_unbalanced_entry():
    disburse()
    assert_ledger_balanced()
    # an entry written around the service, as a bug would
    bad = JournalEntry.objects.create(business_date=JAN_10, kind=EntryKind.ADJUSTMENT)
    JournalLine.objects.bulk_create(
        [JournalLine(entry=bad, account=Account.objects.get(code=Acct.CASH), debit=D("5.00"))]
    )
    with pytest.raises(AssertionError, match=f"#{bad.pk}: 1 lines, Dr 5.00 Cr 0"):
        assert_ledger_balanced()


def test_trial_balance_as_of_a_date_excludes_later_entries():
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20)
    early = rows_by_code(trial_balance(as_of=JAN_15))
    assert early[Acct.LOAN_PRINCIPAL]["balance"] == D("1000.00")
    assert rows_by_code(trial_balance(as_of=JAN_20))[Acct.LOAN_PRINCIPAL]["balance"] == D("1300.00")
    assert trial_balance(as_of=date(2026, 1, 9))["total_debit"] == 0
    assert trial_balance()["total_debit"] == D("1300.00")


def test_trial_balance_and_sub_ledger_make_a_constant_number_of_queries():
    post_across([Acct.CASH, Acct.LOAN_PRINCIPAL])
    with CaptureQueriesContext(connection) as two:
        trial_balance(as_of=JAN_15)
        balances_by_loan(loan_ids=[1, 2], account_codes=[Acct.CASH])
        assert_ledger_balanced()

    extra = [
        Account(code=f"90{n:02d}", name=f"测试{n}", name_en=f"Test {n}", type=AccountType.ASSET, normal_side=Side.DEBIT)
        for n in range(20)
    ]
    Account.objects.bulk_create(extra)
    post_across([a.code for a in extra])
    with CaptureQueriesContext(connection) as twenty:
        tb = trial_balance(as_of=JAN_15)
        balances_by_loan(loan_ids=list(range(50)), account_codes=[a.code for a in extra])
        assert_ledger_balanced()

    assert len(two) == len(twenty) == 5  # trial balance 2 (watermark, totals), sub-ledger 1, check 2
    assert sum(1 for r in tb["rows"] if r["debit"] or r["credit"]) == 22 and tb["balanced"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings=st.lists(balanced_posting(), min_size=1, max_size=5))
def test_random_balanced_postings_keep_the_trial_balance_balanced(postings):
    with transaction.atomic():
        before = trial_balance()["total_debit"]
        for lines, _total in postings:
            journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=lines)
        tb = trial_balance()
        assert tb["total_debit"] == tb["total_credit"]
        assert tb["total_debit_balance"] == tb["total_credit_balance"] and tb["balanced"]
        assert tb["total_debit"] - before == D(sum(t for _lines, t in postings)).scaleb(-2)
        assert_ledger_balanced()
        transaction.set_rollback(True)  # each example starts from the same ledger
