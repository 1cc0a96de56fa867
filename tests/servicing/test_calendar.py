"""servicing/calendar.py and the loan's schedule: a product that moves due dates on
non-working days gives the loan (and its contract) working-day due dates, with the same
figures; the approval's (or the product's) grace periods shape the loan's schedule, from the
decision through the API to the instalments. The fixture loan: 10,000.00 over 12 months at
12%, annuity, disbursed Friday 2026-11-20 (tests/servicing/conftest.py)."""

from datetime import date
from decimal import Decimal

import pytest

from applications.models import DueDateRule
from microloan import scenarios
from microloan.lending.schedule import build_schedule
from servicing.calendar import grace_dates_for, reminder_filter, working_days_past_due
from servicing.models import Installment, Loan

from ..conftest import client_for
from ..kernel.holidays.factories import HolidayFactory
from ..underwriting.factories import submitted_app, to_pending
from .conftest import BUSINESS_DATE, approved_schedule

pytestmark = pytest.mark.django_db
D = Decimal


def rows(loan):
    return list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))


@pytest.fixture
def moving(sv_product):
    sv_product.due_date_rule = DueDateRule.NEXT_WORKING_DAY
    sv_product.save()
    HolidayFactory(date=date(2027, 1, 20), name="A Wednesday holiday")
    return sv_product


def test_due_dates_on_non_working_days_move_to_the_next_working_day(moving, loan):
    # 20th of each month from 2026-12: Sun, Wed (a holiday), Sat, Sat, Tue, Thu, Sun, Tue, Fri,
    # Mon, Wed, Sat -> the next working day when it is not one
    expected = [
        date(2026, 12, 21),
        date(2027, 1, 21),
        date(2027, 2, 22),
        date(2027, 3, 22),
        date(2027, 4, 20),
        date(2027, 5, 20),
        date(2027, 6, 21),
        date(2027, 7, 20),
        date(2027, 8, 20),
        date(2027, 9, 20),
        date(2027, 10, 20),
        date(2027, 11, 22),
    ]
    got = rows(loan)
    assert [i.due_date for i in got] == expected
    assert loan.maturity_date == date(2027, 11, 22)
    # the figures are the unmoved schedule's: 100.00 interest, 788.49 principal first
    plain = approved_schedule()
    assert [(i.principal_due, i.interest_due) for i in got] == [(r.principal, r.interest) for r in plain.installments]
    assert (got[0].principal_due, got[0].interest_due) == (D("788.49"), D("100.00"))
    # a moved date is a working day: nothing to grace
    assert all(i.grace_date is None for i in got)


def test_a_product_that_keeps_its_due_dates_keeps_them(sv_product, loan):
    assert sv_product.due_date_rule == DueDateRule.KEEP
    assert [i.due_date for i in rows(loan)][:2] == [date(2026, 12, 20), date(2027, 1, 20)]


def test_grace_dates_only_for_public_holidays():
    HolidayFactory(date=date(2027, 1, 20))
    assert grace_dates_for([date(2026, 12, 20), date(2027, 1, 20)], "") == {
        date(2026, 12, 20): None,  # a plain Sunday: no grace (the product may move it)
        date(2027, 1, 20): date(2027, 1, 21),
    }


def decided_loan(officer, reviewer, approver, supervisor, product, **decision):
    """Approved through the API's decision (with ``decision``'s extra fields), then contracted,
    signed and disbursed on 2026-11-20."""
    app = to_pending(submitted_app(officer, product), officer, reviewer)
    body = {
        "decision": "approve",
        "approved_amount": "10000.00",
        "approved_term": 12,
        "approved_rate": "0.1200",
        **decision,
    }
    r = client_for(approver).post(f"/api/v1/applications/{app.pk}/decision/", body, format="json")
    assert r.status_code == 200, r.content
    app.refresh_from_db()
    return scenarios.loan_disbursed(
        app, officer=officer, reviewer=reviewer, approver=approver, releaser=supervisor, on=BUSINESS_DATE
    )


def test_the_approvals_grace_periods_shape_the_loans_schedule(
    biz_date, officer, reviewer, approver, supervisor, sv_product
):
    loan = decided_loan(officer, reviewer, approver, supervisor, sv_product, approved_grace_periods=2)
    assert loan.application.approved_grace_periods == 2 and loan.grace_periods == 2
    got = rows(loan)
    # two interest-only months: 10,000.00 × 12% / 12 = 100.00, no principal
    assert [(i.principal_due, i.interest_due) for i in got[:2]] == [(D("0.00"), D("100.00"))] * 2
    # then 10 annuity months on the full principal: 10,000 × 0.01 / (1 − 1.01^−10) = 1,055.82
    assert got[2].principal_due + got[2].interest_due == D("1055.82")
    assert got[2].interest_due == D("100.00") and got[2].principal_due == D("955.82")
    assert sum(i.principal_due for i in got) == D("10000.00")
    quoted = build_schedule(
        principal=D("10000.00"),
        annual_rate=D("0.12"),
        term=12,
        frequency="monthly",
        method="annuity",
        disbursement_date=BUSINESS_DATE,
        fee=D("100.00"),
        grace_periods=2,
    )
    assert [(i.principal_due, i.interest_due) for i in got] == [(r.principal, r.interest) for r in quoted.installments]
    assert loan.apr == quoted.apr
    assert loan.contract.terms["grace_periods"] == "2"


def test_the_products_grace_periods_when_the_approval_names_none(
    biz_date, officer, reviewer, approver, supervisor, sv_product
):
    sv_product.grace_periods = 1
    sv_product.save()
    loan = decided_loan(officer, reviewer, approver, supervisor, sv_product)
    got = rows(loan)
    assert (got[0].principal_due, got[0].interest_due) == (D("0.00"), D("100.00"))
    assert got[1].principal_due > 0 and loan.grace_periods == 1


def test_an_approval_may_not_grace_the_whole_term(biz_date, officer, reviewer, approver, sv_product):
    app = to_pending(submitted_app(officer, sv_product), officer, reviewer)
    body = {"decision": "approve", "approved_amount": "10000.00", "approved_term": 12, "approved_rate": "0.1200"}
    r = client_for(approver).post(
        f"/api/v1/applications/{app.pk}/decision/", {**body, "approved_grace_periods": 12}, format="json"
    )
    assert r.status_code == 400 and "approved_grace_periods" in r.json()
    r = client_for(approver).post(
        f"/api/v1/applications/{app.pk}/decision/", {**body, "approved_grace_periods": -1}, format="json"
    )
    assert r.status_code == 400 and "approved_grace_periods" in r.json()


# --- working days for reminders and the ladder ------------------------------------------------


def test_an_advance_reminder_counts_working_days_when_the_product_says_so():
    # 3 working days before Monday 2026-12-21 is Wednesday 2026-12-16; with a holiday on
    # Friday 18 it is Tuesday 15. Calendar products: 3 days before is the 18th.
    cond, kinds = reminder_filter(date(2026, 12, 16), 3)
    assert kinds[date(2026, 12, 19)] == "before"  # calendar: Wed 16 + 3
    assert {d for d, k in kinds.items() if k == "before"} >= {date(2026, 12, 21)}  # working: Mon 21
    HolidayFactory(date=date(2026, 12, 18))
    cond, kinds = reminder_filter(date(2026, 12, 15), 3)
    assert date(2026, 12, 21) in kinds
    # a Saturday sends no working-day advance reminder
    cond, kinds = reminder_filter(date(2026, 12, 19), 3)
    assert set(kinds) == {date(2026, 12, 19), date(2026, 12, 22)}


def test_working_days_past_due_for_a_working_day_product(loan):
    Loan.objects.filter(pk=loan.pk).update(days_past_due=7)
    assert working_days_past_due(business_date=date(2026, 12, 27), loan_ids=[loan.pk]) == []  # calendar product
    loan.product.day_count = "working"
    loan.product.save()
    # the 7 days up to Sunday 2026-12-27: Mon 21 .. Fri 25 are 5 working days
    assert working_days_past_due(business_date=date(2026, 12, 27), loan_ids=[loan.pk]) == [(7, "", 5)]
    HolidayFactory(date=date(2026, 12, 25), name="Christmas")
    assert working_days_past_due(business_date=date(2026, 12, 27), loan_ids=[loan.pk]) == [(7, "", 4)]
