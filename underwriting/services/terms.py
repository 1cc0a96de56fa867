"""What an application's terms cost the borrower: the fee, the schedule at a rate, the monthly
equivalent of its instalment and the repayment capacity (DSR) it leaves."""

from dataclasses import dataclass
from decimal import Decimal

from microloan.business_date import business_date
from microloan.lending.money import money
from microloan.lending.money import rate as round_rate
from microloan.lending.schedule import FREQUENCIES, build_schedule


def loan_fee(product, amount: Decimal) -> Decimal:
    return money(amount * product.fee_rate + product.fee_fixed)


def offer_schedule(app, *, amount, term, rate, grace_periods: int = 0):
    return build_schedule(
        principal=money(amount),
        annual_rate=rate,
        term=term,
        frequency=app.frequency,
        method=app.method,
        disbursement_date=business_date(),
        fee=loan_fee(app.product, money(amount)),
        grace_periods=grace_periods,
    )


def monthly_equivalent(schedule, frequency: str, method: str) -> Decimal:
    """The largest regular instalment as a monthly amount (an interest-only loan's final
    balloon is planned for, not paid from monthly income)."""
    rows = (
        schedule.installments[:-1]
        if method == "interest_only" and len(schedule.installments) > 1
        else schedule.installments
    )
    largest = max(r.total for r in rows)
    return money(largest * FREQUENCIES[frequency] / 12)


@dataclass(frozen=True)
class Capacity:
    proposed_installment: Decimal
    dsr: Decimal
    max_affordable_installment: Decimal


def repayment_capacity(
    *,
    monthly_income: Decimal,
    monthly_expenses: Decimal,
    existing_installments: Decimal,
    proposed_installment: Decimal,
    dsr_limit: Decimal,
) -> Capacity:
    """DSR = (existing + proposed instalments) / income. The largest affordable instalment is
    what the DSR limit leaves after existing instalments, and never more than the income left
    after expenses and existing instalments."""
    if monthly_income <= 0:
        return Capacity(proposed_installment, Decimal("9.9999"), Decimal("0.00"))
    dsr = round_rate((existing_installments + proposed_installment) / monthly_income)  # half-up, 4 places
    by_dsr = monthly_income * dsr_limit - existing_installments
    by_budget = monthly_income - monthly_expenses - existing_installments
    return Capacity(proposed_installment, min(dsr, Decimal("9.9999")), money(max(Decimal(0), min(by_dsr, by_budget))))
