"""Interest reduction and deferral of overdue instalments, by hand: the fixture loan is 10,000.00
at 12% over 12 monthly annuity instalments of 888.49 from 2026-11-20 (instalment 1: interest
100.00, principal 788.49; instalment 2: interest 92.12 on 9,211.51). Four eyes, a new schedule
version, and a balanced entry where money moves."""

from datetime import date
from decimal import Decimal

import pytest

from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalEntry, Line, balances_by_loan, journal_post
from servicing.models import Installment

from ..conftest import client_for

pytestmark = pytest.mark.django_db
D = Decimal


def request(user, loan, **body):
    return client_for(user).post(
        f"/api/v1/loans/{loan.pk}/restructurings/",
        {"cause": "disaster", "reason": "flood", **body},
        format="json",
    )


def decide(user, loan, rid, approve=True):
    return client_for(user).post(
        f"/api/v1/loans/{loan.pk}/restructurings/{rid}/decision/", {"approve": approve, "comment": "ok"}, format="json"
    )


def current(loan):
    return list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))


def accrue(loan, amount, day):
    """What the daily accrual books: interest earned and not yet due, receivable against income."""
    journal_post(
        kind="accrual",
        branch_id=loan.branch_id,
        business_date=day,
        actor=None,
        reference=f"loan:{loan.pk}",
        source_key=f"test-accrual:{loan.pk}:{day}",
        memo="",
        lines=[
            Line(Acct.INTEREST_RECEIVABLE, debit=amount, loan_id=loan.pk),
            Line(Acct.INTEREST_INCOME, credit=amount, loan_id=loan.pk),
        ],
    )


def receivable(loan):
    return balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.INTEREST_RECEIVABLE])[loan.pk][
        Acct.INTEREST_RECEIVABLE
    ]


def test_interest_reduction_halves_the_remaining_interest(officer, approver, loan):
    old = current(loan)
    assert (old[0].interest_due, old[0].principal_due, old[1].interest_due) == (D("100.00"), D("788.49"), D("92.12"))
    day = date(2026, 12, 5)  # 15 of the first period's 30 days
    business_date_set(value=day)

    r = request(officer, loan, kind="interest_reduction", new_rate="0.0600")
    assert r.status_code == 201, r.content
    assert D(r.data["new_rate"]) == D("0.06")
    assert decide(officer, loan, r.data["id"]).status_code == 403
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 200, d.content
    assert (d.data["from_version"], d.data["to_version"]) == (1, 2)

    loan.refresh_from_db()
    assert (loan.schedule_version, loan.status, loan.annual_rate) == (2, "restructured", D("0.0600"))
    new = current(loan)
    assert [i.due_date for i in new] == [i.due_date for i in old]
    assert [i.principal_due for i in new] == [i.principal_due for i in old]
    assert (new[0].interest_due, new[1].interest_due) == (D("50.00"), D("46.06"))  # 100.00 / 2, 92.12 / 2
    # the cut of the interest already earned on the books: tests/servicing/test_restructuring_accrual.py,
    # through real closes (the sub-ledger and 1132 together)


def test_interest_reduction_with_nothing_on_the_books_posts_nothing(officer, approver, loan):
    business_date_set(value=date(2026, 12, 5))
    r = request(officer, loan, kind="interest_reduction", new_rate="0.0900")
    decide(approver, loan, r.data["id"])
    new = current(loan)
    assert (new[0].interest_due, new[1].interest_due) == (D("75.00"), D("69.09"))  # × 9 / 12 (69.09 = 92.12 × 0.75)
    assert not JournalEntry.objects.filter(kind="restructure").exists()


@pytest.mark.parametrize("rate", ["0.1200", "0.1500", "-0.0100"])
def test_interest_reduction_needs_a_lower_rate(officer, loan, rate):
    r = request(officer, loan, kind="interest_reduction", new_rate=rate)
    assert r.status_code == 400 and "new_rate" in r.data


def test_interest_reduction_without_a_rate_is_400(officer, loan):
    r = request(officer, loan, kind="interest_reduction")
    assert r.status_code == 400 and "new_rate" in r.data


def test_overdue_instalments_move_to_the_end_of_the_schedule(officer, approver, loan):
    business_date_set(value=date(2027, 1, 25))  # instalments 1 (2026-12-20) and 2 (2027-01-20) unpaid
    r = request(officer, loan, kind="overdue_deferral")
    assert r.status_code == 201, r.content
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 200, d.content
    loan.refresh_from_db()
    new = current(loan)
    assert len(new) == 12 and [i.number for i in new] == list(range(1, 13))
    assert new[0].due_date == date(2027, 2, 20)  # old instalment 3 is the first now
    assert [(i.due_date, i.interest_due) for i in new[-2:]] == [
        (date(2027, 12, 20), D("100.00")),  # old instalment 1, a period after the last (2027-11-20)
        (date(2028, 1, 20), D("92.12")),  # old instalment 2
    ]
    assert new[-1].balance_after == D("0.00")
    assert (loan.maturity_date, loan.days_past_due, loan.overdue_amount) == (date(2028, 1, 20), 0, D("0"))
    assert {i.status for i in new} == {"due"}
    assert not JournalEntry.objects.filter(kind="restructure").exists()  # no money moves


def test_overdue_deferral_of_a_loan_with_nothing_overdue_is_400(officer, loan):
    r = request(officer, loan, kind="overdue_deferral")
    assert r.status_code == 400 and "kind" in r.data
