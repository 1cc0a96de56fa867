"""Reversing a wrong posting, and re-allocating every later posting on the loan."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.errors import TransitionNotAllowed
from microloan.ledger import JournalEntry, journal_reverse
from microloan.lending.money import ZERO

from ..accrual import payment_accrual, payment_unwind
from ..models import Loan, LoanStatus, Repayment, RepaymentStatus
from ..workflow import REPAYMENT_WORKFLOW
from .allocation import apply_payment, journal_repayment, record_allocations, save_position
from .position import current_installments


@transaction.atomic
def repayment_reverse(*, actor, repayment: Repayment, reason: str) -> Repayment:
    """Reverses a wrong posting (four eyes, from the repayment's table: not by whoever posted
    it) and re-allocates every later posting on the loan as if the wrong one had never
    happened."""
    loan = Loan.objects.select_for_update(of=("self",)).select_related("product", "borrower").get(pk=repayment.loan_id)
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    REPAYMENT_WORKFLOW.check(obj=repayment, action="reverse", actor=actor, reason=reason)
    if loan.status == LoanStatus.WRITTEN_OFF:
        raise TransitionNotAllowed(entity="loan", action="reverse a repayment on", status=loan.status)
    later = list(
        loan.repayments.filter(status=RepaymentStatus.POSTED, id__gt=repayment.pk).select_for_update().order_by("id")
    )
    installments = current_installments(loan, lock=True)
    by_id = {i.pk: i for i in installments}
    # Unwind this posting and every later one, newest first.
    for r in [*reversed(later), repayment]:
        for a in r.allocations.all():
            i = by_id.get(a.installment_id)
            if i is None:
                raise TransitionNotAllowed(
                    entity="repayment",
                    action="reverse",
                    status=r.status,
                    message=_("The schedule changed after this payment; it cannot be reversed automatically."),
                )
            i.penalty_paid -= a.penalty
            i.fee_paid -= a.fee
            i.interest_paid -= a.interest
            i.principal_paid -= a.principal
            i.interest_waived -= a.interest_waived
            payment_unwind(loan, i, interest=a.interest, cleared=a.interest_cleared)
        loan.credit_balance -= r.unapplied
    for i in installments:
        if i.unpaid > 0:
            i.paid_on = None  # paid again, if at all, by the replay below
    entry = JournalEntry.objects.get(source_key=f"repayment:{repayment.pk}:v{repayment.allocation_version}")
    journal_reverse(entry=entry, actor=actor, business_date=business_date(), memo=reason)
    repayment.allocations.all().delete()
    repayment.reversed_by, repayment.reversed_at, repayment.reversal_reason = actor, timezone.now(), reason
    REPAYMENT_WORKFLOW.apply(
        obj=repayment,
        action="reverse",
        actor=actor,
        reason=reason,
        data={"loan": loan.pk, "amount": str(repayment.amount), "reallocated": [r.pk for r in later]},
        extra_update_fields=["reversed_by", "reversed_at", "reversal_reason"],
    )
    # Re-apply the later postings in their order, re-booking any whose split changed.
    for r in later:
        old = {
            (a.installment_id, a.penalty, a.fee, a.interest, a.principal, a.interest_cleared)
            for a in r.allocations.all()
        }
        split, forgiven = apply_payment(loan, installments, r.amount, r.paid_on)
        clearing = payment_accrual(loan, installments, split)
        new = {
            (a.key, a.penalty, a.fee, a.interest, a.principal, clearing.by_installment.get(a.key, ZERO))
            for a in split.allocations
        }
        loan.credit_balance += split.unapplied
        if new != old or split.unapplied != r.unapplied:
            old_entry = JournalEntry.objects.get(source_key=f"repayment:{r.pk}:v{r.allocation_version}")
            journal_reverse(
                entry=old_entry,
                actor=actor,
                business_date=business_date(),
                memo=f"re-allocation after reversal of {repayment.pk}",
            )
            r.allocations.all().delete()
            record_allocations(r, split, forgiven, clearing)
            r.allocation_version += 1
            r.unapplied = split.unapplied
            r.save(update_fields=["allocation_version", "unapplied"])
            journal_repayment(r, split, actor, r.allocation_version, branch_id=loan.branch_id, clearing=clearing)
    save_position(loan, installments, business_date(), actor=actor, reason=reason, data={"repayment": repayment.pk})
    return repayment
