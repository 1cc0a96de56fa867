"""Tests of servicing.schedule: the reference vectors, properties of every schedule, errors.

Plain pytest, no database.
"""

from __future__ import annotations

import calendar
import decimal
import json
import os
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from servicing.schedule import (
    FREQUENCIES,
    METHODS,
    Schedule,
    ScheduleError,
    add_months_clamped,
    build_schedule,
    due_dates,
    irr_apr,
    period_interest,
    periodic_rate,
)

CENT = Decimal("0.01")
HALF_BASIS_POINT = Decimal("0.00005")


def _shared_dir() -> Path:
    override = os.environ.get("MICROLOAN_SHARED_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared"


REFERENCE_FILE = _shared_dir() / "reference" / "schedules.json"


def _reference_cases() -> list[Any]:
    if not REFERENCE_FILE.is_file():
        # A failing test, not a skip: the reference vectors are the point of this file.
        return [pytest.param(None, id="reference-file-missing")]
    cases = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["cases"]
    return [pytest.param(case, id=f"{i}-{case['request']['method']}") for i, case in enumerate(cases)]


def _build_from_request(request: dict[str, Any]) -> Schedule:
    return build_schedule(
        principal=Decimal(request["principal"]),
        annual_rate=Decimal(request["annual_rate"]),
        term=int(request["term"]),
        frequency=request["frequency"],
        method=request["method"],
        disbursement_date=date.fromisoformat(request["disbursement_date"]),
        fee=Decimal(request.get("fee", "0")),
        grace_periods=int(request.get("grace_periods", 0)),
    )


# --- reference vectors -------------------------------------------------------------------


@pytest.mark.parametrize("case", _reference_cases())
def test_reference_schedule(case: dict[str, Any]) -> None:
    assert case is not None, f"{REFERENCE_FILE} not found: set MICROLOAN_SHARED_DIR"
    # when
    result = _build_from_request(case["request"]).as_dict()

    # then: every field the reference gives, to the cent and as the same string
    expected = case["expected"]
    assert len(result["installments"]) == len(expected["installments"])
    for got, want in zip(result["installments"], expected["installments"], strict=True):
        assert got == want
    for key, value in expected.items():
        assert result[key] == value, key
    assert Decimal(result["total_payable"]) == Decimal(result["total_principal"]) + Decimal(result["total_interest"])


# --- worked examples ---------------------------------------------------------------------


def test_as_dict_shape() -> None:
    schedule = build_schedule(
        principal=Decimal("5000"),
        annual_rate=Decimal("0.18"),
        term=2,
        frequency="monthly",
        method="interest_only",
        disbursement_date=date(2026, 1, 15),
    )

    body = schedule.as_dict()

    assert set(body) == {"installments", "total_principal", "total_interest", "total_payable", "apr"}
    assert body["installments"][0] == {
        "number": 1,
        "due_date": "2026-02-15",
        "principal": "0.00",
        "interest": "75.00",
        "total": "75.00",
        "balance_after": "5000.00",
    }
    assert body["total_principal"] == "5000.00"
    assert body["total_interest"] == "150.00"
    assert body["total_payable"] == "5150.00"
    assert body["apr"] == "0.1800"


def test_zero_rate_annuity_is_principal_over_term() -> None:
    schedule = build_schedule(
        principal=Decimal("1000.00"),
        annual_rate=Decimal("0"),
        term=3,
        frequency="weekly",
        method="annuity",
        disbursement_date=date(2026, 3, 2),
    )

    assert [row.principal for row in schedule.installments] == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    assert all(row.interest == 0 for row in schedule.installments)
    assert schedule.apr == Decimal("0.0000")


def test_annuity_with_grace_amortises_over_the_remaining_periods() -> None:
    # r = 1%; instalment over the 2 periods after grace:
    # round(1200 * .01 / (1 - 1.01^-2)) = round(609.0149) = 609.01
    schedule = build_schedule(
        principal=Decimal("1200.00"),
        annual_rate=Decimal("0.12"),
        term=4,
        frequency="monthly",
        method="annuity",
        disbursement_date=date(2026, 1, 31),
        grace_periods=2,
    )

    rows = [(r.principal, r.interest, r.total, r.balance_after) for r in schedule.installments]
    assert rows == [
        (Decimal("0.00"), Decimal("12.00"), Decimal("12.00"), Decimal("1200.00")),
        (Decimal("0.00"), Decimal("12.00"), Decimal("12.00"), Decimal("1200.00")),
        (Decimal("597.01"), Decimal("12.00"), Decimal("609.01"), Decimal("602.99")),
        (Decimal("602.99"), Decimal("6.03"), Decimal("609.02"), Decimal("0.00")),
    ]
    assert [r.due_date for r in schedule.installments] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_flat_with_grace_charges_flat_interest_throughout() -> None:
    schedule = build_schedule(
        principal=Decimal("1200.00"),
        annual_rate=Decimal("0.12"),
        term=4,
        frequency="monthly",
        method="flat",
        disbursement_date=date(2026, 1, 15),
        grace_periods=1,
    )

    assert [(r.principal, r.interest) for r in schedule.installments] == [
        (Decimal("0.00"), Decimal("12.00")),
        (Decimal("400.00"), Decimal("12.00")),
        (Decimal("400.00"), Decimal("12.00")),
        (Decimal("400.00"), Decimal("12.00")),
    ]


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


def test_exact_half_cent_of_interest_rounds_up() -> None:
    # 37.50 x 0.16% / 12 is exactly 0.005; with the periodic rate taken first as a rounded
    # decimal (0.000133...3) the product would be 0.00499... and round down.
    assert period_interest(Decimal("37.50"), Decimal("0.0016"), "monthly") == Decimal("0.01")

    schedule = build_schedule(
        principal=Decimal("100.00"),
        annual_rate=Decimal("0.0016"),
        term=8,
        frequency="monthly",
        method="annuity",
        disbursement_date=date(2000, 1, 28),
    )

    row = schedule.installments[5]
    assert (row.interest, row.balance_after + row.principal) == (Decimal("0.01"), Decimal("37.50"))


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


def test_no_float_is_ever_mixed_in() -> None:
    # FloatOperation is trapped in the caller's context, which the module's local contexts
    # inherit: any Decimal(float) or float comparison inside would raise.
    with localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        for method in METHODS:
            build_schedule(
                principal=Decimal("8000.00"),
                annual_rate=Decimal("0.15"),
                term=6,
                frequency="biweekly",
                method=method,
                disbursement_date=date(2026, 1, 31),
                fee=Decimal("200.00"),
                grace_periods=1,
            )


@pytest.mark.parametrize(
    ("principal", "term"),
    [
        (Decimal("0.05"), 600),  # round(P / n) = 0.00: everything falls to the last row
        (Decimal("1.00"), 150),  # round(P / n) * (n - 1) = 1.49 > P
    ],
)
def test_degenerate_tiny_loan_never_overpays(principal: Decimal, term: int) -> None:
    schedule = build_schedule(
        principal=principal,
        annual_rate=Decimal("0"),
        term=term,
        frequency="monthly",
        method="equal_principal",
        disbursement_date=date(2026, 1, 31),
    )

    assert sum(r.principal for r in schedule.installments) == principal
    assert all(r.principal >= 0 and r.balance_after >= 0 for r in schedule.installments)
    assert schedule.installments[-1].balance_after == 0


# --- helpers -----------------------------------------------------------------------------


def test_add_months_clamped() -> None:
    jan31 = date(2024, 1, 31)
    assert add_months_clamped(jan31, 1, 31) == date(2024, 2, 29)
    assert add_months_clamped(jan31, 2, 31) == date(2024, 3, 31)
    assert add_months_clamped(jan31, 13, 31) == date(2025, 2, 28)
    assert add_months_clamped(date(2025, 2, 28), 1, 31) == date(2025, 3, 31)
    assert add_months_clamped(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months_clamped(date(2026, 1, 15), 0) == date(2026, 1, 15)


def test_periodic_rate() -> None:
    assert periodic_rate(Decimal("0.18"), "monthly") == Decimal("0.015")
    assert periodic_rate(Decimal("0.26"), "biweekly") == Decimal("0.01")
    assert periodic_rate(Decimal("0.52"), "weekly") == Decimal("0.01")
    with pytest.raises(ScheduleError) as error:
        periodic_rate(Decimal("0.18"), "daily")
    assert error.value.field == "frequency"


# --- errors ------------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "principal": Decimal("1000.00"),
    "annual_rate": Decimal("0.12"),
    "term": 12,
    "frequency": "monthly",
    "method": "annuity",
    "disbursement_date": date(2026, 1, 15),
    "fee": Decimal("0.00"),
    "grace_periods": 0,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("principal", Decimal("0")),
        ("principal", Decimal("-100.00")),
        ("principal", Decimal("100.001")),
        ("principal", Decimal("NaN")),
        ("principal", 1000.0),
        ("annual_rate", Decimal("-0.0001")),
        ("annual_rate", Decimal("10.0001")),
        ("term", 0),
        ("term", 601),
        ("term", True),
        ("frequency", "daily"),
        ("method", "balloon"),
        ("fee", Decimal("-0.01")),
        ("fee", Decimal("1000.00")),
        ("fee", Decimal("1000.01")),
        ("grace_periods", -1),
        ("grace_periods", 12),
        ("grace_periods", 13),
        ("disbursement_date", "2026-01-15"),
    ],
)
def test_invalid_input_raises_schedule_error(field: str, value: Any) -> None:
    with pytest.raises(ScheduleError) as error:
        build_schedule(**{**VALID, field: value})

    assert isinstance(error.value, ValueError)
    assert error.value.field == field
    assert error.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("annual_rate", Decimal("10")),
        ("annual_rate", Decimal("0")),
        ("term", 1),
        ("term", 600),
        ("fee", Decimal("999.99")),
        ("grace_periods", 11),
    ],
)
def test_boundary_inputs_are_accepted(field: str, value: Any) -> None:
    schedule = build_schedule(**{**VALID, field: value})

    assert schedule.installments[-1].balance_after == 0


# --- properties --------------------------------------------------------------------------

principals = st.integers(min_value=10_000, max_value=100_000_000).map(lambda c: Decimal(c).scaleb(-2))
annual_rates = st.integers(min_value=0, max_value=3600).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def disbursement_dates(draw: st.DrawFn) -> date:
    year = draw(st.integers(min_value=2000, max_value=2099))
    month = draw(st.integers(min_value=1, max_value=12))
    # Favour the days that need clamping in shorter months.
    day = draw(st.one_of(st.sampled_from([28, 29, 30, 31]), st.integers(min_value=1, max_value=31)))
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@st.composite
def loans(
    draw: st.DrawFn,
    methods: tuple[str, ...] = METHODS,
    principal: st.SearchStrategy[Decimal] = principals,
) -> dict[str, Any]:
    term = draw(st.integers(min_value=1, max_value=60))
    return {
        "principal": draw(principal),
        "annual_rate": draw(annual_rates),
        "term": term,
        "frequency": draw(st.sampled_from(sorted(FREQUENCIES))),
        "method": draw(st.sampled_from(methods)),
        "disbursement_date": draw(disbursement_dates()),
        "grace_periods": draw(st.integers(min_value=0, max_value=term - 1)),
    }


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _interest_oracle(amount: Decimal, annual_rate: Decimal, periods: int) -> Decimal:
    """round(amount x annual_rate / periods) half-up, in integers (independent of the module)."""
    numerator, denominator = (amount * annual_rate).as_integer_ratio()  # the product is exact here
    cents = (200 * numerator + denominator * periods) // (2 * denominator * periods)
    return Decimal(cents) / 100


@PROPERTY_SETTINGS
@given(loans())
def test_schedule_invariants(loan: dict[str, Any]) -> None:
    schedule = build_schedule(**loan)
    rows = schedule.installments
    term, grace, method = loan["term"], loan["grace_periods"], loan["method"]
    principal = loan["principal"]
    periods = FREQUENCIES[loan["frequency"]]

    assert [row.number for row in rows] == list(range(1, term + 1))
    assert sum(row.principal for row in rows) == principal
    assert schedule.total_principal == principal
    assert schedule.total_interest == sum(row.interest for row in rows)
    assert schedule.total_payable == principal + schedule.total_interest

    opening = principal
    for row in rows:
        for amount in (row.principal, row.interest, row.total, row.balance_after):
            assert amount >= 0
            assert amount == _round(amount)
        assert row.total == row.principal + row.interest
        assert row.balance_after == opening - row.principal
        interest_on = principal if method == "flat" else opening
        assert row.interest == _interest_oracle(interest_on, loan["annual_rate"], periods)
        # Principal is repaid in every period except grace periods and, for interest_only,
        # every period but the last: so the balance strictly falls exactly there.
        pays_principal = row.number > grace and (method != "interest_only" or row.number == term)
        if pays_principal:
            assert row.principal > 0
            assert row.balance_after < opening
        else:
            assert row.principal == 0
            assert row.balance_after == opening
        opening = row.balance_after
    assert rows[-1].balance_after == Decimal("0.00")

    amortising = rows[grace:-1]  # regular amortising rows (the last one takes the rest)
    if method == "annuity":
        assert len({row.total for row in amortising}) <= 1
    if method in ("equal_principal", "flat"):
        assert {row.principal for row in amortising} <= {_round(principal / (term - grace))}


@PROPERTY_SETTINGS
@given(
    start=disbursement_dates(),
    term=st.integers(min_value=1, max_value=600),
    frequency=st.sampled_from(sorted(FREQUENCIES)),
)
def test_due_dates(start: date, term: int, frequency: str) -> None:
    dates = due_dates(start, term, frequency)

    assert len(dates) == term
    if frequency == "monthly":
        for k, due in enumerate(dates, start=1):
            months = (due.year - start.year) * 12 + due.month - start.month
            assert months == k
            last_day = calendar.monthrange(due.year, due.month)[1]
            # The anchor day when the month has it, else the month's last day.
            assert due.day == min(start.day, last_day)
    else:
        step = timedelta(days=14 if frequency == "biweekly" else 7)
        assert all(b - a == step for a, b in zip([start, *dates], dates, strict=False))


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
    fee = _round(loan["principal"] * fee_basis_points / 10_000)

    with_fee = build_schedule(**loan, fee=fee)
    without_fee = build_schedule(**loan)

    # The fee changes what is paid out, not what is paid back.
    assert with_fee.installments == without_fee.installments
    assert with_fee.apr > without_fee.apr
    assert with_fee.apr > loan["annual_rate"]
