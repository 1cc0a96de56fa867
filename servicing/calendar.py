"""The holiday calendar (microloan.holidays) where a loan meets it: the due dates of a new
schedule moved to the next working day when the product says so, and each instalment's
grace date (the first working day on or after its due date, for the loan's branch region),
kept on the row so the daily close compares one column.

``refresh_grace_dates`` is set-based: the distinct (due date, region) pairs of the rows it
touches (a handful per month), their working days from one calendar query, one UPDATE."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import connection
from django.dispatch import receiver

from applications.models import DueDateRule, Product
from microloan.holidays.calendar import WINDOW_DAYS, calendar_for
from microloan.holidays.kind import calendar_changed
from microloan.holidays.models import Holiday
from microloan.lending.schedule import shift_due_date
from microloan.models import Branch

from .models import Installment, InstallmentStatus, Loan


def due_date_roller(*, product: Product, region: str, start: date, term: int, frequency: str) -> Callable | None:
    """What ``build_schedule(roll=...)`` takes for ``product``: None when it keeps due dates."""
    if product.due_date_rule != DueDateRule.NEXT_WORKING_DAY:
        return None
    return calendar_for([region], start, shift_due_date(start, frequency, term)).roller(region)


def grace_dates_for(due: Iterable[date], region: str) -> dict[date, date]:
    """Each due date's first working day on or after it, for ``region`` (one query)."""
    days = sorted(set(due))
    if not days:
        return {}
    cal = calendar_for([region], days[0], days[-1])
    return {d: cal.next_working(d, region) for d in days}


def refresh_grace_dates(*, loan_ids: Iterable[int] | None = None, dates: Iterable[date] = (), regions=None) -> int:
    """Sets the grace date of the current unpaid instalments (of ``loan_ids``, or whose due date
    a change of the calendar on ``dates`` may move, in ``regions``; "" is every branch) from
    the calendar as it is now. Returns the rows written."""
    inst, loan, branch = Installment._meta.db_table, Loan._meta.db_table, Branch._meta.db_table
    qs = Installment.objects.filter(is_current=True).exclude(status=InstallmentStatus.PAID)
    ids = None if loan_ids is None else list(loan_ids)
    if ids is not None:
        qs = qs.filter(loan_id__in=ids)
    days = sorted(set(dates))
    if days:
        qs = qs.filter(due_date__range=(days[0] - timedelta(days=WINDOW_DAYS), days[-1]))
    if regions is not None and "" not in set(regions):
        qs = qs.filter(loan__branch__region__in=list(regions))
    pairs = list(qs.values_list("due_date", "loan__branch__region").distinct())
    if not pairs:
        return 0
    cal = calendar_for({r for _d, r in pairs}, min(d for d, _r in pairs), max(d for d, _r in pairs))
    values = ", ".join(["(%s::date, %s, %s::date)"] * len(pairs))
    params: list = [x for d, r in pairs for x in (d, r, cal.next_working(d, r))]
    params.append(InstallmentStatus.PAID)
    only = ""
    if ids is not None:
        only = " AND i.loan_id = ANY(%s)"
        params.append(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {inst} AS i SET grace_date = v.grace
            FROM (VALUES {values}) AS v(due, region, grace), {loan} AS l, {branch} AS b
            WHERE l.id = i.loan_id AND b.id = l.branch_id AND i.due_date = v.due AND b.region = v.region
              AND i.is_current AND i.status <> %s AND i.grace_date IS DISTINCT FROM v.grace{only}
            """,
            params,
        )
        return cur.rowcount


@receiver(calendar_changed, sender=Holiday, dispatch_uid="servicing.grace_dates")
def _calendar_changed(sender, *, dates, regions, **kwargs) -> None:
    refresh_grace_dates(dates=dates, regions=regions)
