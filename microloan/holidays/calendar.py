"""Working days: the one home of the rule. A day is a working day when the calendar says so
for the branch's region (a regional entry wins over the nationwide one of the same date),
otherwise when it is Monday to Friday.

``is_working_day`` / ``next_working_day`` answer one date; ``calendar_for`` loads a window
for several regions in one query and answers any number of dates from memory (a schedule,
the reminders' run, a recompute of grace dates). The close does not call these row by row:
each instalment carries its grace date (``WorkingCalendar.grace``: a due date on a public
holiday runs to the first working day after it), written when the schedule is made and again
when the calendar changes, so its SQL compares one column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .models import Holiday, HolidayKind

# A run of non-working days longer than this (a holiday week plus weekends) is not a calendar
# any country keeps; the window a lookup loads ahead of the date.
WINDOW_DAYS = 40


def weekday_is_working(d: date) -> bool:
    return d.weekday() < 5


@dataclass
class WorkingCalendar:
    """The calendar entries of some regions over ``[start, end]``; dates outside the window
    fall back to the weekday rule (load a window that covers what you ask)."""

    start: date
    end: date
    entries: dict[tuple[str, date], str] = field(default_factory=dict)

    def is_working(self, d: date, region: str = "") -> bool:
        kind = self.entries.get((region or "", d)) if region else None
        if kind is None:
            kind = self.entries.get(("", d))
        if kind is None:
            return weekday_is_working(d)
        return kind == HolidayKind.WORKING_DAY

    def next_working(self, d: date, region: str = "") -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        while not self.is_working(d, region):
            d += timedelta(days=1)
        return d

    def is_holiday(self, d: date, region: str = "") -> bool:
        """A public holiday of the calendar (not a plain weekend): the regional entry wins."""
        kind = self.entries.get((region or "", d)) if region else None
        if kind is None:
            kind = self.entries.get(("", d))
        return kind == HolidayKind.HOLIDAY

    def grace(self, d: date, region: str = "") -> date:
        """The date a payment due on ``d`` is still on time by: a due date on a public holiday
        runs to the first working day after it (over the weekend too); any other day is its
        own. (A plain weekend is not graced: a product that wants weekends skipped moves its
        due dates to working days, ``Product.due_date_rule``.)"""
        return self.next_working(d, region) if self.is_holiday(d, region) else d

    def roller(self, region: str = ""):
        """A function date → date for the pure schedule engine (microloan.lending)."""
        return lambda d: self.next_working(d, region)

    def add_days(self, d: date, days: int, region: str = "", *, working: bool) -> date:
        """``d`` moved ``days`` days (negative: back), counting working days only when
        ``working`` (a reminder 3 working days before a due date)."""
        if not working:
            return d + timedelta(days=days)
        step = timedelta(days=1 if days >= 0 else -1)
        left = abs(days)
        while left:
            d += step
            if self.is_working(d, region):
                left -= 1
        return d

    def days_between(self, start: date, end: date, region: str = "", *, working: bool) -> int:
        """Days after ``start`` up to and including ``end`` (0 when ``end <= start``),
        counting working days only when ``working``."""
        if end <= start:
            return 0
        if not working:
            return (end - start).days
        return sum(1 for k in range(1, (end - start).days + 1) if self.is_working(start + timedelta(days=k), region))


def calendar_for(regions: Iterable[str], start: date, end: date) -> WorkingCalendar:
    """The entries of ``regions`` (and the nationwide ones) from ``start`` to ``end`` plus the
    look-ahead window: one query."""
    wanted = sorted({r or "" for r in regions} | {""})
    stop = end + timedelta(days=WINDOW_DAYS)
    rows = Holiday.objects.filter(date__range=(start, stop), region__in=wanted).values_list("region", "date", "kind")
    return WorkingCalendar(start=start, end=stop, entries={(r, d): k for r, d, k in rows})


def is_working_day(d: date, region: str = "") -> bool:
    return calendar_for([region], d, d).is_working(d, region)


def next_working_day(d: date, region: str = "") -> date:
    """``d`` itself when it is a working day for ``region``, else the first working day after."""
    while True:
        cal = calendar_for([region], d, d)
        found = cal.next_working(d, region)
        if found <= cal.end:
            return found
        d = cal.end + timedelta(days=1)  # a run of non-working days past the window: look further
