"""Repayment schedules, as defined in API.md ("Quote").

Pure Python, no Django: the quote endpoint, the loan at disbursement and the contract PDF
all call :func:`build_schedule`, so they cannot disagree about a cent.

Money comes in and goes out as ``Decimal`` and is rounded to 0.01 half-up at each step the
rules name (periodic interest, the annuity instalment, the equal principal part). Inside
:func:`build_schedule` those roundings are integer divisions on whole cents with the exact
rational periodic rate, so a true half cent always rounds up; nothing here ever goes through
``float``. (The helpers for one amount, :func:`period_interest` and :func:`interest_to_date`,
compute the same roundings on ``fractions.Fraction``.)
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any, Final, NamedTuple

from .apr import apr_of_whole_flows
from .errors import ScheduleError
from .money import CENT, ZERO, money_exact, money_str, rate_str

METHODS: Final = ("annuity", "equal_principal", "interest_only", "flat")
FREQUENCIES: Final[dict[str, int]] = {"monthly": 12, "biweekly": 26, "weekly": 52}
# Fixed spacing of the non-monthly frequencies.
PERIOD_DAYS: Final[dict[str, int]] = {"biweekly": 14, "weekly": 7}

MAX_ANNUAL_RATE: Final = Decimal("10")
MAX_TERM: Final = 600

# Decimal working precision: sums of cents stay exact far beyond any real amount.
_PRECISION: Final = 50
_FREQUENCY_MESSAGE: Final = f"Must be one of {', '.join(FREQUENCIES)}."
_METHOD_MESSAGE: Final = f"Must be one of {', '.join(METHODS)}."


class Installment(NamedTuple):
    """One row of a schedule (immutable; a named tuple: a schedule builds many of them)."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance_after: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "due_date": self.due_date.isoformat(),
            "principal": money_str(self.principal),
            "interest": money_str(self.interest),
            "total": money_str(self.total),
            "balance_after": money_str(self.balance_after),
        }


@dataclass(frozen=True)
class Schedule:
    installments: tuple[Installment, ...]
    total_principal: Decimal
    total_interest: Decimal
    total_payable: Decimal
    apr: Decimal

    def as_dict(self) -> dict[str, Any]:
        """The quote response body of API.md (money "0.00", apr "0.0000")."""
        return {
            "installments": [installment.as_dict() for installment in self.installments],
            "total_principal": money_str(self.total_principal),
            "total_interest": money_str(self.total_interest),
            "total_payable": money_str(self.total_payable),
            "apr": rate_str(self.apr),
        }


def periodic_rate(annual_rate: Decimal, frequency: str) -> Decimal:
    """The annual rate divided by the periods per year, to 50 significant digits.

    To charge a period's interest on an amount use :func:`period_interest`: multiplying by
    this (inexact) quotient can turn an exact half cent into 0.00499... and round it down.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return annual_rate / _periods_per_year(frequency)


def period_interest(amount: Decimal, annual_rate: Decimal, frequency: str) -> Decimal:
    """One period's interest on ``amount``: round(amount x annual rate / periods), exactly."""
    return money_exact(Fraction(amount) * Fraction(annual_rate) / _periods_per_year(frequency))


def _periods_per_year(frequency: str) -> int:
    try:
        return FREQUENCIES[frequency]
    except KeyError:
        raise ScheduleError("frequency", _FREQUENCY_MESSAGE) from None


def add_months_clamped(d: date, months: int, anchor_day: int | None = None) -> date:
    """``d`` moved ``months`` calendar months, on ``anchor_day`` (default ``d.day``) or the
    month's last day when the month is shorter.

    Always count from the original date with the original anchor: stepping month by month
    would lose the 31st after February (Jan 31 -> Feb 28 -> Mar 28).
    """
    day = d.day if anchor_day is None else anchor_day
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day, last_day))


def shift_due_date(d: date, frequency: str, periods: int) -> date:
    """``d`` moved ``periods`` periods of ``frequency`` (a calendar month clamps to the month's end)."""
    if frequency == "monthly":
        return add_months_clamped(d, periods, d.day)
    if frequency in PERIOD_DAYS:
        return d + timedelta(days=PERIOD_DAYS[frequency] * periods)
    raise ScheduleError("frequency", _FREQUENCY_MESSAGE)


def interest_to_date(period_interest: Decimal, *, start: date, due: date, on: date) -> Decimal:
    """The part of one period's interest earned by ``on``: actual days elapsed over the
    period's days, rounded half-up to the cent; zero unless ``start < on < due``.

    The early payoff charges it and a restructuring keeps it, so they cannot disagree.
    """
    if not start < on < due:
        return ZERO
    return money_exact(Fraction(period_interest) * (on - start).days / (due - start).days)


def due_dates(disbursement_date: date, term: int, frequency: str) -> list[date]:
    """The ``term`` due dates following ``disbursement_date``."""
    if frequency == "monthly":
        # add_months_clamped(disbursement_date, k) for each k, without recomputing the anchor:
        # a day up to the 28th exists in every month.
        day = disbursement_date.day
        first = disbursement_date.year * 12 + disbursement_date.month - 1
        dates = []
        for index in range(first + 1, first + term + 1):
            year, month0 = divmod(index, 12)
            if day <= 28:
                dates.append(date(year, month0 + 1, day))
            else:
                dates.append(date(year, month0 + 1, min(day, calendar.monthrange(year, month0 + 1)[1])))
        return dates
    if frequency in PERIOD_DAYS:
        step = timedelta(days=PERIOD_DAYS[frequency])
        return [disbursement_date + step * k for k in range(1, term + 1)]
    raise ScheduleError("frequency", _FREQUENCY_MESSAGE)


def _validate(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: str,
    method: str,
    disbursement_date: date,
    fee: Decimal,
    grace_periods: int,
) -> None:
    for field, value in (("principal", principal), ("annual_rate", annual_rate), ("fee", fee)):
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ScheduleError(field, "Must be a finite Decimal.")
    for field, value in (("principal", principal), ("fee", fee)):
        numerator, denominator = value.as_integer_ratio()
        if numerator * 100 % denominator:
            raise ScheduleError(field, "Must have at most 2 decimal places.")
    for field, count in (("term", term), ("grace_periods", grace_periods)):
        if not isinstance(count, int) or isinstance(count, bool):
            raise ScheduleError(field, "Must be a whole number.")
    # datetime is a subclass of date; a time of day would make the dates ambiguous.
    if not isinstance(disbursement_date, date) or isinstance(disbursement_date, datetime):
        raise ScheduleError("disbursement_date", "Must be a date.")
    _validate_ranges(
        principal=principal,
        annual_rate=annual_rate,
        term=term,
        frequency=frequency,
        method=method,
        fee=fee,
        grace_periods=grace_periods,
    )


def _validate_ranges(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: str,
    method: str,
    fee: Decimal,
    grace_periods: int,
) -> None:
    if principal <= 0:
        raise ScheduleError("principal", "Must be greater than 0.")
    if annual_rate < 0 or annual_rate > MAX_ANNUAL_RATE:
        raise ScheduleError("annual_rate", f"Must be between 0 and {MAX_ANNUAL_RATE}.")
    if term < 1 or term > MAX_TERM:
        raise ScheduleError("term", f"Must be between 1 and {MAX_TERM}.")
    if frequency not in FREQUENCIES:
        raise ScheduleError("frequency", _FREQUENCY_MESSAGE)
    if method not in METHODS:
        raise ScheduleError("method", _METHOD_MESSAGE)
    if fee < 0:
        raise ScheduleError("fee", "Must not be negative.")
    if fee >= principal:
        raise ScheduleError("fee", "Must be less than the principal.")
    if grace_periods < 0 or grace_periods >= term:
        raise ScheduleError("grace_periods", "Must be at least 0 and less than the term.")


def _half_up(numerator: int, denominator: int) -> int:
    """round(numerator / denominator), half-up, for numerator >= 0 and denominator > 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def _annuity_cents(principal: int, rate_num: int, rate_den: int, periods: int) -> int:
    """The level instalment in cents, round(P x r / (1 - (1+r)^-n)) half-up, exactly."""
    if rate_num == 0:
        return _half_up(principal, periods)
    # P·r / (1 − (1+r)^−n) = P·r·g / (g − 1) with g = (1+r)^n = E^n / D^n, E = D + num.
    grown = (rate_den + rate_num) ** periods
    return _half_up(principal * rate_num * grown, rate_den * (grown - rate_den**periods))


def _rolled(dates: list[date], roll: Callable[[date], date] | None) -> list[date]:
    if roll is None:
        return dates
    moved = [roll(d) for d in dates]
    if any(not isinstance(m, date) or m < d for m, d in zip(moved, dates, strict=True)):
        raise ScheduleError("roll", "A due date may only move later.")
    return moved


def build_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: str,
    method: str,
    disbursement_date: date,
    fee: Decimal = Decimal("0"),
    grace_periods: int = 0,
    roll: Callable[[date], date] | None = None,
) -> Schedule:
    """The repayment schedule of API.md ("Quote") and its APR.

    ``grace_periods`` = k: the first k periods pay interest only, then the remaining
    ``term - k`` periods amortise the full principal by ``method`` as if they were the
    whole loan. ``roll``, when given, moves each due date (a product that moves a due date
    falling on a non-working day to the next working day passes the holiday calendar's
    ``next_working``): the next period still counts from the anchor day, so nothing drifts,
    and the period's interest stays the period's. Raises :class:`ScheduleError` for an input
    the rules cannot accept.

    All the arithmetic is on whole cents: the periodic rate is the exact ratio
    num / den (annual rate / periods a year), each rounding a half-up integer division, so a
    true half cent always rounds up and nothing goes through ``float``.
    """
    _validate(
        principal=principal,
        annual_rate=annual_rate,
        term=term,
        frequency=frequency,
        method=method,
        disbursement_date=disbursement_date,
        fee=fee,
        grace_periods=grace_periods,
    )
    periods_per_year = FREQUENCIES[frequency]
    amortising = term - grace_periods
    rate_num, rate_den = annual_rate.as_integer_ratio()
    rate_den *= periods_per_year
    principal_cents = _cents(principal)
    flat_interest = _half_up(principal_cents * rate_num, rate_den)
    level_principal = _half_up(principal_cents, amortising)
    annuity = _annuity_cents(principal_cents, rate_num, rate_den, amortising)
    interest_only = method == "interest_only"
    flat = method == "flat"
    level = method == "annuity"
    two_num, two_den = 2 * rate_num, 2 * rate_den

    to_money = _to_money
    rows: list[Installment] = []
    totals: list[int] = []
    balance = principal_cents
    total_interest = 0
    for number, due in enumerate(_rolled(due_dates(disbursement_date, term, frequency), roll), start=1):
        interest = flat_interest if flat else (balance * two_num + rate_den) // two_den
        if number == term:
            part = balance
        elif number <= grace_periods or interest_only:
            part = 0
        elif level:
            part = annuity - interest
        else:  # equal_principal, flat
            part = level_principal
        # Only reachable at the extremes of the accepted ranges (1.00 over 150 periods:
        # round(P/n) x (n-1) > P): never take more principal than is owed.
        if part > balance:
            part = balance
        balance -= part
        total = part + interest
        total_interest += interest
        totals.append(total)
        rows.append(Installment(number, due, to_money(part), to_money(interest), to_money(total), to_money(balance)))

    return Schedule(
        installments=tuple(rows),
        total_principal=to_money(principal_cents),
        total_interest=to_money(total_interest),
        total_payable=to_money(principal_cents + total_interest),
        apr=apr_of_whole_flows(principal_cents - _cents(fee), totals, periods_per_year, (rate_num, rate_den)),
    )


def _cents(amount: Decimal) -> int:
    """A validated amount (at most 2 places) in whole cents."""
    numerator, denominator = amount.as_integer_ratio()
    return numerator * 100 // denominator


# Exact: a product of two integers of at most 50 digits' worth is never rounded.
_MONEY_CONTEXT: Final = Context(prec=_PRECISION)


def _to_money(cents: int) -> Decimal:
    """Whole cents as a 2-place Decimal (exact, in a context of its own, whatever the caller's)."""
    return _MONEY_CONTEXT.multiply(cents, CENT)
