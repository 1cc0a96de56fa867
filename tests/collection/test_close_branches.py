"""The close's SQL writes the journal by branch: each loan's lines in the loan's branch, the
income and expense lines per branch of the chunk, so a chunk's entry balances in every branch
(no clearing needed) and the branches add up to the institution, in the same number of
statements as before."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from collection.close import close_day
from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalEntry, JournalLine, LedgerScope, assert_ledger_balanced, trial_balance
from microloan.models import Role
from servicing.models import Loan
from servicing.repayments import repayment_post, repayment_reverse

from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 12, 24)


def close(day, **kwargs):
    business_date_set(value=day)
    return close_day(business_date=day, **kwargs)


def per_account(tb):
    return {r["code"]: (r["debit"], r["credit"]) for r in tb["rows"] if r["debit"] or r["credit"]}


def split(portfolio, other_branch):
    """Two of the four loans move to branch B (before any of their postings)."""
    Loan.objects.filter(pk__in=[portfolio[2].pk, portfolio[3].pk]).update(branch=other_branch)


def test_the_close_writes_each_line_in_its_loans_branch_and_balances_per_branch(portfolio, branch, other_branch):
    split(portfolio, other_branch)
    close(DAY, chunk_size=100)  # one chunk over both branches
    close(date(2026, 12, 25), chunk_size=100)
    entries = JournalEntry.objects.filter(kind__in=["penalty", "provision"])
    assert entries.count() == 3  # penalty on both days, the provision on the first
    lines = JournalLine.objects.filter(entry__in=entries)
    # every loan's line is in the loan's branch
    loan_branch = dict(Loan.objects.values_list("pk", "branch_id"))
    per_loan = list(lines.filter(loan_id__isnull=False).values_list("loan_id", "branch_id"))
    assert len(per_loan) == 12 and all(loan_branch[lo] == b for lo, b in per_loan)
    # income and expense: one line per branch and entry, never at the institution level
    assert not lines.filter(branch__isnull=True).exists()
    assert lines.filter(loan_id__isnull=True).count() == 6
    assert not lines.filter(account__code=Acct.INTER_BRANCH).exists()
    assert_ledger_balanced()  # per entry and per branch
    # the branches add up to the institution
    whole = trial_balance()
    a = trial_balance(scope=LedgerScope(user=UserFactory(role=Role.MANAGER, branch=branch)))
    b = trial_balance(scope=LedgerScope(user=UserFactory(role=Role.MANAGER, branch=other_branch)))
    assert a["balanced"] and b["balanced"] and whole["balanced"]
    summed = {}
    for tb in (a, b):
        for code, (d, c) in per_account(tb).items():
            x = summed.get(code, (D("0"), D("0")))
            summed[code] = (x[0] + d, x[1] + c)
    assert summed == per_account(whole)
    penalty = {x["code"]: x for x in b["rows"]}[Acct.PENALTY_INCOME]
    assert penalty["credit"] == D("1.56")  # two loans, 0.39 a day each, two days


def test_the_close_makes_the_same_number_of_queries_for_one_branch_or_two(portfolio, other_branch):
    savepoint = transaction.savepoint()
    with CaptureQueriesContext(connection) as one:
        close(DAY, chunk_size=100)
    one_branch = JournalLine.objects.filter(entry__kind="penalty").count()
    transaction.savepoint_rollback(savepoint)
    split(portfolio, other_branch)
    with CaptureQueriesContext(connection) as two:
        close(DAY, chunk_size=100)
    assert len(one) == len(two)
    assert JournalLine.objects.filter(entry__kind="penalty").count() == one_branch + 1  # a second income line


def test_every_posting_through_a_loans_life_is_in_its_branch(loan, officer, approver):
    # given a disbursed loan, a repayment, its reversal, another repayment and a close
    repayment = repayment_post(actor=officer, loan=loan, amount=D("300.00"), paid_on=loan.disbursed_on, channel="cash")
    repayment_reverse(actor=approver, repayment=repayment, reason="wrong loan")
    repayment_post(actor=officer, loan=loan, amount=D("100.00"), paid_on=loan.disbursed_on, channel="cash")
    close(DAY)
    # then every line of the loan is in the loan's branch, and so is every line of its entries
    lines = JournalLine.objects.filter(entry__lines__loan_id=loan.pk).distinct()
    assert lines.count() > 8
    assert set(lines.values_list("branch_id", flat=True)) == {loan.branch_id}
    assert set(JournalLine.objects.filter(loan_id=loan.pk).values_list("branch_id", flat=True)) == {loan.branch_id}
