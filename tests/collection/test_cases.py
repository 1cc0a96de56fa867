"""collection.services.cases: cases opened by the close, assigned by load, closed through the
case's table when the loan is current again (one audit row per closed case)."""

from datetime import date
from decimal import Decimal

import pytest

from collection.case_models import CollectionCase
from collection.services.cases import cases_close_current
from microloan.business_date import business_date_set
from microloan.models import AuditEvent
from servicing.models import Loan
from servicing.repayments import repayment_post

from .factories import close, close_through

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal


def test_load_balanced_assignment(portfolio, collectors):
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    loads = sorted(CollectionCase.objects.values_list("assigned_to", flat=True))
    assert sorted(loads.count(c.pk) for c in collectors) == [2, 2]


def test_case_closes_when_the_loan_is_current_again(case, officer, loan):
    business_date_set(value=date(2026, 12, 22))
    loan.refresh_from_db()
    assert loan.overdue_amount > 0
    repayment_post(
        actor=officer,
        loan=Loan.objects.get(pk=loan.pk),
        amount=loan.overdue_amount + D("5.00"),
        paid_on=date(2026, 12, 22),
        channel="cash",
    )
    close(date(2026, 12, 22))
    case.refresh_from_db()
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.business_date) == (0, date(2026, 12, 22))
    assert (case.status, case.closed_on, case.outcome) == ("closed", date(2026, 12, 22), "cured")
    closed = AuditEvent.objects.get(entity="collection_case", entity_id=case.pk, action="cure")
    assert (closed.from_state, closed.to_state, closed.actor) == ("open", "closed", None)
    # a re-run closes nothing twice
    assert cases_close_current(business_date=date(2026, 12, 22)) == {}
    assert AuditEvent.objects.filter(entity="collection_case", entity_id=case.pk, action="cure").count() == 1


@pytest.mark.parametrize(
    "loan_status,action,outcome", [("closed", "settle", "repaid"), ("written_off", "write_off", "written_off")]
)
def test_cases_of_repaid_or_written_off_loans_close_with_their_outcome(case, loan, loan_status, action, outcome):
    # given the close found the loan repaid (or written off) on the 22nd
    Loan.objects.filter(pk=loan.pk).update(status=loan_status, business_date=date(2026, 12, 22))
    # when the cases are closed set-based for that date
    assert cases_close_current(business_date=date(2026, 12, 22)) == {action: 1}
    # then the case is closed with the outcome and one audit row
    case.refresh_from_db()
    assert (case.status, case.closed_on, case.outcome) == ("closed", date(2026, 12, 22), outcome)
    assert list(
        AuditEvent.objects.filter(entity="collection_case", entity_id=case.pk).values_list(
            "action", "from_state", "to_state"
        )
    ) == [("open", "", "open"), (action, "open", "closed")]


def test_a_case_of_a_loan_not_closed_that_day_stays_open(case, loan):
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0)  # paid, but not yet through a close
    assert cases_close_current(business_date=date(2026, 12, 22)) == {}
    case.refresh_from_db()
    assert case.status == "open"
