"""A property: random payment sequences on random dates, on random schedules (method,
frequency, term, rate) with random charges, never lose or create a cent.

After every payment: the allocations plus what was held as credit equal the payment; the
ledger balances (tests/conftest.py checks it after the test as well); the loan's outstanding
principal is the ledger's principal for it and the schedule's unpaid principal; the fee
receivable is what is unpaid of the charges; and the payoff quote for the day equals the
statement's balance."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.business_date import business_date_set
from microloan.ledger import Acct, assert_ledger_balanced, balances_by_loan
from microloan.lending.money import ZERO
from microloan.lending.schedule import build_schedule
from servicing.charges import loan_charge_rows
from servicing.documents import statement_balance
from servicing.models import Installment, Loan, Repayment
from servicing.repayments import payoff_quote, repayment_post

from .test_earned import START, make_loan30

pytestmark = pytest.mark.django_db
D = Decimal


class _Rollback(Exception):
    pass


schedules = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["annuity", "equal_principal", "interest_only", "flat"]),
        "frequency": st.sampled_from(["monthly", "biweekly", "weekly"]),
        "term": st.integers(3, 12),
        "rate": st.decimals(min_value=D("0.05"), max_value=D("0.24"), places=4),
        "mode": st.sampled_from(["next_installments", "shorten_term", "reamortise"]),
        "prepayment_fee_rate": st.sampled_from([D("0"), D("0.01"), D("0.03")]),
    }
)
# (days after the last payment, a share of the payoff in percent, an odd cents amount)
payments = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 100), st.integers(0, 99)), min_size=1, max_size=5)


def reschedule(loan: Loan, spec: dict) -> None:
    """Gives the loan a random schedule of its 30,000.00 principal from its disbursement day."""
    s = build_schedule(
        principal=loan.principal,
        annual_rate=spec["rate"],
        term=spec["term"],
        frequency=spec["frequency"],
        method=spec["method"],
        disbursement_date=loan.disbursed_on,
    )
    Installment.objects.filter(loan=loan).delete()
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=i.number,
            due_date=i.due_date,
            principal_due=i.principal,
            interest_due=i.interest,
            balance_after=i.balance_after,
        )
        for i in s.installments
    )
    type(loan.product).objects.filter(pk=loan.product_id).update(
        prepayment_mode=spec["mode"], prepayment_fee_rate=spec["prepayment_fee_rate"]
    )
    Loan.objects.filter(pk=loan.pk).update(term=spec["term"], frequency=spec["frequency"], method=spec["method"])


def check_books(loan: Loan, on: date) -> None:
    loan.refresh_from_db()
    rows = list(Installment.objects.filter(loan=loan, is_current=True))
    books = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.FEE_RECEIVABLE])[loan.pk]
    unpaid_principal = sum((i.unpaid_of("principal") for i in rows), ZERO)
    assert loan.outstanding_principal == unpaid_principal == books.get(Acct.LOAN_PRINCIPAL, ZERO)
    assert books.get(Acct.FEE_RECEIVABLE, ZERO) == sum((r.unpaid for r in loan_charge_rows(loan, rows)), ZERO)
    if loan.is_live:
        quote = payoff_quote(loan=loan, on=on)
        # the statement shows what is charged; the payoff adds the prepayment fee it would charge
        from servicing.charges import payoff_prepayment_fee

        assert quote.amount - payoff_prepayment_fee(loan, rows, on) == statement_balance(loan=loan, on=on)
    assert_ledger_balanced()


@pytest.fixture
def base_loan(officer):
    return make_loan30(officer)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(spec=schedules, walk=payments)
def test_payments_never_lose_or_create_a_cent(officer, base_loan, spec, walk):
    # every example starts from the same disbursed loan: its changes are rolled back
    loan = base_loan
    try:
        with transaction.atomic():
            reschedule(loan, spec)
            day = START
            for gap, percent, cents in walk:
                day = day + timedelta(days=gap)
                business_date_set(value=day)
                loan.refresh_from_db()
                if not loan.is_live:
                    break
                payoff = payoff_quote(loan=loan, on=day).amount
                amount = min(payoff, max(D("0.01"), (payoff * percent / 100).quantize(D("1")) + D(cents) / 100))
                r = repayment_post(actor=officer, loan=loan, amount=amount, paid_on=day, channel="cash")
                r = Repayment.objects.get(pk=r.pk)
                assert sum((a.total for a in r.allocations.all()), ZERO) + r.unapplied == r.amount
                check_books(loan, day)
            raise _Rollback
    except _Rollback:
        pass
