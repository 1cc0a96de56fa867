"""Tests of microloan.lending.apr: the IRR, its exact rounding, and properties over random loans.

Plain pytest, no database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from microloan.lending.apr import irr_apr
from microloan.lending.errors import ScheduleError
from microloan.lending.money import money
from microloan.lending.schedule import FREQUENCIES, Schedule, build_schedule

from .strategies import PROPERTY_SETTINGS, loans

HALF_BASIS_POINT = Decimal("0.00005")


# --- worked examples ---------------------------------------------------------------------


def test_apr_is_the_irr_of_the_rounded_cash_flows() -> None:
    # One week at 6.9%: interest 1131.79 * .069 / 52 = 1.5018 rounds to 1.50, and the
    # borrower really pays 1.50 for 1131.79, an IRR of 6.89%. The APR reports that rather
    # than the nominal rate: cent rounding can move small loans by a basis point or two.
    schedule = build_schedule(
        principal=Decimal("1131.79"),
        annual_rate=Decimal("0.0690"),
        term=1,
        frequency="weekly",
        method="annuity",
        disbursement_date=date(2026, 1, 1),
    )

    assert schedule.installments[0].interest == Decimal("1.50")
    assert schedule.apr == Decimal("0.0689")


def test_apr_tie_rounds_half_up() -> None:
    # A one-period IRR is rational: 12 x 0.01 / 2400 = 0.00005 exactly, which rounds up.
    apr = irr_apr(
        net_disbursed=Decimal("2400.00"),
        schedule_dates_and_totals=[(date(2026, 2, 1), Decimal("2400.01"))],
        periods_per_year=12,
    )

    assert apr == Decimal("0.0001")


def test_irr_apr_single_period() -> None:
    apr = irr_apr(
        net_disbursed=Decimal("100.00"),
        schedule_dates_and_totals=[(date(2026, 2, 1), Decimal("110.00"))],
        periods_per_year=12,
    )

    assert apr == Decimal("1.2000")


def test_irr_apr_ignores_calendar_spacing() -> None:
    # Instalment k counts as period k even when the months are 28 and 31 days long.
    flows = [(date(2026, 2, 28), Decimal("60.00")), (date(2026, 3, 31), Decimal("60.00"))]
    even = [(date(2026, 2, 15), Decimal("60.00")), (date(2026, 3, 15), Decimal("60.00"))]

    def apr(dates_and_totals: list[tuple[date, Decimal]]) -> Decimal:
        return irr_apr(
            net_disbursed=Decimal("100.00"),
            schedule_dates_and_totals=dates_and_totals,
            periods_per_year=12,
        )

    assert apr(flows) == apr(even)


def test_irr_apr_negative_return() -> None:
    apr = irr_apr(
        net_disbursed=Decimal("100.00"),
        schedule_dates_and_totals=[(date(2026, 2, 1), Decimal("90.00"))],
        periods_per_year=12,
    )

    assert apr == Decimal("-1.2000")


def test_irr_apr_huge_fee_converges() -> None:
    schedule = build_schedule(
        principal=Decimal("1000000.00"),
        annual_rate=Decimal("10"),
        term=600,
        frequency="monthly",
        method="annuity",
        disbursement_date=date(2026, 1, 31),
        fee=Decimal("999999.99"),
    )

    assert schedule.apr > Decimal("1000000")


@pytest.mark.parametrize(
    ("net", "totals", "field"),
    [
        (Decimal("0"), [Decimal("10.00")], "net_disbursed"),
        (Decimal("100.00"), [], "installments"),
        (Decimal("100.00"), [Decimal("-1.00"), Decimal("200.00")], "installments"),
    ],
)
def test_irr_apr_refuses_cash_flows_without_a_rate(net: Decimal, totals: list[Decimal], field: str) -> None:
    with pytest.raises(ScheduleError) as error:
        irr_apr(
            net_disbursed=net, schedule_dates_and_totals=[(date(2026, 2, 1), t) for t in totals], periods_per_year=12
        )

    assert error.value.field == field


# --- properties --------------------------------------------------------------------------


def _rounding_noise(schedule: Schedule, loan: dict[str, Any]) -> Decimal:
    """First-order bound on how far the cent-rounded interest moves the annual IRR away
    from the nominal rate: NPV at the nominal rate / |NPV slope| x periods per year.

    At the nominal periodic rate r the unrounded cash flows (principal part + balance x r)
    have NPV exactly equal to the principal, so the NPV of the actual flows at r is the
    discounted sum of the rounding errors alone.
    """
    periods = FREQUENCIES[loan["frequency"]]
    with localcontext() as ctx:
        ctx.prec = 50
        rate = loan["annual_rate"] / periods
        discount = 1 / (1 + rate)
        opening = loan["principal"]
        npv = slope = Decimal(0)
        factor = Decimal(1)
        for k, row in enumerate(schedule.installments, start=1):
            factor *= discount
            npv += (row.interest - opening * rate) * factor
            slope += k * row.total * factor * discount
            opening = row.balance_after
        return abs(npv) / slope * periods


@PROPERTY_SETTINGS
@given(loans(methods=("annuity", "equal_principal", "interest_only")))
def test_apr_without_fee_is_the_nominal_rate(loan: dict[str, Any]) -> None:
    schedule = build_schedule(**loan)
    nominal = loan["annual_rate"]

    # The IRR differs from the nominal rate only by the cent rounding of the interest; with
    # a margin for the second-order term of the bound.
    noise = _rounding_noise(schedule, loan) * Decimal("1.1")
    if noise < HALF_BASIS_POINT:
        event("rounding cannot reach the 4th place")
        assert schedule.apr == nominal
    else:
        event("rounding may reach the 4th place")
        assert abs(schedule.apr - nominal) <= noise + HALF_BASIS_POINT


@PROPERTY_SETTINGS
@given(
    loans(
        methods=("annuity", "equal_principal", "interest_only"),
        principal=st.integers(min_value=5_000_000, max_value=100_000_000).map(lambda c: Decimal(c).scaleb(-2)),
    )
)
def test_apr_without_fee_is_exactly_nominal_for_larger_loans(loan: dict[str, Any]) -> None:
    # From 50,000 up, cent rounding cannot reach the 4th place (see _rounding_noise).
    assert build_schedule(**loan).apr == loan["annual_rate"]


@PROPERTY_SETTINGS
@given(loan=loans(), fee_basis_points=st.integers(min_value=100, max_value=5000))
def test_apr_with_fee_exceeds_nominal(loan: dict[str, Any], fee_basis_points: int) -> None:
    fee = money(loan["principal"] * fee_basis_points / 10_000)

    with_fee = build_schedule(**loan, fee=fee)
    without_fee = build_schedule(**loan)

    # The fee changes what is paid out, not what is paid back.
    assert with_fee.installments == without_fee.installments
    assert with_fee.apr > without_fee.apr
    assert with_fee.apr > loan["annual_rate"]
