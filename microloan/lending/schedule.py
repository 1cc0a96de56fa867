"""Repayment schedules, as defined in API.md ("Quote").

Pure Python, no Django: the quote endpoint, the loan at disbursement and the contract PDF
all call :func:`build_schedule`, so they cannot disagree about a cent.

Money comes in and goes out as ``Decimal`` and is rounded to 0.01 half-up at each step the
rules name (periodic interest, the annuity instalment, the equal principal part). Those
roundings are computed on exact rationals (``fractions.Fraction``) so that a true half cent
always rounds up; nothing here ever goes through ``float``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Final

from .apr import irr_apr
from .errors import ScheduleError
from .money import ZERO, money, money_exact, money_str, rate_str

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


@dataclass(frozen=True)
class Installment:
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
        anchor = disbursement_date.day
        return [add_months_clamped(disbursement_date, k, anchor) for k in range(1, term + 1)]
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
        if (Fraction(value) * 100).denominator != 1:
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


def _annuity_instalment(principal: Fraction, rate: Fraction, periods: int) -> Decimal:
    if rate == 0:
        return money_exact(principal / periods)
    # P·r / (1 − (1+r)^−n), written as P·r·g / (g − 1) with g = (1+r)^n.
    growth = (1 + rate) ** periods
    return money_exact(principal * rate * growth / (growth - 1))


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
    rate = Fraction(annual_rate) / periods_per_year
    flat_interest = money_exact(Fraction(principal) * rate)
    level_principal = money_exact(Fraction(principal) / amortising)
    annuity = _annuity_instalment(Fraction(principal), rate, amortising)

    with localcontext() as ctx:
        # Sums of cents stay exact at any size this precision allows.
        ctx.prec = _PRECISION
        rows: list[Installment] = []
        balance = money(principal)
        for number, due in enumerate(_rolled(due_dates(disbursement_date, term, frequency), roll), start=1):
            interest = flat_interest if method == "flat" else money_exact(Fraction(balance) * rate)
            if number == term:
                part = balance
            elif number <= grace_periods or method == "interest_only":
                part = ZERO
            elif method == "annuity":
                part = annuity - interest
            else:  # equal_principal, flat
                part = level_principal
            # Only reachable at the extremes of the accepted ranges (1.00 over 150 periods:
            # round(P/n) x (n-1) > P): never take more principal than is owed.
            part = min(part, balance)
            balance -= part
            rows.append(
                Installment(
                    number=number,
                    due_date=due,
                    principal=part,
                    interest=interest,
                    total=part + interest,
                    balance_after=balance,
                )
            )

        total_principal = money(principal)
        total_interest = sum((row.interest for row in rows), ZERO)
        return Schedule(
            installments=tuple(rows),
            total_principal=total_principal,
            total_interest=total_interest,
            total_payable=total_principal + total_interest,
            apr=irr_apr(
                net_disbursed=principal - fee,
                schedule_dates_and_totals=[(row.due_date, row.total) for row in rows],
                periods_per_year=periods_per_year,
            ),
        )
