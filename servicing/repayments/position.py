"""A loan's position for a repayment: its current instalments, what each still owes part by
part, and the early payoff on a date."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from microloan.errors import InvalidInput
from microloan.lending.allocation import Open
from microloan.lending.money import ZERO

from ..earned import interest_payable, period_start
from ..models import Installment, Loan


def open_amounts(i: Installment, interest: Decimal | None = None) -> Open:
    """What the instalment still owes, part by part, for the allocation (``interest``: what
    of its interest may be paid, when less than what is unpaid of it)."""
    return Open(
        key=i.pk,
        penalty=i.unpaid_of("penalty"),
        fee=i.unpaid_of("fee"),
        interest=i.unpaid_of("interest") if interest is None else interest,
        principal=i.unpaid_of("principal"),
    )


def payable_amounts(loan: Loan, installments: list[Installment], on: date) -> list[Open]:
    """What each instalment can take on ``on``, oldest first: everything unpaid, but of an
    instalment not yet due no interest beyond what is earned by ``on`` (``servicing.earned``)."""
    return [
        open_amounts(i, interest_payable(i, on, start=period_start(i, installments, disbursed_on=loan.disbursed_on)))
        for i in installments
    ]


def current_installments(loan: Loan, *, lock: bool = False) -> list[Installment]:
    """The loan's current schedule by number; locked for update with ``lock``."""
    qs = Installment.objects.filter(loan=loan, is_current=True, schedule_version=loan.schedule_version)
    if lock:
        qs = qs.select_for_update()
    return list(qs.order_by("number"))


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


def payoff_on(loan: Loan, installments: list[Installment], on: date, *, prepayment_fee: bool = True) -> Payoff:
    """Everything due up to ``on`` in full, all remaining principal, and of the instalments
    not yet due only the interest earned by ``on`` (``servicing.earned``); later interest is
    not charged; with ``prepayment_fee``, the prepayment fee a payoff that day is charged.
    """
    principal = interest = fees = penalty = ZERO
    forgiven = {}
    for i, o in zip(installments, payable_amounts(loan, installments, on), strict=True):
        principal += o.principal
        fees += o.fee
        penalty += o.penalty
        interest += o.interest
        if i.unpaid_of("interest") - o.interest > 0:
            forgiven[i.pk] = i.unpaid_of("interest") - o.interest
    if prepayment_fee:  # the product's fee on the principal repaid early (servicing.charges)
        from ..charges import payoff_prepayment_fee

        fees += payoff_prepayment_fee(loan, installments, on)
    return Payoff(on, principal, interest, fees, penalty, forgiven)


def payoff_quote(*, loan: Loan, on: date) -> Payoff:
    if on < loan.disbursed_on:
        raise InvalidInput({"date": [_("The date is before the disbursement.")]})
    return payoff_on(loan, current_installments(loan), on)
