"""microloan.money: half-up to the cent, no floats."""

from decimal import Decimal

import pytest

from microloan.lending.money import money, rate


def test_money_rounds_half_up_to_the_cent():
    assert money("2.345") == Decimal("2.35")
    assert money("2.344") == Decimal("2.34")
    assert money(Decimal("-2.345")) == Decimal("-2.35")
    assert rate("0.18005") == Decimal("0.1801")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)
