"""Write-off of a loss-class loan, proposed by one person and approved or rejected by a
manager who did not propose it (four eyes, from the write-off's table). Recoveries on
written-off loans: ``recoveries``."""

from django.db import transaction
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import ZERO
from microloan.permissions import require
from servicing.accrual import penalty_reversal_lines
from servicing.models import Loan
from servicing.workflow import LOAN_WORKFLOW

from ..case_models import CaseStatus, CollectionCase, WriteOff, WriteOffStatus
from ..models import LoanProvision
from ..workflow import WRITE_OFF_REQUESTED, WRITE_OFF_WORKFLOW
from .cases import cases_close


@transaction.atomic
def writeoff_request(*, actor, loan: Loan, reason: str) -> WriteOff:
    require(actor, "write_off.request")
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if not loan.is_live:
        raise TransitionNotAllowed(entity="loan", action="write off", status=loan.status)
    if loan.classification != "loss":
        raise TransitionNotAllowed(
            entity="loan",
            action="write off",
            status=loan.status,
            message=_("Only a loan classified as loss may be written off; this one is %(c)s.")
            % {"c": loan.classification},
        )
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why.")]})
    if loan.write_offs.filter(status=WriteOffStatus.REQUESTED).exists():
        raise TransitionNotAllowed(
            entity="loan",
            action="write off",
            status=loan.status,
            message=_("A write-off is already waiting for approval."),
        )
    w = WriteOff.objects.create(loan=loan, reason=reason, requested_by=actor)
    # The write-off's own history: its four-eyes rule reads who requested it from here.
    audit_record(
        actor=actor,
        entity=WRITE_OFF_WORKFLOW.entity,
        entity_id=w.pk,
        action=WRITE_OFF_REQUESTED,
        to_state=w.status,
        reason=reason,
        data={"loan": loan.pk},
    )
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=loan.pk,
        action="write_off_requested",
        reason=reason,
        to_state="requested",
        data={"write_off": w.pk},
    )
    return w


def _locked(write_off: WriteOff) -> tuple[WriteOff, Loan]:
    w = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    return w, Loan.objects.select_for_update().get(pk=w.loan_id)


@transaction.atomic
def writeoff_reject(*, actor, write_off: WriteOff, comment: str = "") -> WriteOff:
    w, loan = _locked(write_off)
    w.decided_by = actor
    WRITE_OFF_WORKFLOW.apply(
        obj=w, action="reject", actor=actor, reason=comment, data={"loan": loan.pk}, extra_update_fields=["decided_by"]
    )
    audit_record(actor=actor, entity="loan", entity_id=loan.pk, action="write_off_rejected", reason=comment)
    return w


@transaction.atomic
def writeoff_approve(*, actor, write_off: WriteOff, comment: str = "") -> WriteOff:
    """Writes the loan off: principal out of the book against the provision held (any
    shortfall expensed, any excess released), uncollected penalty taken back out of income,
    the loan ``written_off`` and its open case closed."""
    w, loan = _locked(write_off)
    WRITE_OFF_WORKFLOW.check(obj=w, action="approve", actor=actor, reason=comment)
    if not loan.is_live or loan.classification != "loss":
        # The loan moved on (paid, cured, restructured away from loss) while the request waited.
        raise TransitionNotAllowed(
            entity="loan",
            action="write off",
            status=loan.status,
            message=_("The loan is no longer a live loss-class loan (%(s)s, %(c)s); reject the request instead.")
            % {"s": loan.status, "c": loan.classification},
        )
    today = business_date()
    held = LoanProvision.objects.filter(loan=loan).values_list("amount", flat=True).first() or ZERO
    principal, penalty = loan.outstanding_principal, loan.penalty_outstanding
    lines = [
        Line(Acct.LOAN_PRINCIPAL, credit=principal, loan_id=loan.pk),
        Line(Acct.LOAN_LOSS_PROVISION, debit=held, loan_id=loan.pk),
    ]
    # The provision held covers the loss; any shortfall is expensed now, any excess released.
    if principal > held:
        lines.append(Line(Acct.PROVISION_EXPENSE, debit=principal - held, loan_id=loan.pk))
    elif held > principal:
        lines.append(Line(Acct.PROVISION_EXPENSE, credit=held - principal, loan_id=loan.pk))
    # Penalty accrued as income but never to be collected is taken back out (off balance, in
    # non-accrual: the memo record of it is cleared).
    lines += penalty_reversal_lines(loan, penalty)
    journal_post(
        kind="write_off",
        branch_id=loan.branch_id,
        business_date=today,
        actor=actor,
        reference=f"loan:{loan.pk}",
        source_key=f"write_off:{w.pk}",
        memo=w.reason,
        lines=lines,
    )
    LoanProvision.objects.filter(loan=loan).update(amount=ZERO)
    LOAN_WORKFLOW.apply(
        obj=loan,
        action="write_off",
        actor=actor,
        reason=comment or w.reason,
        data={"write_off": w.pk, "principal": str(principal), "penalty": str(penalty)},
    )
    w.decided_by, w.business_date, w.principal, w.penalty = actor, today, principal, penalty
    WRITE_OFF_WORKFLOW.apply(
        obj=w,
        action="approve",
        actor=actor,
        reason=comment,
        data={"loan": loan.pk, "principal": str(principal), "penalty": str(penalty)},
        extra_update_fields=["decided_by", "business_date", "principal", "penalty"],
    )
    open_cases = list(CollectionCase.objects.filter(loan=loan, status=CaseStatus.OPEN).values_list("pk", flat=True))
    cases_close(case_ids=open_cases, action="write_off", business_date=today, actor=actor)
    return w
