"""The new schedule of an interest reduction and of a deferral of overdue instalments (the
restructuring's approval, ``servicing.restructuring.restructuring_decide``, writes it as a new
schedule version and keeps the old one).

Interest reduction: every instalment not yet due (the period in progress and the later ones)
keeps its principal and its due date; its interest is the old interest × new rate / old rate,
to the cent (interest is the balance × the rate × the period, so with the principal schedule
kept the scaling is the recomputation at the new rate). The lower rate applies to the whole
period in progress: the part of its interest already earned by the effective date and on the
books (interest receivable, where the daily accrual posted it) is reduced by the same
proportion: each row keeps what it had recognised (``Installment.interest_accrued``) up to
what is earned by the effective date at the new rate, the rest comes out of the sub-ledger
(``Loan.interest_accrued``) and out of the books by a balanced entry (interest income against
interest receivable 1132; in non-accrual memo 7099 against 7011), so the sub-ledger still
equals 1132 and the close goes on from the new figure without accruing any day twice.
Interest already paid on a rescheduled row beyond its new interest goes to the borrower's
credit balance (interest income against borrower credit), never lost.

Deferral of overdue instalments: each instalment due before the effective date and not paid
in full moves, whole (what was paid on it stays with it), to the end of the schedule, one
period after the other after the last due date. No money moves; penalty already charged
stays owed, and the moved rows are no longer overdue from the effective date."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from microloan.ledger import Line
from microloan.lending.money import ZERO, money
from microloan.lending.schedule import shift_due_date

from .accrual import accrued_to
from .models import Installment


@dataclass
class NewSchedule:
    rows: list[Installment]
    # Balanced lines to post with the approval (empty: no money moves).
    lines: list[Line] = field(default_factory=list)
    credit: Decimal = ZERO  # interest paid ahead, back to the borrower's credit balance
    cut: Decimal = ZERO  # interest recognised and unpaid that is no longer owed (off the receivable)


def copy_row(i: Installment, version: int, **changes) -> Installment:
    fields = {f.attname: getattr(i, f.attname) for f in Installment._meta.concrete_fields if f.attname != "id"}
    fields.update(schedule_version=version, is_current=True, **changes)
    return Installment(**fields)


def scaled_interest(interest: Decimal, *, old_rate: Decimal, new_rate: Decimal) -> Decimal:
    """A period's interest at ``new_rate`` instead of ``old_rate``, to the cent (half-up)."""
    if old_rate <= 0:
        return interest
    return money(interest * new_rate / old_rate)


def interest_reduction_schedule(
    *, loan, old: list[Installment], new_rate: Decimal, today: date, version: int
) -> NewSchedule:
    """The rows at ``new_rate``, and what comes off the books. Each row not yet due keeps what
    it had recognised (``interest_accrued``: accrued by the close, or paid ahead) up to what is
    earned by today at the new rate (never below what stays paid), so the close goes on from
    there and never accrues a day twice; the recognised interest it gives up is ``cut`` out of
    the receivable (what was unpaid) and ``credit`` to the borrower (what was paid beyond the
    row's new interest)."""
    old_rate = loan.annual_rate
    rows, credit, cut = [], ZERO, ZERO
    ordered = sorted(old, key=lambda i: (i.due_date, i.number))
    for k, i in enumerate(ordered):
        if i.due_date <= today:
            rows.append(copy_row(i, version))
            continue
        new_interest = scaled_interest(i.interest_due, old_rate=old_rate, new_rate=new_rate)
        start = ordered[k - 1].due_date if k else loan.disbursed_on
        waived = min(i.interest_waived, new_interest)
        paid = min(i.interest_paid, new_interest - waived)
        earned = min(accrued_to(new_interest, start=start, due=i.due_date, on=today), new_interest - waived)
        recognised = min(i.interest_accrued, max(earned, paid))
        credit += i.interest_paid - paid
        cut += (i.interest_accrued - i.interest_paid) - (recognised - paid)
        rows.append(
            copy_row(
                i,
                version,
                interest_due=new_interest,
                interest_paid=paid,
                interest_waived=waived,
                interest_accrued=recognised,
            )
        )
    return NewSchedule(rows=rows, credit=credit, cut=max(cut, ZERO))


def overdue_instalments(old: list[Installment], today: date) -> list[Installment]:
    return [i for i in old if i.due_date < today and i.unpaid > 0]


def overdue_deferral_schedule(*, loan, old: list[Installment], today: date, version: int) -> NewSchedule:
    moved = {i.pk for i in overdue_instalments(old, today)}
    last = max(i.due_date for i in old)
    rows, k = [], 0
    for i in sorted(old, key=lambda i: (i.due_date, i.number)):
        if i.pk in moved:
            k += 1
            rows.append(copy_row(i, version, due_date=shift_due_date(last, loan.frequency, k)))
        else:
            rows.append(copy_row(i, version))
    renumber(rows, principal=loan.principal)
    return NewSchedule(rows=rows)


def renumber(rows: list[Installment], *, principal: Decimal) -> None:
    """One numbering in due-date order, and each row's balance after it from the principal."""
    balance = principal
    for number, row in enumerate(sorted(rows, key=lambda i: (i.due_date, i.number)), start=1):
        row.number = number
        balance -= row.principal_due
        row.balance_after = balance
