"""Restructuring meets the daily accrual: a deferral, an extension, an interest reduction and a
batch disaster deferral each carry what the loan had recognised into the new schedule version,
so the close goes on from there, never accrues a day twice, and the interest sub-ledger equals
1132 in the trial balance on every day. By hand: the fixture loan is 10,000.00 at 12% from
2026-11-20 (instalment 1 due 2026-12-20, interest 100.00 over 30 days); ten days closed accrue
33.33 (100.00 × 10 / 30) before the restructuring on 2026-11-30. Also: the restructured due
dates on working days where the product says so (``due_date_rule``)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from applications.models import DueDateRule
from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalEntry, JournalLine
from microloan.models import Role
from servicing.models import Installment, Restructuring
from servicing.repayments import repayment_post
from servicing.restructuring import restructuring_decide, restructuring_request
from servicing.restructuring_batch import batch_decide, batch_propose

from ..kernel.factories import UserFactory
from ..kernel.holidays.factories import HolidayFactory
from .test_accrual import assert_books_agree, walk

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 11, 30)


def income(as_of: date) -> D:
    """Interest income (5011) booked up to ``as_of``: credits less debits."""
    t = JournalLine.objects.filter(account__code=Acct.INTEREST_INCOME, entry__business_date__lte=as_of).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (t["c"] or D(0)) - (t["d"] or D(0))


def rows(loan):
    return list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))


def restructure(officer, approver, loan, **kw) -> Restructuring:
    r = restructuring_request(actor=officer, loan=loan, cause="disaster", reason="flood", **kw)
    return restructuring_decide(actor=approver, restructuring=r, approve=True, comment="ok")


@pytest.fixture
def ten_days(loan):
    walk(date(2026, 11, 21), DAY)
    loan.refresh_from_db()
    assert (loan.interest_accrued, rows(loan)[0].interest_accrued) == (D("33.33"), D("33.33"))
    return loan


def test_a_deferral_carries_the_accrued_interest_and_never_accrues_a_day_twice(ten_days, officer, approver):
    loan = ten_days
    restructure(officer, approver, loan, kind="deferral", periods=1)
    first = rows(loan)[0]
    # instalment 1 now due 2027-01-20: its period runs 61 days from 2026-11-20, its 33.33 kept
    assert (first.due_date, first.interest_due, first.interest_accrued) == (date(2027, 1, 20), D("100.00"), D("33.33"))
    days = walk(DAY + timedelta(days=1), date(2027, 1, 20))
    # 100.00 × n / 61 first passes 33.33 on day 21 (2026-12-11: 34.43): nothing before it
    assert all(days[DAY + timedelta(days=n)] == 0 for n in range(1, 11))
    assert days[date(2026, 12, 11)] == D("1.10")
    # over the whole period income is the instalment's interest, once: 100.00
    assert income(date(2027, 1, 20)) == D("100.00")
    loan.refresh_from_db()
    assert (loan.interest_accrued, rows(loan)[0].interest_accrued) == (D("100.00"), D("100.00"))


def test_an_extension_carries_the_accrued_interest_into_its_first_row(ten_days, officer, approver):
    loan = ten_days
    restructure(officer, approver, loan, kind="extension", periods=12)
    first = rows(loan)[0]
    # re-amortised from 2026-11-30: 100.00 for the new month plus the 33.33 earned to date,
    # 33.33 of it already recognised (the close does not accrue those ten days again)
    assert (first.due_date, first.interest_due, first.interest_accrued) == (date(2026, 12, 30), D("133.33"), D("33.33"))
    walk(DAY + timedelta(days=1), date(2026, 12, 30))
    assert income(date(2026, 12, 30)) == D("133.33")  # not 166.66
    loan.refresh_from_db()
    assert loan.interest_accrued == D("133.33")


def test_an_interest_reduction_takes_the_accrual_beyond_the_new_interest_off_the_books(ten_days, officer, approver):
    loan = ten_days
    r = restructure(officer, approver, loan, kind="interest_reduction", new_rate=D("0.06"))
    # at 6% instalment 1 is 50.00, of which 16.67 earned by 2026-11-30: of the 33.33 accrued,
    # 16.66 comes out of income and 1132, in the sub-ledger and the ledger alike
    entry = JournalEntry.objects.get(source_key=f"restructure-rate:{r.pk}")
    assert sorted(entry.lines.values_list("account__code", "debit", "credit")) == [
        (Acct.INTEREST_RECEIVABLE, D("0"), D("16.66")),
        (Acct.INTEREST_INCOME, D("16.66"), D("0")),
    ]
    loan.refresh_from_db()
    first = rows(loan)[0]
    assert (first.interest_due, first.interest_accrued, loan.interest_accrued) == (
        D("50.00"),
        D("16.67"),
        D("16.67"),
    )
    assert_books_agree(DAY)
    walk(DAY + timedelta(days=1), date(2026, 12, 20))
    assert income(date(2026, 12, 20)) == D("50.00")  # instalment 1's interest at the new rate


def test_an_interest_reduction_after_an_early_payment_credits_the_interest_paid_beyond(loan, officer, approver):
    walk(date(2026, 11, 21), date(2026, 12, 15))  # 25 of 30 days: 83.33 accrued
    business_date_set(value=date(2026, 12, 15))
    p = repayment_post(actor=officer, loan=loan, amount=D("150.00"), paid_on=date(2026, 12, 15), channel="cash")
    assert sum(a.interest for a in p.allocations.all()) == D("83.33")  # only what is earned
    r = restructure(officer, approver, loan, kind="interest_reduction", new_rate=D("0.06"))
    # instalment 1 is 50.00 at 6%: 33.33 of the 83.33 paid goes to the borrower's credit
    entry = JournalEntry.objects.get(source_key=f"restructure-rate:{r.pk}")
    assert sorted(entry.lines.values_list("account__code", "debit", "credit")) == [
        (Acct.BORROWER_CREDIT, D("0"), D("33.33")),
        (Acct.INTEREST_INCOME, D("33.33"), D("0")),
    ]
    loan.refresh_from_db()
    first = rows(loan)[0]
    assert (first.interest_due, first.interest_paid, first.interest_accrued) == (D("50.00"), D("50.00"), D("50.00"))
    assert (loan.credit_balance, loan.interest_accrued) == (D("33.33"), D("0.00"))
    assert_books_agree(date(2026, 12, 15))
    walk(date(2026, 12, 16), date(2026, 12, 20))
    assert income(date(2026, 12, 20)) == D("50.00")


def test_a_batch_deferral_carries_the_accrued_interest(ten_days, branch, approver):
    loan = ten_days
    other = UserFactory(username="manager_b2", role=Role.MANAGER, branch=branch)
    b = batch_propose(actor=approver, branch=branch, periods=2, reason="Typhoon")
    batch_decide(actor=other, batch=b, approve=True, comment="confirmed")
    first = rows(loan)[0]
    assert (first.due_date, first.interest_accrued) == (date(2027, 2, 20), D("33.33"))
    walk(DAY + timedelta(days=1), date(2026, 12, 31))
    # 100.00 over the 92 days to 2027-02-20: 44.57 by 2026-12-31, never more than once
    assert income(date(2026, 12, 31)) == D("44.57")


@pytest.fixture
def moving_later(sv_product):
    """The product moves due dates to working days from now on; 2027-01-20 is a holiday."""
    sv_product.due_date_rule = DueDateRule.NEXT_WORKING_DAY
    sv_product.save()
    HolidayFactory(date=date(2027, 1, 20), name="A Wednesday holiday")


def test_a_deferrals_new_due_dates_fall_on_working_days(loan, moving_later, officer, approver):
    business_date_set(value=DAY)
    restructure(officer, approver, loan, kind="deferral", periods=1)
    got = [i.due_date for i in rows(loan)]
    # 2027-01-20 (the holiday) -> 01-21, 02-20 (Sat) -> 02-22, 03-20 (Sat) -> 03-22; 12-20 a Monday
    assert got[:3] == [date(2027, 1, 21), date(2027, 2, 22), date(2027, 3, 22)]
    assert all(d.weekday() < 5 and d != date(2027, 1, 20) for d in got)
    loan.refresh_from_db()
    assert loan.maturity_date == got[-1] == date(2027, 12, 20)
    assert all(i.grace_date is None for i in rows(loan))


def test_a_batch_deferrals_new_due_dates_fall_on_working_days(loan, moving_later, branch, approver):
    business_date_set(value=DAY)
    other = UserFactory(username="manager_b3", role=Role.MANAGER, branch=branch)
    b = batch_propose(actor=approver, branch=branch, periods=1, reason="Typhoon")
    batch_decide(actor=other, batch=b, approve=True, comment="confirmed")
    assert [i.due_date for i in rows(loan)][:3] == [date(2027, 1, 21), date(2027, 2, 22), date(2027, 3, 22)]


def test_a_kept_due_date_on_a_holiday_is_graced_after_a_batch_deferral(loan, branch, approver):
    HolidayFactory(date=date(2027, 1, 20), name="A Wednesday holiday")
    business_date_set(value=DAY)
    other = UserFactory(username="manager_b4", role=Role.MANAGER, branch=branch)
    b = batch_propose(actor=approver, branch=branch, periods=1, reason="Typhoon")
    batch_decide(actor=other, batch=b, approve=True, comment="confirmed")
    first, second = rows(loan)[:2]
    # the row moved onto the holiday is graced to the next working day; the one moved off it is not
    assert (first.due_date, first.grace_date) == (date(2027, 1, 20), date(2027, 1, 21))
    assert (second.due_date, second.grace_date) == (date(2027, 2, 20), None)
