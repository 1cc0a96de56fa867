"""A loan's arrears figures as of a business date, as plain rules: each instalment's status,
the days past due, the loan row's figures, its bucket, its class, the penalty interest one
closed day accrues, and the loan-loss provision its class requires.

These are the single definitions of what the daily close computes in SQL: ``collection.close_sql``
generates its CASE expressions from the tables below, and tests/collection/test_close_sql.py
checks on random books that the close and these rules agree on every loan. Thresholds that an
installation may change (the class boundaries, the provision rates, the penalty day basis) are
policy and come in as arguments; the bucket boundaries are what the buckets are called, so
they live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microloan.lending.money import ZERO, money

from .models import Bucket, Classification, Installment, InstallmentStatus, Loan

# Each bucket holds the days past due up to its bound (inclusive); beyond the last bound, 180+.
BUCKET_BOUNDS: tuple[tuple[int, Bucket], ...] = (
    (0, Bucket.CURRENT),
    (30, Bucket.B1_30),
    (60, Bucket.B31_60),
    (90, Bucket.B61_90),
    (180, Bucket.B91_180),
)
BUCKET_BEYOND = Bucket.B180_PLUS

# The five tiers from the best to the worst. A class applies when the days past due are OVER
# its threshold (the policy's CLASSIFICATION_OVER_DAYS); the worst class that applies wins, and
# a loan no threshold applies to is normal.
CLASSES: tuple[Classification, ...] = tuple(Classification)
GRADED = CLASSES[1:]  # the classes with a threshold: special mention .. loss


def installment_status(i: Installment, as_of: date) -> str:
    """The one rule (shared with the daily close): paid, overdue, partially paid or due."""
    if i.unpaid <= 0:
        return InstallmentStatus.PAID
    if i.overdue_from < as_of:  # the due date, or the first working day after it
        return InstallmentStatus.OVERDUE
    if i.principal_paid + i.interest_paid + i.fee_paid + i.penalty_paid > 0:
        return InstallmentStatus.PARTIALLY_PAID
    return InstallmentStatus.DUE


def overdue_installments(installments: Iterable[Installment], as_of: date) -> list[Installment]:
    """The instalments overdue on ``as_of`` (fell due before it, something unpaid), the oldest
    first (by due date, then number)."""
    return sorted(
        (i for i in installments if installment_status(i, as_of) == InstallmentStatus.OVERDUE),
        key=lambda i: (i.due_date, i.number),
    )


def days_past_due(installments: Iterable[Installment], as_of: date) -> int:
    """Days from the due date of the oldest overdue instalment to ``as_of``; 0 when nothing is
    overdue. The one definition: the loan's figures, the day's penalty and (in SQL) the close."""
    overdue = overdue_installments(installments, as_of)
    return (as_of - overdue[0].overdue_from).days if overdue else 0


def refresh_loan_figures(loan: Loan, installments: list[Installment], as_of: date) -> list[str]:
    """Keeps the loan row's figures in step with its instalments (same rules as the close) and
    returns the fields to save. The status is not touched here: the repayments' ``save_position``
    takes the close or reopen through the loan's table, so it is audited."""
    overdue = overdue_installments(installments, as_of)
    loan.outstanding_principal = sum((i.unpaid_of("principal") for i in installments), start=ZERO)
    loan.overdue_amount = sum((i.unpaid for i in overdue), start=ZERO)
    loan.penalty_outstanding = sum((i.unpaid_of("penalty") for i in installments), start=ZERO)
    loan.days_past_due = days_past_due(overdue, as_of)
    return ["outstanding_principal", "overdue_amount", "penalty_outstanding", "days_past_due", "credit_balance"]


def bucket_for(days_past_due: int) -> Bucket:
    for bound, bucket in BUCKET_BOUNDS:
        if days_past_due <= bound:
            return bucket
    return BUCKET_BEYOND


def classification_for(days_past_due: int, *, over: Mapping[str, int]) -> Classification:
    for klass in reversed(GRADED):
        if days_past_due > over[klass]:
            return klass
    return Classification.NORMAL


def provision_required(*, outstanding_principal: Decimal, classification: str, rates: Mapping[str, Decimal]) -> Decimal:
    """Rate of the class × outstanding principal, to the cent (half-up)."""
    return money(outstanding_principal * rates[classification])


@dataclass(frozen=True)
class DayPenalty:
    installment: Installment  # the oldest overdue instalment, which the penalty is added to
    days_past_due: int
    overdue_principal: Decimal
    amount: Decimal


def day_penalty(
    *, installments: Iterable[Installment], as_of: date, penalty_rate: Decimal, grace_days: int, day_basis: int
) -> DayPenalty | None:
    """The penalty interest (罚息) the close of ``as_of`` accrues on a loan with these current
    instalments: nothing while the loan is within its grace days (days past due <= grace days)
    or when it rounds to nothing; otherwise the principal overdue at the end of the day × the
    annual penalty rate / ``day_basis``, to the cent half-up, on the oldest overdue instalment."""
    overdue = overdue_installments(installments, as_of)
    if not overdue:
        return None
    days = days_past_due(overdue, as_of)
    if days <= grace_days:
        return None
    principal = sum((i.principal_due - i.principal_paid for i in overdue), start=ZERO)
    amount = money(principal * penalty_rate / Decimal(day_basis))
    if amount <= 0:
        return None
    return DayPenalty(installment=overdue[0], days_past_due=days, overdue_principal=principal, amount=amount)
