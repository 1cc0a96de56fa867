"""The daily close and the holiday calendar, through the real close (collection/close_sql.py):
an instalment due on a public holiday is on time when paid on the first working day after it
(no days past due, no penalty), and is overdue from the day after that; a regional holiday
graces only that region's branches. The fixture loan: instalment 1 due Sunday 2026-12-20,
788.49 principal + 100.00 interest = 888.49; penalty 18% a year on a 360-day basis, 3 grace
days (tests/servicing/conftest.py)."""

from datetime import date
from decimal import Decimal

import pytest

from collection.models import PenaltyAccrual
from microloan.business_date import business_date_set
from microloan.config import services as config
from servicing.models import Installment
from servicing.repayments import repayment_post

from ..kernel.factories import administrators
from .test_close import close, inst

pytestmark = pytest.mark.django_db
D = Decimal


def calendar_day(day: date, name: str, region: str = "", kind: str = "holiday"):
    """A calendar day proposed by one administrator and applied by another, as in production."""
    maker, checker = administrators()
    change = config.config_change_propose(
        actor=maker,
        kind="holiday",
        operation="create",
        payload={"date": day.isoformat(), "kind": kind, "name": name, "region": region},
    )
    config.config_change_apply(actor=checker, change=change)


@pytest.fixture
def winter_holiday(loan):
    # Sunday 20 and Monday 21 December are a holiday run: the first working day after is Tuesday 22.
    calendar_day(date(2026, 12, 20), "Winter festival")
    calendar_day(date(2026, 12, 21), "Winter festival")
    return loan


def figures(loan):
    loan.refresh_from_db()
    return loan.days_past_due, loan.overdue_amount, loan.penalty_outstanding


def test_the_calendar_change_sets_the_grace_date_of_open_instalments(winter_holiday):
    assert inst(winter_holiday, 1).due_date == date(2026, 12, 20)
    assert inst(winter_holiday, 1).grace_date == date(2026, 12, 22)
    assert inst(winter_holiday, 2).grace_date is None  # Wednesday 2027-01-20: not graced


def test_paid_on_the_first_working_day_after_the_holiday_is_on_time(winter_holiday, officer):
    loan = winter_holiday
    for day in (date(2026, 12, 19), date(2026, 12, 20), date(2026, 12, 21)):
        close(day)
        assert figures(loan) == (0, D("0.00"), D("0.00")), day
    business_date_set(value=date(2026, 12, 22))
    repayment_post(actor=officer, loan=loan, amount=D("888.49"), paid_on=date(2026, 12, 22), channel="cash")
    close(date(2026, 12, 22))
    close(date(2026, 12, 23))
    assert figures(loan) == (0, D("0.00"), D("0.00"))
    assert inst(loan, 1).status == "paid" and inst(loan, 1).penalty_due == D("0.00")
    assert not PenaltyAccrual.objects.filter(loan=loan).exists()


def test_unpaid_it_is_overdue_from_the_day_after_the_grace_date(winter_holiday):
    loan = winter_holiday
    expected = {
        date(2026, 12, 22): (0, "0.00", "0.00"),  # the grace date itself: still on time
        date(2026, 12, 23): (1, "888.49", "0.00"),  # unpaid at the end of Tuesday 22
        date(2026, 12, 25): (3, "888.49", "0.00"),  # 3 = the grace days: no penalty yet
        # DPD 4 > 3: round(788.49 × 0.18 / 360) = round(0.394245) = 0.39 (3 days later than
        # without the holiday, test_close.py: 2026-12-24 there)
        date(2026, 12, 26): (4, "888.88", "0.39"),
    }
    for day, (dpd, overdue, penalty) in expected.items():
        close(day)
        assert figures(loan) == (dpd, D(overdue), D(penalty)), day
    assert inst(loan, 1).status == "overdue"


def test_a_regional_holiday_graces_only_that_regions_branches(loan):
    calendar_day(date(2026, 12, 21), "Regional day", region="XJ")
    assert inst(loan, 1).grace_date is None  # the branch has no region: no grace
    close(date(2026, 12, 21))
    assert figures(loan)[0] == 1  # as without a calendar
    loan.branch.region = "XJ"
    loan.branch.save()
    from servicing.calendar import refresh_grace_dates

    calendar_day(date(2026, 12, 20), "Regional day", region="XJ")  # the Sunday before, in XJ
    assert inst(loan, 1).grace_date == date(2026, 12, 22)
    assert refresh_grace_dates(loan_ids=[loan.pk]) == 0  # already right: nothing written
    close(date(2026, 12, 22))
    assert figures(loan) == (0, D("0.00"), D("0.00"))


def test_a_schedule_made_without_the_calendar_keeps_its_due_dates(loan):
    Installment.objects.filter(loan=loan).update(grace_date=None)
    close(date(2026, 12, 21))
    assert figures(loan)[0] == 1
