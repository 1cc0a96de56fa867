from datetime import date

import pytest

from care.models import CreditReview
from microloan.business_date import business_date_set
from servicing.models import Loan, LoanStatus

from ..collection.conftest import clone_loan

# The servicing fixtures: a disbursed 10,000.00 loan, 12 monthly annuity instalments at 12%
# from 2026-11-20, and what it needs.
from ..servicing.conftest import (  # noqa: F401
    approved_app,
    approver,
    biz_date,
    loan,
    reviewer,
    supervisor,
    sv_product,
)

FRIDAY = date(2026, 11, 20)  # the servicing fixtures' business date


@pytest.fixture
def today(db):
    business_date_set(value=FRIDAY)
    return FRIDAY


JOB_DATE = date(2027, 6, 1)


@pytest.fixture
def book(loan, officer):  # noqa: F811 - the servicing fixture
    """Loans whose needs differ on 2027-06-01 (6-monthly interval, 90-day lookback)."""

    def make(disbursed_on, **changes):
        copy = clone_loan(loan)
        Loan.objects.filter(pk=copy.pk).update(disbursed_on=disbursed_on, **changes)
        return Loan.objects.get(pk=copy.pk)

    Loan.objects.filter(pk=loan.pk).update(disbursed_on=date(2026, 11, 20))
    return {
        "old": Loan.objects.get(pk=loan.pk),  # disbursed more than 6 months ago: periodic review due
        "young": make(date(2027, 4, 1)),  # 2 months old, normal: nothing but its use-of-funds check
        "worse": make(date(2027, 4, 1), classification="special_mention", days_past_due=5),  # worsened
        "closed": make(date(2026, 11, 20), status=LoanStatus.CLOSED),
        "future": make(date(2027, 6, 2)),  # disbursed after the job's date
        "restructured": make(date(2026, 10, 1), status=LoanStatus.RESTRUCTURED),
    }


def reviews():
    return {(r.loan_id, r.business_date, r.trigger, r.status) for r in CreditReview.objects.all()}
