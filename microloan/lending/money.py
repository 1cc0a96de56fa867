"""Money and rates: Decimal only, rounded half-up at named boundaries.

The one home of the product's rounding rule. Pure Python (no Django), so the schedule, the
APR and the allocation can use it as well as every app; the Django field helpers that size
money columns live in :mod:`microloan.money`.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Final

MONEY_PLACES: Final = 2
CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")

# Working precision of a rounding: quantize fails once the result has more digits than the
# context's precision, and the schedule handles amounts far beyond the default 28 digits.
_PRECISION: Final = 50


def to_decimal(value) -> Decimal:
    """Converts str/int/Decimal to Decimal; floats are refused so no binary error sneaks in."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def money(value) -> Decimal:
    """Rounds to the cent, half-up: the rounding rule for every amount in the product."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_exact(value: Fraction) -> Decimal:
    """An exact rational rounded to the cent, half-up (away from zero), like :func:`money`.

    For results computed on ``fractions.Fraction`` so that a value that is exactly half a cent
    (37.50 x 0.16% / 12 = 0.005) is never seen as 0.00499... and rounded the wrong way.
    """
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(f"{-cents if value < 0 else cents}E-2")  # the constructor is exact, unlike arithmetic


def rate(value, places: int = 4) -> Decimal:
    """A rate rounded half-up to ``places`` decimal places (4: the APR's basis points)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    """``"1234.50"``: the API's money format."""
    # Fixed-point ("f") so large or zero amounts never come out as "1E+3" or "0E-2"; adding
    # zero turns a "-0.00" into "0.00".
    return format(money(value) + ZERO, "f")


def rate_str(value: Decimal, places: int = 4) -> str:
    """``"0.1800"``: the API's rate format."""
    return format(rate(value, places) + Decimal(0).scaleb(-places), "f")
