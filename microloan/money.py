"""Money and rates: Decimal only, sized from one place, rounded half-up at named boundaries."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

MONEY_MAX_DIGITS = 18
MONEY_PLACES = 2
RATE_MAX_DIGITS = 9
RATE_PLACES = 6

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


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
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(value, places: int = 4) -> Decimal:
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def MoneyField(*args, **kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_PLACES)
    return models.DecimalField(*args, **kwargs)


def RateField(*args, **kwargs) -> models.DecimalField:  # noqa: N802
    """An annual rate as a fraction (0.1800 = 18%)."""
    kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
    kwargs.setdefault("decimal_places", RATE_PLACES)
    return models.DecimalField(*args, **kwargs)
