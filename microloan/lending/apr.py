"""The APR by the IRR method, as defined in API.md ("Quote").

Pure Python, no Django, no ``float``: integers only. The cash flows are scaled to whole
numbers (cents for a schedule), Newton's method finds the periodic IRR in binary fixed point
(64 fractional bits) from a close start, and the 4th place is then settled exactly with
integers so that a tie rounds half-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Final

from .errors import ScheduleError

APR_PLACES: Final = Decimal("0.0001")

# Fixed point of the Newton iterations: a rate r is held as the integer r x 2^64.
_BITS: Final = 64
_ONE: Final = 1 << _BITS
# Newton stops once a step is below 2^-16 of max(1, |rate|), without evaluating the next one:
# the error left after a step of s is of the order of n x s^2 (quadratic convergence), below
# a tenth of the 4th place even for 600 weekly periods. The exact settlement below makes the
# last place right whatever the estimate; a closer one only saves it a step.
_TOLERANCE_SHIFT: Final = 16
_MAX_ITERATIONS: Final = 500


def _newton_step(rate: int, net: int, flows: list[int]) -> int | None:
    """The Newton step at periodic ``rate`` (fixed point) for NPV(-net at t0, flows[k-1] at
    period k), or None when the slope vanishes (every discounted flow below the fixed point)."""
    discount = (_ONE << _BITS) // (_ONE + rate)  # 1 / (1 + rate)
    factor = _ONE
    present = 0  # sum flow_k x (1 + rate)^-k
    weighted = 0  # sum k x flow_k x (1 + rate)^-k
    k = 0
    for flow in flows:
        k += 1
        factor = (factor * discount) >> _BITS
        term = flow * factor
        present += term
        weighted += k * term
    # NPV' = -weighted / (1 + rate); the step -NPV / NPV' in fixed point.
    slope = (weighted * discount) >> _BITS
    if slope <= 0:
        return None
    return ((present - net * _ONE) << _BITS) // slope


def _newton(start: int, net: int, flows: list[int]) -> int | None:
    """Newton's method from ``start``, or None if it leaves (-1, inf) or does not settle.

    The NPV of one outflow then inflows is convex and decreasing in the rate, so from a start
    left of the root Newton climbs to it without overshooting, and from a start right of it
    the first step lands left of it.
    """
    rate = start
    for _ in range(_MAX_ITERATIONS):
        step = _newton_step(rate, net, flows)
        if step is None:
            return None
        rate += step
        if rate <= -_ONE:
            return None
        if abs(step) <= max(_ONE, abs(rate)) >> _TOLERANCE_SHIFT:
            return rate
    return None  # pragma: no cover - Newton converges far sooner on these cash flows


def _irr_at_least(numerator: int, denominator: int, periods_per_year: int, net: int, flows: list[int]) -> bool:
    """Exactly whether the IRR x ``periods_per_year`` >= numerator / denominator, i.e. whether
    the NPV at that rate is >= 0 (the NPV falls as the rate rises).

    Integer arithmetic only: with 1 + rate = E / D, the NPV times E^n is
    sum(flow_k x D^k x E^(n-k)) - net x E^n.
    """
    d = denominator * periods_per_year
    e = d + numerator
    if e <= 0:  # at or below -100% a period the NPV is unbounded above
        return True
    present = 0
    d_power = 1
    for flow in flows:
        d_power *= d
        present = present * e + flow * d_power
    return present >= net * e ** len(flows)


def apr_of_whole_flows(
    net: int, flows: list[int], periods_per_year: int, guess: tuple[int, int] | None = None
) -> Decimal:
    """The APR of (-net at t0, flows[k-1] at period k), all whole numbers in one unit (cents):
    the periodic IRR x ``periods_per_year``, rounded half-up to 4 places.

    ``guess``: a periodic rate close to the IRR as (numerator, denominator) — a schedule's own
    nominal rate, which its IRR equals but for the cent rounding and the fee; one Newton
    step from there without a fee, two with one. Without it, the constant-ratio estimate
    2 x interest / (net x (n + 1)). The caller has checked net > 0, flows non-empty and
    non-negative with a positive sum.
    """
    if guess is None:
        guess = (2 * (sum(flows) - net), net * (len(flows) + 1))
    start = (guess[0] << _BITS) // guess[1]
    rate = _newton(max(start, -_ONE // 2), net, flows)
    if rate is None:
        # The safe start: 0, whose NPV (the sum of the flows - net) is >= 0 for every schedule
        # built here; for a negative IRR move it towards -1, where the NPV grows without bound.
        rate = 0
        while (step := _newton_step(rate, net, flows)) is not None and step < 0:
            rate = (rate - _ONE) // 2
        rate = _newton(rate, net, flows)
        if rate is None:  # pragma: no cover - Newton converges from the safe start
            raise ArithmeticError("IRR did not converge.")

    # units: the APR in basis points, round(rate x periods x 10,000), half-up.
    units = (rate * periods_per_year * 20_000 + _ONE) >> (_BITS + 1)
    # units is right iff units - 1/2 <= the true APR (in basis points) < units + 1/2; Newton is
    # off by far less than a place, so at most one step either way is ever needed.
    while _irr_at_least(2 * units + 1, 20_000, periods_per_year, net, flows):
        units += 1
    while not _irr_at_least(2 * units - 1, 20_000, periods_per_year, net, flows):
        units -= 1
    return Decimal(units).scaleb(-4)


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

    Deterministic and float-free: every amount is scaled to a whole number, Newton's method
    runs on integers, and the last place is settled exactly, so a tie (a one-period loan's
    IRR can be exactly x.xxxx5) rounds up rather than by which side Newton approached it from.
    """
    totals = [total for _, total in schedule_dates_and_totals]
    if net_disbursed <= 0:
        raise ScheduleError("net_disbursed", "Must be greater than 0.")
    if not totals or any(total < 0 for total in totals) or sum(totals) <= 0:
        raise ScheduleError("installments", "Need at least one positive instalment.")
    ratios = [amount.as_integer_ratio() for amount in (net_disbursed, *totals)]
    scale = math.lcm(*(den for _, den in ratios))
    net, *flows = [num * (scale // den) for num, den in ratios]
    return apr_of_whole_flows(net, flows, periods_per_year)
