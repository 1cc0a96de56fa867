"""The holiday calendar (microloan.holidays) where a loan meets it: the due dates of a new
schedule moved to the next working day when the product says so, and each instalment's
grace date (a due date on a public holiday of the loan's branch region runs to the first
working day after it),
kept on the row so the daily close compares one column.

``refresh_grace_dates`` is set-based: the distinct (due date, region) pairs of the rows it
touches (a handful per month), their working days from one calendar query, one UPDATE."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import connection
from django.dispatch import receiver

from applications.models import DueDateRule, Product
from microloan.holidays.calendar import WINDOW_DAYS, WorkingCalendar, calendar_for
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
    """Each due date's grace date for ``region`` (``WorkingCalendar.grace``: a public holiday
    runs to the first working day after it), None for a due date that is not graced (the row
    keeps no grace date then: one that moves its due date needs no other change); one query."""
    days = sorted(set(due))
    if not days:
        return {}
    cal = calendar_for([region], days[0], days[-1])
    return {d: (g if (g := cal.grace(d, region)) != d else None) for d in days}


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
    params: list = [x for d, r in pairs for x in (d, r, cal.grace(d, r))]
    params.append(InstallmentStatus.PAID)
    only = ""
    if ids is not None:
        only = " AND i.loan_id = ANY(%s)"
        params.append(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {inst} AS i SET grace_date = NULLIF(v.grace, v.due)
            FROM (VALUES {values}) AS v(due, region, grace), {loan} AS l, {branch} AS b
            WHERE l.id = i.loan_id AND b.id = l.branch_id AND i.due_date = v.due AND b.region = v.region
              AND i.is_current AND i.status <> %s AND i.grace_date IS DISTINCT FROM NULLIF(v.grace, v.due){only}
            """,
            params,
        )
        return cur.rowcount


def roll_due_dates(*, loan_ids: Iterable[int], on_or_after: date) -> int:
    """A restructuring's new due dates (of ``loan_ids``, the current unpaid rows due on or after
    ``on_or_after``) moved to the next working day of the branch's region where the product's
    ``due_date_rule`` says so, like a new loan's (``due_date_roller``); set-based: the distinct
    (due date, region) pairs, one calendar query, one UPDATE. Returns the rows moved (their
    grace dates are then refreshed by the caller: a working day needs none)."""
    inst, loan, branch, product = (
        Installment._meta.db_table,
        Loan._meta.db_table,
        Branch._meta.db_table,
        Product._meta.db_table,
    )
    ids = list(loan_ids)
    pairs = list(
        Installment.objects.filter(
            loan_id__in=ids,
            is_current=True,
            due_date__gte=on_or_after,
            loan__product__due_date_rule=DueDateRule.NEXT_WORKING_DAY,
        )
        .exclude(status=InstallmentStatus.PAID)
        .values_list("due_date", "loan__branch__region")
        .distinct()
    )
    if not pairs:
        return 0
    cal = calendar_for({r for _d, r in pairs}, min(d for d, _r in pairs), max(d for d, _r in pairs))
    moves = [(d, r, cal.next_working(d, r)) for d, r in pairs]
    moves = [m for m in moves if m[2] != m[0]]
    if not moves:
        return 0
    values = ", ".join(["(%s::date, %s, %s::date)"] * len(moves))
    params: list = [x for m in moves for x in m]
    params += [InstallmentStatus.PAID, DueDateRule.NEXT_WORKING_DAY, ids]
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {inst} AS i SET due_date = v.rolled
            FROM (VALUES {values}) AS v(due, region, rolled), {loan} AS l, {branch} AS b, {product} AS p
            WHERE l.id = i.loan_id AND b.id = l.branch_id AND p.id = l.product_id AND i.due_date = v.due
              AND b.region = v.region AND i.is_current AND i.status <> %s AND p.due_date_rule = %s
              AND i.loan_id = ANY(%s)
            """,
            params,
        )
        return cur.rowcount


@receiver(calendar_changed, sender=Holiday, dispatch_uid="servicing.grace_dates")
def _calendar_changed(sender, *, dates, regions, **kwargs) -> None:
    refresh_grace_dates(dates=dates, regions=regions)


def reminder_filter(business_date: date, days_before: int):
    """Which instalments ``business_date``'s reminders are for, and each due date's kind
    (``"due"`` or ``"before"``): due today, and due ``days_before`` days on, counted in
    calendar days, or in working days of the loan's branch region when the product says so
    (a working-day product's advance reminder goes out on working days only). One query (the
    calendar's window, every region: a region without entries counts as the nationwide days)."""
    from django.db.models import Q

    from applications.models import DayCount

    kinds = {business_date: "due"}
    cond = Q(due_date=business_date)
    if days_before <= 0:
        return cond, kinds
    ahead = business_date + timedelta(days=days_before)
    kinds[ahead] = "before"
    cond |= Q(due_date=ahead) & ~Q(loan__product__day_count=DayCount.WORKING)
    stop = ahead + timedelta(days=WINDOW_DAYS)
    entries = {
        (r, d): k
        for r, d, k in Holiday.objects.filter(
            date__range=(business_date, stop + timedelta(days=WINDOW_DAYS))
        ).values_list("region", "date", "kind")
    }
    cal = WorkingCalendar(start=business_date, end=stop + timedelta(days=WINDOW_DAYS), entries=entries)
    regions = sorted({r for r, _d in entries} - {""})
    working = Q(loan__product__day_count=DayCount.WORKING)
    for region in ["", *regions]:
        dates = [
            d
            for d in (ahead + timedelta(days=k) for k in range(WINDOW_DAYS))
            if cal.add_days(d, -days_before, region, working=True) == business_date
        ]
        if not dates:
            continue
        kinds.update(dict.fromkeys(dates, "before"))
        where = Q(loan__branch__region=region) if region else ~Q(loan__branch__region__in=regions)
        cond |= working & where & Q(due_date__in=dates)
    return cond, kinds


def working_days_past_due(*, business_date: date, loan_ids: Iterable[int]) -> list[tuple[int, str, int]]:
    """(days past due, region, working days past due) for each pair the loans of ``loan_ids``
    whose product counts working days hold: the working days among the ``days past due``
    days up to ``business_date``. Two queries (the pairs, the calendar)."""
    from applications.models import DayCount

    pairs = list(
        Loan.objects.filter(pk__in=list(loan_ids), product__day_count=DayCount.WORKING, days_past_due__gt=0)
        .values_list("days_past_due", "branch__region")
        .distinct()
    )
    if not pairs:
        return []
    longest = max(d for d, _r in pairs)
    start = business_date - timedelta(days=longest)
    cal = calendar_for({r for _d, r in pairs}, start, business_date)
    out = []
    for region in {r for _d, r in pairs}:
        # counted[k]: the working days among the k days up to the business date
        counted, n = [0], 0
        for k in range(1, longest + 1):
            n += cal.is_working(business_date - timedelta(days=k - 1), region)
            counted.append(n)
        out += [(d, region, counted[d]) for d, r in pairs if r == region]
    return sorted(out)
