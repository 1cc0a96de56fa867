"""Interest on an accrual basis: the rules, and what a repayment does to the interest sub-ledger.

The daily close (collection.close, its SQL in collection.accrual_sql) earns each open period's
interest day by day: after the close of day ``d`` a period from ``start`` (the due date before,
or the disbursement) to ``due`` has earned ``money(interest × (d − start) / (due − start))``
(``accrued_to``), so a day's accrual is that cumulative figure rounded less the day before's
(``day_accrual``) and a period's accruals sum exactly to its scheduled interest, the last day
taking the rounding remainder. Each instalment keeps what it has recognised so far
(``Installment.interest_accrued``); each loan what is earned and unpaid, on the books
(``Loan.interest_accrued``, account 1132) or, while the loan is in non-accrual (停止计息),
off them (``Loan.interest_suspended``, memo account 7011).

A repayment's interest first clears what its instalment had accrued and was unpaid
(``payment_accrual``); the rest, interest paid ahead of the close's accrual, is income when
received, and the instalment counts it as recognised so the close never accrues it again. On
a non-accruing loan everything received is income (5011, and penalty 5012), and the memo
accounts are cleared by what the payment met (``repayment_lines``).

A loan stops accruing when it is more than ``COLLECTION.NON_ACCRUAL_OVER_DAYS`` past due or
classified ``COLLECTION.NON_ACCRUAL_CLASS`` or worse (``non_accrual_due``), and accrues again
once it is current (no day past due).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from microloan.ledger import Acct, Line
from microloan.lending.allocation import Split
from microloan.lending.money import ZERO, money
from microloan.policy import CLASS_ORDER, CollectionPolicy

from .models import AccrualStatus, Installment, Loan


def accrued_to(interest: Decimal, *, start: date, due: date, on: date) -> Decimal:
    """The period's interest earned by the end of ``on``: actual days elapsed over the period's
    days, to the cent half-up; all of it from the due date on, none before the start."""
    days = (due - start).days
    if days <= 0 or on >= due:
        return money(interest)
    elapsed = max((on - start).days, 0)
    return money(interest * elapsed / days)


def day_accrual(interest: Decimal, *, start: date, due: date, on: date) -> Decimal:
    """What the close of ``on`` accrues for the period: cumulative to date less to the day before."""
    return accrued_to(interest, start=start, due=due, on=on) - accrued_to(
        interest, start=start, due=due, on=on - timedelta(days=1)
    )


def non_accrual_due(*, days_past_due: int, classification: str, policy: CollectionPolicy) -> bool:
    """Whether a loan with these figures is (or stays) in non-accrual."""
    return days_past_due > policy.non_accrual_over_days or CLASS_ORDER.index(classification) >= CLASS_ORDER.index(
        policy.non_accrual_class
    )


def class_rank(classification: str) -> int:
    return CLASS_ORDER.index(classification)


@dataclass
class Clearing:
    """What one repayment's interest did to the sub-ledger: ``cleared`` of what was accrued
    (per instalment in ``by_installment``), the rest income on receipt; ``non_accrual`` when
    the loan was off balance at the time."""

    non_accrual: bool = False
    cleared: Decimal = ZERO
    by_installment: dict[int, Decimal] = field(default_factory=dict)


def payment_accrual(loan: Loan, installments: list[Installment], split: Split) -> Clearing:
    """Clears, in memory, what ``split`` (already written onto ``installments`` by
    ``apply_payment``) paid of the interest accrued: per instalment the interest paid meets
    first what it had recognised and was unpaid; the instalment then counts everything paid
    as recognised. The loan's accrued (or, in non-accrual, suspended) interest falls by what
    was cleared. The caller saves the instalments (``interest_accrued``) and the loan."""
    by_id = {i.pk: i for i in installments}
    clearing = Clearing(non_accrual=loan.accrual_status == AccrualStatus.NON_ACCRUAL)
    for a in split.allocations:
        if a.interest <= 0:
            continue
        i = by_id[a.key]
        before = i.interest_paid - a.interest
        cleared = min(a.interest, max(i.interest_accrued - before, ZERO))
        i.interest_accrued = max(i.interest_accrued, i.interest_paid)
        clearing.by_installment[i.pk] = cleared
        clearing.cleared += cleared
    held = loan.interest_suspended if clearing.non_accrual else loan.interest_accrued
    if clearing.cleared > held:  # never below nothing, whatever an older posting left
        clearing.cleared = max(held, ZERO)
    if clearing.non_accrual:
        loan.interest_suspended -= clearing.cleared
    else:
        loan.interest_accrued -= clearing.cleared
    return clearing


def payment_unwind(loan: Loan, installment: Installment, *, interest: Decimal, cleared: Decimal) -> None:
    """Undoes ``payment_accrual`` for one allocation of a reversed posting (its mirror entry
    puts the cleared part back on 1132, or on memo 7011 in non-accrual)."""
    installment.interest_accrued -= interest - cleared
    if loan.accrual_status == AccrualStatus.NON_ACCRUAL:
        loan.interest_suspended += cleared
    else:
        loan.interest_accrued += cleared


SUBLEDGER_FIELDS = ["interest_accrued", "interest_suspended"]


def repayment_lines(split: Split, clearing: Clearing | None, loan_id: int) -> list[Line]:
    """The penalty and interest lines of a repayment's entry. Accruing: penalty clears 1133,
    interest clears 1132 for what was accrued and is income (5011) beyond. Non-accrual: both
    are income on receipt, and the memo accounts fall by what the payment met."""
    clearing = clearing or Clearing()
    penalty, interest = split.part("penalty"), split.part("interest")
    if not clearing.non_accrual:
        return [
            Line(Acct.PENALTY_RECEIVABLE, credit=penalty, loan_id=loan_id),
            Line(Acct.INTEREST_RECEIVABLE, credit=clearing.cleared, loan_id=loan_id),
            Line(Acct.INTEREST_INCOME, credit=interest - clearing.cleared, loan_id=loan_id),
        ]
    return [
        Line(Acct.PENALTY_INCOME, credit=penalty, loan_id=loan_id),
        Line(Acct.INTEREST_INCOME, credit=interest, loan_id=loan_id),
        Line(Acct.MEMO_CONTRA, debit=penalty + clearing.cleared, loan_id=loan_id),
        Line(Acct.MEMO_PENALTY_RECEIVABLE, credit=penalty, loan_id=loan_id),
        Line(Acct.MEMO_INTEREST_RECEIVABLE, credit=clearing.cleared, loan_id=loan_id),
    ]


def receivable_cut_lines(loan: Loan, amount: Decimal) -> list[Line]:
    """Interest earned and unpaid that is no longer owed (a restructuring lowered it, a
    write-off gives it up) taken out of the sub-ledger and the books: on balance out of income
    and 1132, in non-accrual out of the memo record (7011 against 7099). Moves
    ``loan.interest_accrued`` or ``loan.interest_suspended`` (the caller saves the loan)."""
    if amount <= 0:
        return []
    if loan.accrual_status == AccrualStatus.NON_ACCRUAL:
        loan.interest_suspended -= amount
        return [
            Line(Acct.MEMO_CONTRA, debit=amount, loan_id=loan.pk),
            Line(Acct.MEMO_INTEREST_RECEIVABLE, credit=amount, loan_id=loan.pk),
        ]
    loan.interest_accrued -= amount
    return [
        Line(Acct.INTEREST_INCOME, debit=amount, loan_id=loan.pk),
        Line(Acct.INTEREST_RECEIVABLE, credit=amount, loan_id=loan.pk),
    ]


def recognised_unpaid(rows) -> Decimal:
    """What rows hold in the sub-ledger: interest recognised (accrued, or paid ahead) and unpaid."""
    return sum((max(i.interest_accrued - i.interest_paid, ZERO) for i in rows), start=ZERO)


def penalty_reversal_lines(loan: Loan, penalty: Decimal) -> list[Line]:
    """Penalty that will never be collected (a write-off, a restructuring's waiver) taken back
    out: out of income and 1133, or, for a loan in non-accrual (whose penalty is off balance),
    out of the memo record. After a write-off, what interest is left accrued or suspended the
    next close releases (``AccrualMove`` kind ``release``)."""
    if loan.accrual_status == AccrualStatus.NON_ACCRUAL:
        return [
            Line(Acct.MEMO_CONTRA, debit=penalty, loan_id=loan.pk),
            Line(Acct.MEMO_PENALTY_RECEIVABLE, credit=penalty, loan_id=loan.pk),
        ]
    return [
        Line(Acct.PENALTY_INCOME, debit=penalty, loan_id=loan.pk),
        Line(Acct.PENALTY_RECEIVABLE, credit=penalty, loan_id=loan.pk),
    ]
