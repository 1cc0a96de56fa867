"""The escalation ladder by working days for a product that counts them (Product.day_count):
the officer's call (the ladder's step from 3 days past due) waits for 3 working days past due.
The fixture loan's instalment 1 is due Sunday 2026-12-20, unpaid: 1 day past due on Monday 21."""

from datetime import date

import pytest

from collection.case_models import CaseStep

from ..kernel.holidays.factories import HolidayFactory
from .factories import close_through

pytestmark = pytest.mark.django_db


def steps(loan):
    return list(CaseStep.objects.filter(case__loan=loan).order_by("id").values_list("step", "business_date"))


@pytest.fixture
def midweek_holidays(db):
    HolidayFactory(date=date(2026, 12, 22), name="Tuesday off")
    HolidayFactory(date=date(2026, 12, 23), name="Wednesday off")


def test_calendar_days_call_on_the_third_day(loan, collectors, midweek_holidays):
    close_through(date(2026, 12, 19), date(2026, 12, 25))
    assert steps(loan) == [("overdue_notice", date(2026, 12, 21)), ("officer_call", date(2026, 12, 23))]


def test_working_days_call_on_the_third_working_day(loan, collectors, midweek_holidays):
    loan.product.day_count = "working"
    loan.product.save()
    # working days past due: Mon 21 (1), Tue and Wed are holidays (1, 1), Thu 24 (2), Fri 25 (3)
    close_through(date(2026, 12, 19), date(2026, 12, 24))
    assert steps(loan) == [("overdue_notice", date(2026, 12, 21))]
    close_through(date(2026, 12, 25), date(2026, 12, 25))
    assert steps(loan) == [("overdue_notice", date(2026, 12, 21)), ("officer_call", date(2026, 12, 25))]
