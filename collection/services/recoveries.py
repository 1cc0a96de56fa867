"""Recoveries on written-off loans, a maker-checker pair (collection.workflow.RECOVERY_WORKFLOW):
``recovery_record`` — a collector records the money received (``pending``, nothing on the
books yet); ``recovery_confirm`` — another person confirms it, and only then is the balanced
journal entry posted (cash against recoveries income); ``recovery_return`` sends it back with a
reason. Nobody confirms or returns what they recorded (the table's four-eyes rule)."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import money
from microloan.permissions import require
from servicing.models import Loan, LoanStatus

from ..case_models import Recovery, WriteOffStatus
from ..workflow import RECOVERY_WORKFLOW


def _written_off(loan: Loan, action: str) -> None:
    if loan.status != LoanStatus.WRITTEN_OFF:
        raise TransitionNotAllowed(
            entity="loan",
            action=action,
            status=loan.status,
            message=_("Recoveries are recorded on written-off loans only; this loan is %(s)s.") % {"s": loan.status},
        )


@transaction.atomic
def recovery_record(
    *, actor, loan: Loan, amount, received_on: date, channel: str, reference: str = "", external_id: str | None = None
) -> Recovery:
    """Records money received on a written-off loan, to be confirmed by another person.
    ``actor`` None: a payment channel's verified callback (``external_id`` its transaction id)."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if actor is not None:
        require(actor, "recovery.record")  # the role first: a 403 before any 400
    r = Recovery(
        loan=loan,
        amount=0,
        received_on=received_on,
        channel=(channel or "").strip(),
        recorded_by=actor,
        external_id=external_id,
    )
    _written_off(loan, "record a recovery")
    errors: dict[str, list[str]] = {}
    amount = money(amount)
    if amount <= 0:
        errors["amount"] = [_("The amount must be positive.")]
    if received_on > business_date():
        errors["received_on"] = [_("Not after the business date.")]
    written_off_on = (
        loan.write_offs.filter(status=WriteOffStatus.APPROVED).values_list("business_date", flat=True).first()
    )
    if written_off_on and received_on < written_off_on:
        errors["received_on"] = [_("Not before the write-off (%(d)s).") % {"d": written_off_on}]
    if not r.channel:
        errors["channel"] = [_("Say how the money was received.")]
    if errors:
        raise InvalidInput(errors)
    r.amount, r.reference = amount, (reference or "").strip()
    RECOVERY_WORKFLOW.start(
        obj=r,
        action="record",
        actor=actor,
        data={
            "loan": loan.pk,
            "amount": str(amount),
            "received_on": received_on.isoformat(),
            "channel": r.channel,
            **({"transaction_id": external_id} if external_id else {}),
        },
    )
    return r


def _locked(recovery: Recovery) -> tuple[Recovery, Loan]:
    """The loan, then its recovery: the order recording locks in too."""
    loan = Loan.objects.select_for_update().get(pk=recovery.loan_id)
    return Recovery.objects.select_for_update().get(pk=recovery.pk), loan


@transaction.atomic
def recovery_confirm(*, actor, recovery: Recovery) -> Recovery:
    """Confirms a recorded recovery (pending → confirmed) and posts its journal entry."""
    r, loan = _locked(recovery)
    RECOVERY_WORKFLOW.check(obj=r, action="confirm", actor=actor)
    _written_off(loan, "confirm a recovery")
    journal_post(
        kind="recovery",
        branch_id=loan.branch_id,
        business_date=r.received_on,
        actor=actor,
        reference=f"loan:{loan.pk}",
        source_key=f"recovery:{r.pk}",
        memo=r.reference,
        lines=[
            Line(Acct.CASH, debit=r.amount, loan_id=loan.pk),
            Line(Acct.RECOVERY_INCOME, credit=r.amount, loan_id=loan.pk),
        ],
    )
    r.decided_by, r.decided_at = actor, timezone.now()
    RECOVERY_WORKFLOW.apply(
        obj=r,
        action="confirm",
        actor=actor,
        data={"loan": loan.pk, "amount": str(r.amount)},
        extra_update_fields=["decided_by", "decided_at"],
    )
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=loan.pk,
        action="recovery",
        data={"amount": str(r.amount), "recovery": r.pk},
    )
    return r


@transaction.atomic
def recovery_return(*, actor, recovery: Recovery, reason: str) -> Recovery:
    """Returns a recorded recovery with a reason (pending → returned): nothing is posted; a
    corrected one is recorded anew."""
    r, loan = _locked(recovery)
    reason = (reason or "").strip()
    r.decided_by, r.decided_at, r.return_reason = actor, timezone.now(), reason
    RECOVERY_WORKFLOW.apply(
        obj=r,
        action="return",
        actor=actor,
        reason=reason,
        data={"loan": loan.pk, "amount": str(r.amount)},
        extra_update_fields=["decided_by", "decided_at", "return_reason"],
    )
    return r
