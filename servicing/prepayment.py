"""The ``reamortise`` prepayment mode: an advance payment repays principal (no interest beyond
what is earned, as in ``next_installments``), and then the principal not yet due is
re-amortised over the same remaining periods, so every later instalment is smaller: a new
schedule version.

The instalment in progress keeps its interest (earned by the schedule's rule,
``servicing.earned``, so the payoff of the day does not move) and holds what was paid of the
principal not yet due, plus its share of the new amortisation; the later rows are the new schedule's, on
the old due dates. Rows already due carry over as they are, and every charge moves with its
row. Nothing is booked: the principal outstanding does not change by re-amortising it. A
posting made before the new version cannot be reversed automatically any more (as after a
restructuring)."""

from __future__ import annotations

from datetime import date

from microloan.audit import audit_record
from microloan.lending.money import ZERO
from microloan.lending.schedule import build_schedule

from .charge_models import Charge
from .models import Installment, Loan

MODE = "reamortise"


def _copy(i: Installment, version: int, **changes) -> Installment:
    fields = {f.attname: getattr(i, f.attname) for f in Installment._meta.concrete_fields if f.attname != "id"}
    fields.update(schedule_version=version, is_current=True, **changes)
    return Installment(**fields)


def prepayment_reamortise(*, loan: Loan, installments: list[Installment], split, on: date, actor) -> bool:
    """After a posting (its ``split``) on a ``reamortise`` product that repaid principal not yet
    due: writes the new schedule version; True when it did. ``installments`` are the posting's
    (saved, locked)."""
    if loan.product.prepayment_mode != MODE or not loan.is_live:
        return False
    future = sorted((i for i in installments if i.due_date > on), key=lambda i: (i.due_date, i.number))
    by_id = {i.pk: i for i in installments}
    prepaid = sum((a.principal for a in split.allocations if by_id[a.key].due_date > on), ZERO)
    left = sum((i.unpaid_of("principal") for i in future), ZERO)
    if prepaid <= 0 or len(future) < 2 or left <= 0:
        return False
    sched = build_schedule(
        principal=left,
        annual_rate=loan.annual_rate,
        term=len(future),
        frequency=loan.frequency,
        method=loan.method if loan.method != "flat" else "annuity",
        disbursement_date=on,
    ).installments
    version = loan.schedule_version + 1
    rows = [_copy(i, version) for i in installments if i.due_date <= on]
    first, *later = future
    # What was paid of the later rows' principal stays paid, on the row in progress: the
    # schedule's principal due and paid still add up to the loan's.
    paid = sum((i.principal_paid for i in future), ZERO)
    rows.append(
        _copy(
            first,
            version,
            principal_due=paid + sched[0].principal,
            principal_paid=paid,
            balance_after=sched[0].balance_after,
        )
    )
    for old, new in zip(later, sched[1:], strict=True):
        rows.append(
            _copy(
                old,
                version,
                principal_due=new.principal,
                principal_paid=ZERO,
                interest_due=max(new.interest, old.interest_paid),
                interest_waived=ZERO,
                balance_after=new.balance_after,
                paid_on=None,
            )
        )
    Installment.objects.filter(pk__in=[i.pk for i in installments]).update(is_current=False)
    made = Installment.objects.bulk_create(rows)
    new_by_number = {r.number: r.pk for r in made}
    moved = {i.pk: new_by_number[i.number] for i in installments}
    for old_id, new_id in moved.items():
        Charge.objects.filter(installment_id=old_id).update(installment_id=new_id)
    loan.schedule_version = version
    loan.save(update_fields=["schedule_version"])
    from microloan.business_date import business_date

    from .repayments import current_installments, save_position

    as_of = max(business_date(), on)
    save_position(loan, current_installments(loan, lock=True), as_of, actor=actor, data={"reamortised": version})
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=loan.pk,
        action="reamortise",
        data={"on": on.isoformat(), "prepaid": str(prepaid), "principal": str(left), "to_version": version},
    )
    return True
