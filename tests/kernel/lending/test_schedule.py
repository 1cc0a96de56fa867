"""Tests of microloan.lending.schedule: the reference vectors, properties of every schedule, errors.

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
from hypothesis import given
from hypothesis import strategies as st

from microloan.lending.errors import ScheduleError
from microloan.lending.schedule import (
    FREQUENCIES,
    METHODS,
    Schedule,
    add_months_clamped,
    build_schedule,
    due_dates,
    interest_to_date,
    period_interest,
    periodic_rate,
    shift_due_date,
)

from .strategies import PROPERTY_SETTINGS, disbursement_dates, loans

CENT = Decimal("0.01")


def _shared_dir() -> Path:
    override = os.environ.get("MICROLOAN_SHARED_DIR")
    if override:
        return Path(override)
    # The reference vectors live beside the repository: ../shared/reference.
    return Path(__file__).resolve().parents[3].parent / "shared"


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


def test_shift_due_date_moves_by_whole_periods() -> None:
    assert shift_due_date(date(2026, 1, 31), "monthly", 1) == date(2026, 2, 28)
    assert shift_due_date(date(2026, 1, 31), "monthly", 2) == date(2026, 3, 31)
    assert shift_due_date(date(2026, 1, 31), "biweekly", 2) == date(2026, 1, 31) + timedelta(days=28)
    assert shift_due_date(date(2026, 1, 31), "weekly", 3) == date(2026, 2, 21)
    with pytest.raises(ScheduleError):
        shift_due_date(date(2026, 1, 31), "daily", 1)


def test_interest_to_date_is_the_days_elapsed_share_rounded_half_up() -> None:
    start, due = date(2026, 1, 1), date(2026, 1, 31)  # a 30-day period
    # 10.01 x 15 / 30 = 5.005 exactly: half-up gives 5.01 where half-even would give 5.00.
    assert interest_to_date(Decimal("10.01"), start=start, due=due, on=date(2026, 1, 16)) == Decimal("5.01")
    # 10.00 x 7 / 30 = 2.3333...
    assert interest_to_date(Decimal("10.00"), start=start, due=due, on=date(2026, 1, 8)) == Decimal("2.33")
    # Nothing before the period starts or once it is due (the instalment's own interest then).
    for on in (start, due, date(2025, 12, 31), date(2026, 2, 1)):
        assert interest_to_date(Decimal("10.00"), start=start, due=due, on=on) == Decimal("0.00")


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


# --- roll: due dates moved by a calendar (microloan.holidays passes its next_working) -------------


def test_roll_moves_due_dates_and_keeps_the_figures_and_the_anchor():

    def weekend_to_monday(d: date) -> date:
        return d + timedelta(days=(7 - d.weekday()) % 7) if d.weekday() >= 5 else d

    terms = dict(
        principal=Decimal("10000.00"),
        annual_rate=Decimal("0.12"),
        term=4,
        frequency="monthly",
        method="annuity",
        disbursement_date=date(2026, 11, 20),
    )
    plain, moved = build_schedule(**terms), build_schedule(**terms, roll=weekend_to_monday)
    # Sun 2026-12-20 -> Mon 21, Wed 2027-01-20 stays, Sat 02-20 -> Mon 22, Sat 03-20 -> Mon 22
    assert [i.due_date for i in moved.installments] == [
        date(2026, 12, 21),
        date(2027, 1, 20),
        date(2027, 2, 22),
        date(2027, 3, 22),
    ]
    assert [(i.principal, i.interest) for i in moved.installments] == [
        (i.principal, i.interest) for i in plain.installments
    ]
    assert moved.apr <= plain.apr  # the same payments, a day or two later (to 4 places: the same)


def test_roll_may_not_move_a_due_date_earlier():

    with pytest.raises(ScheduleError) as exc:
        build_schedule(
            principal=Decimal("1000.00"),
            annual_rate=Decimal("0.12"),
            term=2,
            frequency="monthly",
            method="annuity",
            disbursement_date=date(2026, 11, 20),
            roll=lambda d: d - timedelta(days=1),
        )
    assert exc.value.field == "roll"
