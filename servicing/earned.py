"""Interest earned: the one rule for how much of an instalment's interest a payment, the payoff
quote, the statement and the loan's figures may count on a date.

An instalment's interest is earned over its period, day by day: the period's interest × the
days elapsed / the days in the period, half-up to the cent (``interest_to_date``); all of it
from the due date on. Nothing paid before the due date ever pays interest beyond what is
earned by the payment's date. Computed on the fly from the schedule; a daily accrual
sub-ledger may later back ``interest_earned`` without its callers changing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from microloan.lending.money import ZERO
from microloan.lending.schedule import interest_to_date


def period_start(installment, installments: Iterable, *, disbursed_on: date) -> date:
    """The day the instalment's period starts: the latest earlier due date of the schedule, or
    the disbursement. By due date, not number: after a restructuring, kept rows and new rows
    interleave."""
    earlier = [x.due_date for x in installments if x.due_date < installment.due_date]
    return max(earlier) if earlier else disbursed_on


def interest_earned(installment, on_date: date, *, start: date) -> Decimal:
    """The part of the instalment's interest earned by the end of ``on_date`` for a period
    starting on ``start`` (all of it from the due date on, none on or before the start)."""
    if on_date >= installment.due_date:
        return installment.interest_due
    return interest_to_date(installment.interest_due, start=start, due=installment.due_date, on=on_date)


def interest_payable(installment, on_date: date, *, start: date) -> Decimal:
    """What of the instalment's interest can be paid on ``on_date``: what is unpaid of it
    (waivers off), and before the due date no more than what is earned by then less what was
    already paid."""
    unpaid = installment.unpaid_of("interest")
    if on_date >= installment.due_date:
        return unpaid
    earned = interest_earned(installment, on_date, start=start)
    return min(max(ZERO, earned - installment.interest_paid), unpaid)


def interest_charged(installment, on_date: date, *, start: date) -> Decimal:
    """What of the instalment's interest the borrower owes or has paid as of ``on_date``:
    what is paid plus what is payable (so a statement charging this less its payments
    shows what the payoff asks)."""
    return installment.interest_paid + interest_payable(installment, on_date, start=start)
