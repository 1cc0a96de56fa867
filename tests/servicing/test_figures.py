"""The arrears rules on their own: bucket and class either side of each boundary, the days
past due, the day's penalty, the provision. (tests/collection/test_close_sql.py checks the close agrees with them.)"""

from datetime import date
from decimal import Decimal

import pytest

from servicing.figures import (
    bucket_for,
    classification_for,
    day_penalty,
    days_past_due,
    provision_required,
    refresh_loan_figures,
)
from servicing.models import Installment, Loan

D = Decimal
OVER = {"special_mention": 0, "substandard": 90, "doubtful": 270, "loss": 360}


@pytest.mark.parametrize(
    ("dpd", "bucket", "klass"),
    [
        (0, "current", "normal"),
        (1, "1-30", "special_mention"),
        (30, "1-30", "special_mention"),
        (31, "31-60", "special_mention"),
        (60, "31-60", "special_mention"),
        (61, "61-90", "special_mention"),
        (90, "61-90", "special_mention"),
        (91, "91-180", "substandard"),
        (180, "91-180", "substandard"),
        (181, "180+", "substandard"),
        (270, "180+", "substandard"),
        (271, "180+", "doubtful"),
        (360, "180+", "doubtful"),
        (361, "180+", "loss"),
    ],
)
def test_bucket_and_class_either_side_of_each_boundary(dpd, bucket, klass):
    assert (bucket_for(dpd), classification_for(dpd, over=OVER)) == (bucket, klass)


def test_the_worst_class_that_applies_wins_whatever_the_thresholds():
    assert classification_for(61, over={**OVER, "substandard": 60}) == "substandard"
    assert classification_for(5, over={"special_mention": 10, "substandard": 3, "doubtful": 4, "loss": 400}) == (
        "doubtful"
    )


def row(number, due, principal, paid="0.00"):
    return Installment(
        pk=number,
        number=number,
        due_date=due,
        principal_due=principal,
        interest_due=D("10.00"),
        principal_paid=D(paid),
        balance_after=D("0.00"),
    )


def test_days_past_due_count_from_the_oldest_overdue_row_whatever_the_order():
    rows = [
        row(3, date(2026, 12, 31), D("500.00")),
        row(2, date(2026, 12, 1), D("500.00"), paid="100.00"),
        row(1, date(2026, 11, 1), D("788.49"), paid="788.49"),  # paid (its interest too, below)
    ]
    rows[2].interest_paid = D("10.00")
    assert days_past_due(rows, date(2026, 12, 1)) == 0  # due today is not yet overdue
    assert days_past_due(rows, date(2026, 12, 2)) == 1
    assert days_past_due(rows, date(2027, 1, 5)) == 35  # row 2, not row 3 nor the paid row 1
    assert days_past_due([], date(2027, 1, 5)) == 0
    # the loan's figures and the day's penalty use the same count
    loan = Loan(credit_balance=D("0.00"))
    refresh_loan_figures(loan, rows, date(2027, 1, 5))
    p = day_penalty(installments=rows, as_of=date(2027, 1, 5), penalty_rate=D("0.18"), grace_days=3, day_basis=360)
    assert loan.days_past_due == p.days_past_due == 35


def test_the_day_penalty_is_on_every_overdue_principal_and_goes_on_the_oldest_row():
    rows = [
        row(1, date(2026, 11, 1), D("788.49")),
        row(2, date(2026, 12, 1), D("500.00"), paid="100.00"),
        row(3, date(2026, 12, 31), D("500.00")),
    ]
    # given 39 days past due, 788.49 + 400.00 overdue at 18% over 360 days: 0.594245 -> 0.59
    p = day_penalty(installments=rows, as_of=date(2026, 12, 10), penalty_rate=D("0.18"), grace_days=3, day_basis=360)
    assert (p.installment.number, p.days_past_due, p.overdue_principal, p.amount) == (1, 39, D("1188.49"), D("0.59"))
    # within the grace days, or nothing overdue: no penalty
    assert (
        day_penalty(installments=rows, as_of=date(2026, 11, 4), penalty_rate=D("0.18"), grace_days=3, day_basis=360)
        is None
    )
    assert (
        day_penalty(
            installments=rows[2:], as_of=date(2026, 12, 10), penalty_rate=D("0.18"), grace_days=3, day_basis=360
        )
        is None
    )


def test_ties_round_half_up():
    # 250.00 x 0.18 / 360 = 0.125 -> 0.13; 2% of 1,000.25 = 20.005 -> 20.01
    p = day_penalty(
        installments=[row(1, date(2026, 11, 1), D("250.00"))],
        as_of=date(2026, 12, 1),
        penalty_rate=D("0.18"),
        grace_days=0,
        day_basis=360,
    )
    assert p.amount == D("0.13")
    assert provision_required(
        outstanding_principal=D("1000.25"), classification="special_mention", rates={"special_mention": D("0.02")}
    ) == D("20.01")
