"""The APR by the IRR method, as defined in API.md ("Quote").

Pure Python, no Django, no ``float``: Newton's method on Decimals of 50 digits, with the last
of the 4 places settled exactly in integers so that a tie rounds half-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Final

from .errors import ScheduleError

APR_PLACES: Final = Decimal("0.0001")

# Decimal working precision: the IRR's discount factors ((1+i)^-600) keep well over the
# digits the 4-place APR needs.
_PRECISION: Final = 50
# The IRR solver stops once a Newton step is below this; far finer than the 4 places the
# APR is rounded to, even after multiplying by 52 periods a year.
_IRR_TOLERANCE: Final = Decimal("1e-24")
_IRR_MAX_ITERATIONS: Final = 500


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
