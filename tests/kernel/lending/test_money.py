"""Tests of microloan.lending.money: the one rounding rule (half-up), parsing and the formats."""

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.lending.money import CENT, ZERO, money, money_exact, money_str, rate, rate_str, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("0.004999", "0.00"),
        (7, "7.00"),
        ("1E+30", "1000000000000000000000000000000.00"),
    ],
)
def test_money_rounds_half_up_where_half_even_would_not(value, expected):
    assert money(value) == Decimal(expected)
    assert str(money(value)) == expected


def test_half_up_and_half_even_differ_on_an_even_cent():
    # The value the rule is about: 0.025 is 0.02 under banker's rounding, 0.03 here.
    assert Decimal("0.025").quantize(CENT, rounding=ROUND_HALF_EVEN) == Decimal("0.02")
    assert money(Decimal("0.025")) == Decimal("0.03")


def test_floats_and_garbage_are_refused():
    with pytest.raises(TypeError):
        money(0.1)
    with pytest.raises(ValueError):
        to_decimal("ten")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_money_exact_agrees_with_money_on_every_rational_a_decimal_can_hold(numerator, power):
    # numerator / 10^k is exactly representable: both roundings must give the same cent.
    k = power % 7
    value = Fraction(numerator, 10**k)
    assert money_exact(value) == money(Decimal(numerator).scaleb(-k))


def test_money_exact_rounds_a_true_half_cent_up():
    assert money_exact(Fraction(1, 200)) == Decimal("0.01")  # 0.005
    assert money_exact(Fraction(-1, 200)) == Decimal("-0.01")
    assert money_exact(Fraction(1, 300)) == Decimal("0.00")


def test_rate_and_the_formats():
    assert rate("0.00005") == Decimal("0.0001")
    assert rate("0.123456", 6) == Decimal("0.123456")
    assert rate_str(Decimal("0.18")) == "0.1800"
    assert rate_str(Decimal("0")) == "0.0000"
    assert money_str(Decimal("1E+3")) == "1000.00"
    assert money_str(Decimal("-0.001")) == "0.00"
    assert money_str(ZERO) == "0.00"
