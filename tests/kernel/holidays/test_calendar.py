"""microloan/holidays/calendar.py: the one working-day rule. Dates by hand: 2026-10-01 is a
Thursday, 2026-10-03/04 a Saturday and Sunday, 2026-10-10 a Saturday."""

from datetime import date

import pytest

from microloan.holidays.calendar import calendar_for, is_working_day, next_working_day
from microloan.holidays.models import HolidayKind

from .factories import HolidayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def golden_week():
    for day in range(1, 8):  # Thu 1 .. Wed 7: the National Day week (weekend 3/4 inside)
        if date(2026, 10, day).weekday() < 5:
            HolidayFactory(date=date(2026, 10, day))
    HolidayFactory(date=date(2026, 10, 10), kind=HolidayKind.WORKING_DAY, name="调休")


def test_weekdays_work_and_weekends_rest_without_a_calendar():
    assert is_working_day(date(2026, 11, 23))  # a Monday
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)
    assert next_working_day(date(2026, 11, 23)) == date(2026, 11, 23)  # a working day is its own


def test_a_holiday_week_rolls_to_the_first_working_day_after_it(golden_week):
    assert not is_working_day(date(2026, 10, 1))
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)  # Thursday after the week
    assert next_working_day(date(2026, 10, 4)) == date(2026, 10, 8)


def test_a_make_up_working_day_counts_as_working(golden_week):
    assert date(2026, 10, 10).weekday() == 5
    assert is_working_day(date(2026, 10, 10))
    assert next_working_day(date(2026, 10, 10)) == date(2026, 10, 10)
    assert next_working_day(date(2026, 10, 9)) == date(2026, 10, 9)


def test_a_regional_holiday_only_affects_its_region():
    HolidayFactory(date=date(2026, 11, 23), region="XJ", name="Regional day")
    assert not is_working_day(date(2026, 11, 23), "XJ")
    assert is_working_day(date(2026, 11, 23), "")
    assert is_working_day(date(2026, 11, 23), "GD")
    assert next_working_day(date(2026, 11, 23), "XJ") == date(2026, 11, 24)


def test_a_regional_working_day_wins_over_the_nationwide_holiday():
    HolidayFactory(date=date(2026, 11, 23), name="National")
    HolidayFactory(date=date(2026, 11, 23), region="HK", kind=HolidayKind.WORKING_DAY, name="Works here")
    assert not is_working_day(date(2026, 11, 23), "")
    assert is_working_day(date(2026, 11, 23), "HK")


def test_a_run_longer_than_the_window_is_followed(settings):
    from datetime import timedelta

    start = date(2027, 1, 4)
    for k in range(60):
        d = start + timedelta(days=k)
        if d.weekday() < 5:
            HolidayFactory(date=d, name="long")
    assert next_working_day(start) == date(2027, 3, 5)  # 60 days on: Friday 2027-03-05


def test_one_query_answers_a_window_for_several_regions(golden_week, django_assert_num_queries):
    with django_assert_num_queries(1):
        cal = calendar_for(["", "XJ"], date(2026, 9, 1), date(2026, 12, 31))
    assert cal.next_working(date(2026, 10, 1), "XJ") == date(2026, 10, 8)
    # working days: Thu 8, Fri 9, Sat 10 (调休) are three working days after the 7th
    assert cal.add_days(date(2026, 10, 7), 3, working=True) == date(2026, 10, 10)
    assert cal.add_days(date(2026, 10, 8), -1, working=True) == date(2026, 9, 30)
    assert cal.days_between(date(2026, 9, 30), date(2026, 10, 12), working=True) == 4  # 8, 9, 10, 12
    assert cal.days_between(date(2026, 9, 30), date(2026, 10, 12), working=False) == 12
