"""Repayment schedules and their APR, as defined in API.md ("Quote").

Pure Python, no Django: the quote endpoint, the loan at disbursement and the contract PDF
all call :func:`build_schedule`, so they cannot disagree about a cent.

Money comes in and goes out as ``Decimal`` and is rounded to 0.01 half-up at each step the
rules name (periodic interest, the annuity instalment, the equal principal part). Those
roundings are computed on exact rationals (``fractions.Fraction``) so that a true half cent
always rounds up; nothing here ever goes through ``float``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any, Final

METHODS: Final = ("annuity", "equal_principal", "interest_only", "flat")
FREQUENCIES: Final[dict[str, int]] = {"monthly": 12, "biweekly": 26, "weekly": 52}
# Fixed spacing of the non-monthly frequencies.
PERIOD_DAYS: Final[dict[str, int]] = {"biweekly": 14, "weekly": 7}

MAX_ANNUAL_RATE: Final = Decimal("10")
MAX_TERM: Final = 600

CENT: Final = Decimal("0.01")
APR_PLACES: Final = Decimal("0.0001")
ZERO: Final = Decimal("0.00")

# Decimal working precision: sums of cents stay exact far beyond any real amount, and the
# IRR's discount factors ((1+i)^-600) keep well over the digits the 4-place APR needs.
_PRECISION: Final = 50
# The IRR solver stops once a Newton step is below this; far finer than the 4 places the
# APR is rounded to, even after multiplying by 52 periods a year.
_IRR_TOLERANCE: Final = Decimal("1e-24")
_IRR_MAX_ITERATIONS: Final = 500

_FREQUENCY_MESSAGE: Final = f"Must be one of {', '.join(FREQUENCIES)}."
_METHOD_MESSAGE: Final = f"Must be one of {', '.join(METHODS)}."


class ScheduleError(ValueError):
    """An input the schedule rules cannot accept; ``field`` names the request field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


def round_money(value: Decimal) -> Decimal:
    """Round to 0.01, half-up (the only rounding the schedule rules use)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION  # quantize fails once the result has more digits than prec
        return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    # Fixed-point ("f") so large or zero amounts never come out as "1E+3" or "0E-2"; adding
    # zero turns a "-0.00" into "0.00".
    return format(round_money(value) + ZERO, "f")


def rate_str(value: Decimal) -> str:
    return format(value.quantize(APR_PLACES, rounding=ROUND_HALF_UP) + Decimal("0.0000"), "f")


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
    return _round_exact(Fraction(amount) * Fraction(annual_rate) / _periods_per_year(frequency))


def _periods_per_year(frequency: str) -> int:
    try:
        return FREQUENCIES[frequency]
    except KeyError:
        raise ScheduleError("frequency", _FREQUENCY_MESSAGE) from None


def _round_exact(value: Fraction) -> Decimal:
    """``value`` (>= 0) rounded half-up to the cent.

    The schedule's roundings are done on exact rationals rather than on Decimals of some
    precision, so that a value that is exactly half a cent (37.50 x 0.16% / 12 = 0.005) is
    never seen as 0.00499... and rounded the wrong way.
    """
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(f"{cents}E-2")  # the constructor is exact, unlike arithmetic


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
    for field, value in (("term", term), ("grace_periods", grace_periods)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ScheduleError(field, "Must be a whole number.")
    # datetime is a subclass of date; a time of day would make the dates ambiguous.
    if not isinstance(disbursement_date, date) or isinstance(disbursement_date, datetime):
        raise ScheduleError("disbursement_date", "Must be a date.")

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
        return _round_exact(principal / periods)
    # P·r / (1 − (1+r)^−n), written as P·r·g / (g − 1) with g = (1+r)^n.
    growth = (1 + rate) ** periods
    return _round_exact(principal * rate * growth / (growth - 1))


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
) -> Schedule:
    """The repayment schedule of API.md ("Quote") and its APR.

    ``grace_periods`` = k: the first k periods pay interest only, then the remaining
    ``term - k`` periods amortise the full principal by ``method`` as if they were the
    whole loan. Raises :class:`ScheduleError` for an input the rules cannot accept.
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
    flat_interest = _round_exact(Fraction(principal) * rate)
    level_principal = _round_exact(Fraction(principal) / amortising)
    annuity = _annuity_instalment(Fraction(principal), rate, amortising)

    with localcontext() as ctx:
        # Sums of cents stay exact at any size this precision allows.
        ctx.prec = _PRECISION
        rows: list[Installment] = []
        balance = round_money(principal)
        for number, due in enumerate(due_dates(disbursement_date, term, frequency), start=1):
            interest = flat_interest if method == "flat" else _round_exact(Fraction(balance) * rate)
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

        total_principal = round_money(principal)
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


def _npv_and_slope(rate: Decimal, net_disbursed: Decimal, totals: list[Decimal]) -> tuple[Decimal, Decimal]:
    """NPV at periodic ``rate`` of (-net at t0, totals[k-1] at period k), and its derivative."""
    discount = 1 / (1 + rate)
    factor = Decimal(1)
    npv = -net_disbursed
    slope = Decimal(0)
    for k, total in enumerate(totals, start=1):
        factor *= discount  # (1 + rate)^-k
        npv += total * factor
        slope -= k * total * factor * discount
    return npv, slope


def _irr_at_least(annual_rate: Decimal, periods_per_year: int, net_disbursed: Decimal, totals: list[Decimal]) -> bool:
    """Exactly whether the IRR x ``periods_per_year`` >= ``annual_rate``, i.e. whether the NPV
    at that rate is >= 0 (the NPV falls as the rate rises).

    Integer arithmetic only: with 1 + rate = E / D, the NPV times E^n is
    sum(total_k x D^k x E^(n-k)) - net x E^n, all amounts scaled to whole numbers.
    """
    numerator, denominator = annual_rate.as_integer_ratio()
    d = denominator * periods_per_year
    e = d + numerator
    if e <= 0:  # at or below -100% a period the NPV is unbounded above
        return True
    ratios = [amount.as_integer_ratio() for amount in (net_disbursed, *totals)]
    scale = math.lcm(*(den for _, den in ratios))
    net, *flows = [num * (scale // den) for num, den in ratios]
    present = 0
    d_power = 1
    for flow in flows:
        d_power *= d
        present = present * e + flow * d_power
    return present >= net * e ** len(flows)


def irr_apr(
    *,
    net_disbursed: Decimal,
    schedule_dates_and_totals: Iterable[tuple[date, Decimal]],
    periods_per_year: int,
) -> Decimal:
    """The APR by the IRR method: the periodic IRR of (-net_disbursed at t0, the k-th total
    at period k) times ``periods_per_year``, rounded half-up to 4 places.

    The k-th instalment (in the order given) is taken to fall at exactly period k, whatever
    its calendar date: a month counts as a month whether it has 28 or 31 days. That is what
    the reference schedules expect (with actual day counts the Jan 31 case comes out
    different in the 4th place).

    Deterministic and float-free: the NPV is convex and decreasing in the rate for these
    cash flows (one outflow, then inflows), so Newton's method started at a rate whose NPV
    is positive climbs to the root monotonically without overshooting. The last place is
    then settled exactly, so a tie (a one-period loan's IRR can be exactly x.xxxx5) rounds
    up rather than by which side Newton approached it from.
    """
    totals = [total for _, total in schedule_dates_and_totals]
    if net_disbursed <= 0:
        raise ScheduleError("net_disbursed", "Must be greater than 0.")
    if not totals or any(total < 0 for total in totals) or sum(totals) <= 0:
        raise ScheduleError("installments", "Need at least one positive instalment.")

    with localcontext() as ctx:
        ctx.prec = _PRECISION
        # Start at 0, whose NPV (sum of totals - net) is >= 0 for every schedule built here.
        # Payments that do not even return the amount paid out mean a negative IRR; then
        # move the start towards -1, where the NPV grows without bound.
        rate = Decimal(0)
        npv, slope = _npv_and_slope(rate, net_disbursed, totals)
        while npv < 0:
            rate = (rate - 1) / 2
            npv, slope = _npv_and_slope(rate, net_disbursed, totals)
        for _ in range(_IRR_MAX_ITERATIONS):
            if npv == 0:
                break
            step = npv / slope  # npv > 0 and slope < 0: the rate goes up
            rate -= step
            if abs(step) <= _IRR_TOLERANCE * max(Decimal(1), abs(rate)):
                break
            npv, slope = _npv_and_slope(rate, net_disbursed, totals)
        else:  # pragma: no cover - Newton converges far sooner on these cash flows
            raise ArithmeticError("IRR did not converge.")

        apr = (rate * periods_per_year).quantize(APR_PLACES, rounding=ROUND_HALF_UP)
        # apr is right iff apr - half <= the true APR < apr + half; Newton is off by far
        # less than a place, so at most one step either way is ever needed.
        half = APR_PLACES / 2
        while _irr_at_least(apr + half, periods_per_year, net_disbursed, totals):
            apr += APR_PLACES
        while not _irr_at_least(apr - half, periods_per_year, net_disbursed, totals):
            apr -= APR_PLACES
        return apr
