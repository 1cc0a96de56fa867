"""Fair early repayment (servicing/earned.py): a payment before an instalment falls due pays no
interest beyond what is earned by its date, and the payoff quote, the statement, the loan's
figures and the ledger say the same on every day.

The loan: 30,000.00 over 12 months at 7.2% (0.6% a month), annuity, from 2026-11-20:
instalment 2,598.57 (round(30000 × 0.006 / (1 − 1.006^−12))); the first is 180.00 interest
(30000 × 0.006) and 2,418.57 principal, due 2026-12-20 (a 30-day period)."""

from datetime import date
from decimal import Decimal

import pytest

from microloan.business_date import business_date_set
from microloan.ledger import Acct, balances_by_loan
from servicing.documents import statement_balance
from servicing.earned import interest_earned
from servicing.models import Installment, Loan
from servicing.repayments import payoff_quote, repayment_post

from ..applications.factories import ProductFactory
from .factories import LoanFactory

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 11, 20)


def make_loan30(officer, **product):
    business_date_set(value=START)
    p = ProductFactory(grace_days=3, **product)
    return LoanFactory(
        officer=officer,
        product=p,
        amount=D("30000.00"),
        on=START,
        approved_amount=D("30000.00"),
        approved_term=12,
        approved_rate=D("0.0720"),
    )


@pytest.fixture
def loan30(officer):
    return make_loan30(officer)


def inst(loan, n) -> Installment:
    return Installment.objects.get(loan=loan, number=n, is_current=True)


def agree(loan: Loan, on: date) -> Decimal:
    """The payoff quote, the statement's balance and (with the interest earned, which the
    ledger books as it is paid) the loan's figures and the ledger: one figure, returned."""
    loan.refresh_from_db()
    quote = payoff_quote(loan=loan, on=on)
    balance = statement_balance(loan=loan, on=on)
    books = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL]).get(loan.pk, {})
    assert quote.amount == balance, (quote, balance)
    assert quote.principal == loan.outstanding_principal == books.get(Acct.LOAN_PRINCIPAL, D("0"))
    return quote.amount


def test_the_schedule_as_computed_by_hand(loan30):
    i1 = inst(loan30, 1)
    assert (i1.due_date, i1.interest_due, i1.principal_due) == (date(2026, 12, 20), D("180.00"), D("2418.57"))


def test_interest_earned_by_the_day(loan30):
    i1 = inst(loan30, 1)
    earned = [interest_earned(i1, d, start=START) for d in (START, date(2026, 12, 5), date(2026, 12, 20))]
    assert earned == [D("0.00"), D("90.00"), D("180.00")]  # 0/30, 15/30, all of it


def test_1000_on_the_disbursement_day_pays_no_interest(officer, loan30):
    # given the loan on its disbursement day; when 1,000.00 is paid that day
    r = repayment_post(actor=officer, loan=loan30, amount=D("1000.00"), paid_on=START, channel="cash")
    # then it is all principal of instalment 1: nothing is earned yet
    (a,) = r.allocations.all()
    assert (a.installment.number, a.interest, a.principal) == (1, D("0.00"), D("1000.00"))
    books = balances_by_loan(loan_ids=[loan30.pk], account_codes=[Acct.INTEREST_INCOME]).get(loan30.pk, {})
    assert books.get(Acct.INTEREST_INCOME, D("0")) == 0
    # and the payoff, the statement, the loan and the ledger agree: 29,000.00 that day
    assert agree(loan30, START) == D("29000.00")
    # 15 days on: 29,000.00 + 90.00 earned of instalment 1 (180 × 15/30)
    business_date_set(value=date(2026, 12, 5))
    assert agree(loan30, date(2026, 12, 5)) == D("29090.00")
    # on the due date, all 180.00 of it
    business_date_set(value=date(2026, 12, 20))
    assert agree(loan30, date(2026, 12, 20)) == D("29180.00")


def test_mid_period_payment_pays_the_interest_earned_then_principal(officer, loan30):
    business_date_set(value=date(2026, 12, 5))
    r = repayment_post(actor=officer, loan=loan30, amount=D("1000.00"), paid_on=date(2026, 12, 5), channel="cash")
    (a,) = r.allocations.all()
    assert (a.interest, a.principal) == (D("90.00"), D("910.00"))
    # the remaining 90.00 of instalment 1's interest is earned by its due date
    assert agree(loan30, date(2026, 12, 5)) == D("29090.00")
    business_date_set(value=date(2026, 12, 20))
    assert agree(loan30, date(2026, 12, 20)) == D("29180.00")  # 29,090 principal + 90 interest


def test_advance_payment_beyond_instalment_1_prepays_instalment_2_principal(officer, loan30):
    # 3,000.00 on the disbursement day: 2,418.57 of instalment 1's principal, 581.43 of 2's
    r = repayment_post(actor=officer, loan=loan30, amount=D("3000.00"), paid_on=START, channel="cash")
    parts = [(a.installment.number, a.interest, a.principal) for a in r.allocations.order_by("installment__number")]
    assert parts == [(1, D("0.00"), D("2418.57")), (2, D("0.00"), D("581.43"))]
    assert agree(loan30, START) == D("27000.00")


def test_shorten_term_mode_repays_the_last_instalments_principal(officer):
    loan = make_loan30(officer, prepayment_mode="shorten_term")
    r = repayment_post(actor=officer, loan=loan, amount=D("1000.00"), paid_on=START, channel="cash")
    (a,) = r.allocations.all()
    assert (a.installment.number, a.interest, a.principal) == (12, D("0.00"), D("1000.00"))
    assert agree(loan, START) == D("29000.00")
    business_date_set(value=date(2026, 12, 5))
    assert agree(loan, date(2026, 12, 5)) == D("29090.00")


def test_payoff_on_the_disbursement_day_is_the_principal_and_closes_the_loan(officer, loan30):
    assert payoff_quote(loan=loan30, on=START).amount == D("30000.00")
    repayment_post(actor=officer, loan=loan30, amount=D("30000.00"), paid_on=START, channel="cash")
    loan30.refresh_from_db()
    assert (loan30.status, loan30.outstanding_principal) == ("closed", D("0.00"))
    assert statement_balance(loan=loan30, on=START) == D("0.00")


def test_reamortise_mode_writes_a_smaller_instalment_schedule(officer):
    loan = make_loan30(officer, prepayment_mode="reamortise")
    # 3,000.00 on the disbursement day: no interest earned, so all principal
    r = repayment_post(actor=officer, loan=loan, amount=D("3000.00"), paid_on=START, channel="cash")
    assert sum(a.interest for a in r.allocations.all()) == 0
    loan.refresh_from_db()
    assert loan.schedule_version == 2
    rows = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))
    # 27,000.00 re-amortised over the 12 periods: 27000 × 0.006 / (1 − 1.006^−12) = 2,338.71,
    # the first 162.00 interest and 2,176.71 principal; instalment 1 keeps its 180.00 interest
    # (none of it earned yet) and holds the 3,000.00 prepaid
    assert (rows[0].principal_due, rows[0].principal_paid, rows[0].interest_due) == (
        D("5176.71"),
        D("3000.00"),
        D("180.00"),
    )
    assert rows[0].unpaid == D("2356.71")
    assert all(i.principal_due + i.interest_due == D("2338.71") for i in rows[1:-1])
    assert sum(i.principal_due for i in rows) == D("30000.00") and len(rows) == 12
    assert agree(loan, START) == D("27000.00")
    business_date_set(value=date(2026, 12, 5))
    assert agree(loan, date(2026, 12, 5)) == D("27090.00")
