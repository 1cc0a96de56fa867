"""underwriting/services/terms.py: the repayment capacity (DSR) and the affordable instalment."""

from decimal import Decimal

import pytest

from underwriting.services import repayment_capacity


def capacity(income, existing, proposed, expenses="0.00", limit="0.50"):
    return repayment_capacity(
        monthly_income=Decimal(income),
        monthly_expenses=Decimal(expenses),
        existing_installments=Decimal(existing),
        proposed_installment=Decimal(proposed),
        dsr_limit=Decimal(limit),
    )


@pytest.mark.parametrize(
    "income,existing,proposed,dsr",
    [
        # exactly half a basis point: half-up, the kernel's one rounding rule (half-even gave 0.1234)
        ("10000.00", "0.00", "1234.50", "0.1235"),
        ("10000.00", "1000.00", "234.50", "0.1235"),
        ("10000.00", "0.00", "1234.49", "0.1234"),  # below half it rounds down
        ("8000.00", "2000.00", "856.12", "0.3570"),  # the hand-computed assessment's 0.357015
    ],
)
def test_dsr_rounds_half_up_to_four_places(income, existing, proposed, dsr):
    assert capacity(income, existing, proposed).dsr == Decimal(dsr)


def test_no_income_caps_the_dsr_and_affords_nothing():
    c = capacity("0.00", "0.00", "500.00")
    assert (c.dsr, c.max_affordable_installment) == (Decimal("9.9999"), Decimal("0.00"))


def test_affordable_is_the_smaller_of_the_dsr_room_and_the_budget():
    # DSR room 8000*0.5-2000 = 2000; budget 8000-3000-2000 = 3000
    assert capacity("8000.00", "2000.00", "856.12", expenses="3000.00").max_affordable_installment == Decimal("2000.00")
    # budget binds: 8000-5500-2000 = 500
    assert capacity("8000.00", "2000.00", "856.12", expenses="5500.00").max_affordable_installment == Decimal("500.00")
