"""A loan's position for a repayment: its current instalments, what each still owes part by
part, and the early payoff on a date."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from microloan.errors import InvalidInput
from microloan.lending.allocation import Open
from microloan.lending.money import ZERO
from microloan.lending.schedule import interest_to_date

from ..models import Installment, Loan


def open_amounts(i: Installment) -> Open:
    """What the instalment still owes, part by part, for the allocation."""
    return Open(
        key=i.pk,
        penalty=i.unpaid_of("penalty"),
        fee=i.unpaid_of("fee"),
        interest=i.unpaid_of("interest"),
        principal=i.unpaid_of("principal"),
    )


def current_installments(loan: Loan, *, lock: bool = False) -> list[Installment]:
    """The loan's current schedule by number; locked for update with ``lock``."""
    qs = Installment.objects.filter(loan=loan, is_current=True, schedule_version=loan.schedule_version)
    if lock:
        qs = qs.select_for_update()
    return list(qs.order_by("number"))


def _period_start(loan: Loan, installments: list[Installment], i: Installment) -> date:
    # By due date, not number: after a restructuring, kept rows and new rows interleave.
    earlier = [x.due_date for x in installments if x.due_date < i.due_date]
    return max(earlier) if earlier else loan.disbursed_on


@dataclass(frozen=True)
class Payoff:
    date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    forgiven_interest: dict  # installment id -> future interest not charged

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


def payoff_on(loan: Loan, installments: list[Installment], on: date) -> Payoff:
    """Everything due up to ``on`` in full, all remaining principal, and interest of the
    period in progress to the day (actual days over the period's days); later interest is
    not charged."""
    principal = interest = fees = penalty = ZERO
    forgiven = {}
    for i in installments:
        o = open_amounts(i)
        principal += o.principal
        fees += o.fee
        penalty += o.penalty
        if i.due_date <= on:
            interest += o.interest
            continue
        earned = interest_to_date(i.interest_due, start=_period_start(loan, installments, i), due=i.due_date, on=on)
        charged = min(max(ZERO, earned - i.interest_paid), o.interest)
        interest += charged
        if o.interest - charged > 0:
            forgiven[i.pk] = o.interest - charged
    return Payoff(on, principal, interest, fees, penalty, forgiven)


def payoff_quote(*, loan: Loan, on: date) -> Payoff:
    if on < loan.disbursed_on:
        raise InvalidInput({"date": [_("The date is before the disbursement.")]})
    return payoff_on(loan, current_installments(loan), on)
