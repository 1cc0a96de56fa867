"""Money and rate columns, sized from one place. The arithmetic (rounding, parsing, the
formats) is Django-free and lives in :mod:`microloan.lending.money`."""

from django.db import models

from .lending.money import MONEY_PLACES

MONEY_MAX_DIGITS = 18
RATE_MAX_DIGITS = 9
RATE_PLACES = 6


def MoneyField(*args, **kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_PLACES)
    return models.DecimalField(*args, **kwargs)


def RateField(*args, **kwargs) -> models.DecimalField:  # noqa: N802
    """An annual rate as a fraction (0.1800 = 18%)."""
    kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
    kwargs.setdefault("decimal_places", RATE_PLACES)
    field = models.DecimalField(*args, **kwargs)
    field.is_rate = True  # type: ignore[attr-defined]  # the screens show it as a percentage
    return field
