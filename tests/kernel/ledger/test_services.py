"""Posting: balanced, idempotent by source key, reversed by a mirror entry, refused when malformed."""

import threading
import time

import pytest
from django.db import connection, transaction

from microloan.errors import InvalidInput
from microloan.ledger import (
    Acct,
    EntryKind,
    JournalEntry,
    JournalLine,
    Line,
    assert_ledger_balanced,
    balances_by_loan,
    ensure_chart,
    journal_post,
    journal_reverse,
    trial_balance,
)
from microloan.models import Role

from ..factories import UserFactory
from .helpers import JAN_10, JAN_15, JAN_20, D, disburse, rows_by_code

pytestmark = pytest.mark.django_db


def test_balanced_postings_show_in_the_trial_balance_with_hand_computed_numbers():
    actor = UserFactory(role=Role.OFFICER)
    # given a disbursement of 10,000.00 with a 100.00 fee deducted, an accrual, a repayment
    # and a provision
    disb = journal_post(
        kind=EntryKind.DISBURSEMENT,
        business_date=JAN_10,
        reference="loan:1",
        actor=actor,
        lines=[
            (Acct.LOAN_PRINCIPAL, D("10000.00"), 0, 1),
            (Acct.CASH, 0, D("9900.00")),
            (Acct.FEE_INCOME, 0, D("100.00")),
        ],
    )
    journal_post(
        kind=EntryKind.ACCRUAL,
        business_date=JAN_15,
        reference="loan:1",
        lines=[
            Line(Acct.INTEREST_RECEIVABLE, debit=D("150.00"), loan_id=1),
            Line(Acct.INTEREST_INCOME, credit=D("150.00")),
        ],
    )
    journal_post(
        kind=EntryKind.REPAYMENT,
        business_date=JAN_20,
        reference="loan:1",
        lines=[
            Line(Acct.CASH, debit=D("1000.00")),
            Line(Acct.INTEREST_RECEIVABLE, credit=D("150.00"), loan_id=1),
            Line(Acct.LOAN_PRINCIPAL, credit=D("850.00"), loan_id=1),
            Line(Acct.PENALTY_RECEIVABLE, credit=D("0.00"), loan_id=1),
        ],
    )  # zero: dropped
    journal_post(
        kind=EntryKind.PROVISION,
        business_date=JAN_20,
        lines=[Line(Acct.PROVISION_EXPENSE, debit=D("91.50")), Line(Acct.LOAN_LOSS_PROVISION, credit=D("91.50"))],
    )

    # when
    tb = trial_balance()

    # then
    assert disb.created_by == actor and disb.lines.count() == 3
    assert JournalLine.objects.count() == 3 + 2 + 3 + 2
    rows = rows_by_code(tb)
    assert tb["total_debit"] == tb["total_credit"] == D("11241.50")
    assert tb["total_debit_balance"] == tb["total_credit_balance"] == D("9241.50")
    assert tb["balanced"] is True
    assert (rows[Acct.CASH]["debit"], rows[Acct.CASH]["credit"]) == (D("1000.00"), D("9900.00"))
    assert rows[Acct.CASH]["balance"] == D("-8900.00") and rows[Acct.CASH]["credit_balance"] == D("8900.00")
    assert rows[Acct.LOAN_PRINCIPAL]["balance"] == rows[Acct.LOAN_PRINCIPAL]["debit_balance"] == D("9150.00")
    assert rows[Acct.INTEREST_RECEIVABLE]["balance"] == D("0.00")
    assert rows[Acct.INTEREST_INCOME]["balance"] == D("150.00")
    assert rows[Acct.FEE_INCOME]["balance"] == D("100.00")
    assert rows[Acct.PROVISION_EXPENSE]["balance"] == D("91.50")
    assert rows[Acct.LOAN_LOSS_PROVISION]["balance"] == rows[Acct.LOAN_LOSS_PROVISION]["credit_balance"] == D("91.50")
    assert rows[Acct.RECOVERY_INCOME]["debit"] == rows[Acct.RECOVERY_INCOME]["credit"] == D("0.00")
    # and the loan sub-ledger agrees
    assert balances_by_loan(loan_ids=[1, 2], account_codes=[Acct.LOAN_PRINCIPAL, Acct.INTEREST_RECEIVABLE]) == {
        1: {Acct.LOAN_PRINCIPAL: D("9150.00"), Acct.INTEREST_RECEIVABLE: D("0.00")},
        2: {Acct.LOAN_PRINCIPAL: D("0.00"), Acct.INTEREST_RECEIVABLE: D("0.00")},
    }
    assert balances_by_loan(loan_ids=[1], account_codes=[Acct.LOAN_PRINCIPAL], as_of=JAN_15) == {
        1: {Acct.LOAN_PRINCIPAL: D("10000.00")}
    }
    assert_ledger_balanced()


@pytest.mark.parametrize(
    "lines, reason",
    [
        ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("90.00"))], "do not equal"),
        ([(Acct.CASH, D("-100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("-100.00"))], "negative"),
        ([(Acct.CASH, D("100.005"), 0), (Acct.LOAN_PRINCIPAL, 0, D("100.005"))], "two decimal places"),
        ([(Acct.CASH, D("100.00"), D("50.00")), (Acct.LOAN_PRINCIPAL, 0, D("50.00"))], "both a debit and a credit"),
        ([("9999", D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("100.00"))], "Unknown account 9999"),
        ([(Acct.CASH, D("100.00"), 0)], "at least two"),
        ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("0.00"))], "at least two"),
        ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, D("100.00"), 0)], "do not equal"),
        ([(Acct.CASH, 100.0, 0), (Acct.LOAN_PRINCIPAL, 0, 100.0)], "not a decimal amount"),
        ([(Acct.CASH, "abc", 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "not a decimal amount"),
        ([(Acct.CASH, D("NaN"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "not a finite amount"),
        ([(Acct.CASH, D("1E+16"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1E+16"))], "too large"),
        ([("", D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "account code is missing"),
        ([(Acct.CASH, D("1.00"), 0, "loan-1"), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "loan_id must be an integer"),
        ([(Acct.CASH, D("1.00"), 0, None, None, "extra"), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "expected (account"),
    ],
    ids=[
        "unbalanced",
        "negative",
        "three-decimals",
        "both-sides",
        "unknown-account",
        "single-line",
        "single-non-zero-line",
        "debits-only",
        "float",
        "not-a-number",
        "nan",
        "too-large",
        "no-account",
        "bad-loan-id",
        "bad-shape",
    ],
)
def test_bad_postings_are_refused_naming_lines_and_write_nothing(lines, reason):
    with pytest.raises(InvalidInput) as err:
        journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=lines, source_key="k:1")
    assert list(err.value.errors) == ["lines"]
    assert any(reason in msg for msg in err.value.errors["lines"]), err.value.errors
    assert JournalEntry.objects.count() == 0 and JournalLine.objects.count() == 0


def test_bad_kind_date_and_key_are_named():
    lines = [(Acct.CASH, D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))]
    with pytest.raises(InvalidInput) as err:
        journal_post(kind="gift", business_date="2026-01-10", lines=lines, source_key="x" * 201)
    assert set(err.value.errors) == {"kind", "business_date", "source_key"}
    assert JournalEntry.objects.count() == 0


def test_all_zero_lines_post_nothing_and_return_none():
    assert (
        journal_post(
            kind=EntryKind.ACCRUAL,
            business_date=JAN_10,
            source_key="accrual:1:2026-01-10",
            lines=[(Acct.INTEREST_RECEIVABLE, D("0.00"), 0), (Acct.INTEREST_INCOME, 0, "0")],
        )
        is None
    )
    assert journal_post(kind=EntryKind.ACCRUAL, business_date=JAN_10, lines=[]) is None
    assert JournalEntry.objects.count() == 0


def test_amounts_as_strings_and_trailing_zeros_are_accepted_and_stored_to_the_cent():
    entry = journal_post(
        kind=EntryKind.ADJUSTMENT,
        business_date=JAN_10,
        lines=[(Acct.CASH, "12.300", 0), (Acct.LOAN_PRINCIPAL, 0, "12.3")],
    )
    assert sorted(entry.lines.values_list("debit", "credit")) == [(D("0.00"), D("12.30")), (D("12.30"), D("0.00"))]


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_source_key_posts_once_and_returns_the_same_entry():
    first = disburse(source_key="disbursement:7")
    again = disburse(source_key="disbursement:7")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1 and JournalLine.objects.count() == 2
    # a key that belongs to another kind of event is a bug in the caller, not a retry
    with pytest.raises(InvalidInput) as err:
        journal_post(
            kind=EntryKind.REPAYMENT,
            business_date=JAN_10,
            source_key="disbursement:7",
            lines=[(Acct.CASH, D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))],
        )
    assert "source_key" in err.value.errors
    assert JournalEntry.objects.count() == 1


def test_a_retry_inside_the_callers_transaction_keeps_it_usable():
    with transaction.atomic():
        first = disburse(source_key="disbursement:8")
        assert disburse(source_key="disbursement:8").pk == first.pk
        assert JournalEntry.objects.count() == 1  # the transaction still works


@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_with_the_same_key_post_once():
    # given one transaction that has posted but not committed yet
    ensure_chart()
    other = {}

    def post_from_another_connection():
        try:
            other["entry"] = disburse(source_key="disbursement:9")
        except Exception as exc:  # reported by the assertion below
            other["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        mine = disburse(source_key="disbursement:9")
        thread = threading.Thread(target=post_from_another_connection)
        thread.start()
        # The other connection does not see the uncommitted entry, inserts, and waits on the
        # unique index until this transaction commits.
        time.sleep(0.5)
    thread.join(timeout=20)

    # then it gets the committed entry instead of an error or a second posting
    assert "error" not in other, other.get("error")
    assert other["entry"].pk == mine.pk
    assert JournalEntry.objects.filter(source_key="disbursement:9").count() == 1
    assert JournalLine.objects.count() == 2


# --- reversal ----------------------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_nets_to_zero_and_is_idempotent():
    manager = UserFactory(role=Role.MANAGER)
    entry = disburse("2500.00", loan_id=3)
    reversal = journal_reverse(entry=entry, actor=manager, business_date=JAN_15, memo="wrong amount")

    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses == entry and reversal.created_by == manager
    assert reversal.source_key == f"reversal:{entry.pk}" and reversal.reference == "loan:3"
    assert set(reversal.lines.values_list("account__code", "debit", "credit", "loan_id")) == {
        (Acct.LOAN_PRINCIPAL, D("0.00"), D("2500.00"), 3),
        (Acct.CASH, D("2500.00"), D("0.00"), None),
    }
    tb = trial_balance()
    assert all(r["balance"] == 0 for r in tb["rows"])
    assert tb["total_debit"] == tb["total_credit"] == D("5000.00")
    assert balances_by_loan(loan_ids=[3], account_codes=[Acct.LOAN_PRINCIPAL]) == {3: {Acct.LOAN_PRINCIPAL: 0}}
    # reversing again returns the same reversal
    assert journal_reverse(entry=entry, actor=manager, business_date=JAN_20, memo="again").pk == reversal.pk
    assert JournalEntry.objects.count() == 2
    # and as of the day before the reversal the loan was still disbursed
    assert rows_by_code(trial_balance(as_of=JAN_10))[Acct.LOAN_PRINCIPAL]["balance"] == D("2500.00")


def test_a_reversal_cannot_be_dated_before_its_entry():
    entry = disburse(day=JAN_15)
    with pytest.raises(InvalidInput) as err:
        journal_reverse(entry=entry, actor=None, business_date=JAN_10, memo="")
    assert "business_date" in err.value.errors
    assert JournalEntry.objects.count() == 1
