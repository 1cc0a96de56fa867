"""Restructuring for hardship or disaster: deferral, extension, penalty waiver, interest
reduction (a lower rate for the remaining periods) and deferral of the instalments already
overdue (to the end of the schedule). An officer requests, a manager approves (not the
requester); approval writes a new schedule version from the effective date and keeps the old
one as history. The interest reduction's and the overdue deferral's schedules are
``servicing.restructuring_kinds``; a batch disaster deferral over a branch tree is
``servicing.restructuring_batch``."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import ZERO
from microloan.lending.schedule import build_schedule, interest_to_date, shift_due_date
from microloan.workflow import NEW

from .accrual import penalty_reversal_lines, receivable_cut_lines, recognised_unpaid
from .calendar import refresh_grace_dates, roll_due_dates
from .models import (
    Installment,
    Loan,
    Restructuring,
    RestructuringKind,
    RestructuringStatus,
)
from .repayments import current_installments, save_position
from .restructuring_kinds import interest_reduction_schedule, overdue_deferral_schedule, overdue_instalments
from .workflow import LOAN_WORKFLOW, RESTRUCTURING_WORKFLOW


@transaction.atomic
def restructuring_request(
    *, actor, loan: Loan, kind: str, cause: str, periods: int = 0, reason: str, new_rate=None
) -> Restructuring:
    RESTRUCTURING_WORKFLOW.check(obj=Restructuring(status=NEW), action="request", actor=actor, reason=reason)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if not loan.is_live:
        raise TransitionNotAllowed(entity="loan", action="restructure", status=loan.status)
    errors = {}
    if kind not in RestructuringKind.values:
        errors["kind"] = [_("Choose deferral, extension, penalty_waiver, interest_reduction or overdue_deferral.")]
    if cause not in ("hardship", "disaster"):
        errors["cause"] = [_("Choose hardship or disaster.")]
    if kind in (RestructuringKind.DEFERRAL, RestructuringKind.EXTENSION) and not (1 <= periods <= 60):
        errors["periods"] = [_("Give 1 to 60 periods.")]
    if kind == RestructuringKind.INTEREST_REDUCTION:
        if new_rate is None:
            errors["new_rate"] = [_("Give the new annual rate.")]
        elif not (0 <= new_rate < loan.annual_rate):
            errors["new_rate"] = [
                _("The new rate must be at least 0 and below the loan's rate (%(r)s).") % {"r": loan.annual_rate}
            ]
    else:
        new_rate = None
    if kind == RestructuringKind.OVERDUE_DEFERRAL and not overdue_instalments(
        current_installments(loan), business_date()
    ):
        errors["kind"] = [_("The loan has no overdue instalment to defer.")]
    if errors:
        raise InvalidInput(errors)
    if loan.restructurings.filter(status=RestructuringStatus.REQUESTED).exists():
        raise TransitionNotAllowed(
            entity="loan",
            action="restructure",
            status=loan.status,
            message=_("A restructuring request is already waiting for approval."),
        )
    r = Restructuring(
        loan=loan, kind=kind, cause=cause, periods=periods, reason=reason, requested_by=actor, new_rate=new_rate
    )
    # The table requires the reason and writes the audit row the approver's four eyes read.
    RESTRUCTURING_WORKFLOW.start(
        obj=r,
        action="request",
        actor=actor,
        reason=reason,
        data={
            "loan": loan.pk,
            "kind": kind,
            "periods": periods,
            **({"new_rate": str(new_rate)} if new_rate is not None else {}),
        },
    )
    return r


@transaction.atomic
def restructuring_decide(*, actor, restructuring: Restructuring, approve: bool, comment: str = "") -> Restructuring:
    """Approves or rejects a request. Roles and four eyes (not by the requester) are the
    restructuring's table; an approved deferral or extension moves the loan through its own
    table (``restructure``), a penalty waiver leaves the loan's status as it is."""
    r = Restructuring.objects.select_for_update().get(pk=restructuring.pk)
    action = "approve" if approve else "reject"
    RESTRUCTURING_WORKFLOW.check(obj=r, action=action, actor=actor, reason=comment)
    loan = Loan.objects.select_for_update().get(pk=r.loan_id)
    if approve and not loan.is_live:
        # The loan moved on (paid off, written off) while the request waited.
        raise TransitionNotAllowed(entity="loan", action="restructure", status=loan.status)
    r.decided_by, r.decided_at, r.decision_comment = actor, timezone.now(), comment
    decided = ["decided_by", "decided_at", "decision_comment"]
    if not approve:
        RESTRUCTURING_WORKFLOW.apply(
            obj=r, action="reject", actor=actor, reason=comment, data={"loan": loan.pk}, extra_update_fields=decided
        )
        return r
    today = business_date()
    old = current_installments(loan, lock=True)
    if r.kind == RestructuringKind.PENALTY_WAIVER:
        waived = ZERO
        for i in old:
            open_penalty = i.unpaid_of("penalty")
            if open_penalty > 0:
                i.penalty_waived += open_penalty
                waived += open_penalty
        Installment.objects.bulk_update(old, ["penalty_waived"])
        # The accrued penalty was income; waiving it takes it back out of the receivable.
        journal_post(
            kind="waiver",
            branch_id=loan.branch_id,
            business_date=today,
            actor=actor,
            reference=f"loan:{loan.pk}",
            source_key=f"waiver:{r.pk}",
            memo=r.reason,
            lines=penalty_reversal_lines(loan, waived),
        )
        r.waived_amount = waived
        save_position(loan, old, today, actor=actor, data={"restructuring": r.pk})
        audit_record(
            actor=actor,
            entity="loan",
            entity_id=loan.pk,
            action="penalty_waiver",
            reason=comment or r.reason,
            data={"restructuring": r.pk, "waived": str(waived)},
        )
    else:
        new_version = loan.schedule_version + 1
        data = {}
        if r.kind in (RestructuringKind.INTEREST_REDUCTION, RestructuringKind.OVERDUE_DEFERRAL):
            rows = _new_schedule_of_kind(loan, old, r, today, new_version, actor=actor)
            if r.kind == RestructuringKind.INTEREST_REDUCTION:
                data = {"from_rate": str(loan.annual_rate), "to_rate": str(r.new_rate)}
                loan.annual_rate = r.new_rate
        else:
            rows = _new_schedule(loan, old, r, today, new_version)
        Installment.objects.filter(pk__in=[i.pk for i in old]).update(is_current=False)
        Installment.objects.bulk_create(rows)
        if r.kind != RestructuringKind.INTEREST_REDUCTION:  # it keeps every due date
            # The moved due dates on working days, where the product's due_date_rule says so.
            roll_due_dates(loan_ids=[loan.pk], on_or_after=today)
        refresh_grace_dates(loan_ids=[loan.pk])  # the new rows due on a holiday: graced too
        r.from_version, r.to_version = loan.schedule_version, new_version
        loan.schedule_version = new_version
        loan.maturity_date = max(
            Installment.objects.filter(loan=loan, is_current=True).values_list("due_date", flat=True)
        )
        LOAN_WORKFLOW.apply(
            obj=loan,
            action="restructure",
            actor=actor,
            reason=comment or r.reason,
            data={
                "restructuring": r.pk,
                "kind": r.kind,
                "from_version": r.from_version,
                "to_version": r.to_version,
                **data,
            },
            extra_update_fields=["schedule_version", "maturity_date", "annual_rate", "credit_balance"],
        )
        save_position(loan, current_installments(loan, lock=True), today, actor=actor, data={"restructuring": r.pk})
    r.effective_date = today
    RESTRUCTURING_WORKFLOW.apply(
        obj=r,
        action="approve",
        actor=actor,
        reason=comment,
        data={
            "loan": loan.pk,
            "from_version": r.from_version,
            "to_version": r.to_version,
            "waived": str(r.waived_amount),
        },
        extra_update_fields=[*decided, "effective_date", "from_version", "to_version", "waived_amount"],
    )
    return r


def _new_schedule_of_kind(loan, old, r, today, version, *, actor) -> list[Installment]:
    """The interest reduction's or the overdue deferral's rows, their balanced entry posted."""
    if r.kind == RestructuringKind.OVERDUE_DEFERRAL:
        return overdue_deferral_schedule(loan=loan, old=old, today=today, version=version).rows
    new = interest_reduction_schedule(loan=loan, old=old, new_rate=r.new_rate, today=today, version=version)
    # Out of the sub-ledger (loan.interest_accrued, or suspended) and of 1132 (or memo 7011) alike.
    lines = receivable_cut_lines(loan, new.cut)
    if new.credit > 0:
        loan.credit_balance += new.credit
        lines += [
            Line(Acct.INTEREST_INCOME, debit=new.credit, loan_id=loan.pk),
            Line(Acct.BORROWER_CREDIT, credit=new.credit, loan_id=loan.pk),
        ]
    if lines:
        journal_post(
            kind="restructure",
            branch_id=loan.branch_id,
            business_date=today,
            actor=actor,
            reference=f"loan:{loan.pk}",
            source_key=f"restructure-rate:{r.pk}",
            memo=r.reason,
            lines=lines,
        )
    return new.rows


def _copy(i: Installment, version: int, **changes) -> Installment:
    fields = {f.attname: getattr(i, f.attname) for f in Installment._meta.concrete_fields if f.attname != "id"}
    fields.update(schedule_version=version, is_current=True, **changes)
    return Installment(**fields)


def _new_schedule(loan, old, r, today, version) -> list[Installment]:
    """Paid and past-due instalments carry over; what is not yet due is rescheduled."""
    if r.kind == RestructuringKind.DEFERRAL:
        # Every instalment not yet due moves later by the deferred periods; amounts stay.
        return [
            _copy(
                i,
                version,
                due_date=shift_due_date(i.due_date, loan.frequency, r.periods) if i.due_date >= today else i.due_date,
            )
            for i in old
        ]
    # Extension: the principal not yet due is re-amortised over the new number of periods
    # from the effective date, at the contract rate; past-due rows keep what they owe.
    kept = [i for i in old if i.due_date <= today or i.unpaid_of("principal") <= 0]
    future = [i for i in old if i not in kept]
    principal_left = sum((i.unpaid_of("principal") for i in future), start=ZERO)
    out = [_copy(i, version) for i in kept]
    # Interest earned in the period in progress up to today is not given up by rescheduling.
    accrued = ZERO
    if future:
        first = min(future, key=lambda i: i.due_date)
        start = max((i.due_date for i in old if i.due_date < first.due_date), default=loan.disbursed_on)
        accrued = interest_to_date(first.interest_due, start=start, due=first.due_date, on=today)
    # The interest already paid in advance on rescheduled rows stays with the loan as paid.
    if principal_left <= 0:
        return out
    sched = build_schedule(
        principal=principal_left,
        annual_rate=loan.annual_rate,
        term=r.periods,
        frequency=loan.frequency,
        method=loan.method if loan.method != "flat" else "annuity",
        disbursement_date=today,
    )
    prepaid_interest = sum((i.interest_paid for i in future), start=ZERO)
    # What the rescheduled rows had recognised (accrued by the close, or paid ahead) carries to
    # the first new row, which owes the interest earned to date: the close goes on from there
    # and never accrues those days again.
    recognised = sum((i.interest_accrued for i in future), start=ZERO)
    held = recognised_unpaid(future)
    n0 = max((i.number for i in kept), default=0)
    for k, s in enumerate(sched.installments, start=1):
        interest = s.interest + (accrued if k == 1 else ZERO)
        paid = min(prepaid_interest, interest) if k == 1 else ZERO
        out.append(
            Installment(
                loan=loan,
                schedule_version=version,
                number=n0 + k,
                due_date=s.due_date,
                principal_due=s.principal,
                interest_due=interest,
                balance_after=s.balance_after,
                interest_paid=paid,
                interest_accrued=min(max(recognised, paid), interest) if k == 1 else ZERO,
            )
        )
        if k == 1:
            prepaid_interest -= paid
            held -= recognised_unpaid(out[-1:])
    # Recognised and unpaid beyond what the new first row owes: no longer owed, off the books.
    cut_lines = receivable_cut_lines(loan, held)
    # One numbering in due-date order: kept rows (past due, or prepaid in full ahead of time
    # under ``shorten_term``) and the re-amortised ones interleave by date.
    for number, row in enumerate(sorted(out, key=lambda i: (i.due_date, i.number)), start=1):
        row.number = number
    # Interest paid ahead on rescheduled rows that the first new row could not absorb goes
    # back to the borrower as credit, never lost.
    if prepaid_interest > 0 or cut_lines:
        loan.credit_balance += prepaid_interest
        journal_post(
            kind="restructure",
            branch_id=loan.branch_id,
            business_date=today,
            actor=r.decided_by,
            reference=f"loan:{loan.pk}",
            source_key=f"restructure-credit:{r.pk}",
            memo=r.reason,
            lines=[
                *cut_lines,
                Line(Acct.INTEREST_INCOME, debit=prepaid_interest, loan_id=loan.pk),
                Line(Acct.BORROWER_CREDIT, credit=prepaid_interest, loan_id=loan.pk),
            ],
        )
    return out
