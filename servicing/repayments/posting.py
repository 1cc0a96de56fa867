"""Posting a repayment (at a branch, or from a verified payment-channel callback). The posting
locks the loan row first, so concurrent postings on one loan queue up instead of losing an
update; it posts a balanced journal entry and an audit record in the same transaction.

Every caller (the loan page, the API, a channel's callback, the demo's scenarios) posts
through ``repayment_post``, so its checks are the rules: a positive amount of at most
``repayment_ceiling`` (the payoff on the payment's date plus the policy's overpayment
tolerance), dated within the disbursement, the last posting and the business date."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.lending.money import ZERO, money, money_str
from microloan.policy import policy
from microloan.workflow import NEW

from ..accrual import payment_accrual
from ..charges import prepayment_fee_charge, prepayment_fee_record
from ..models import Loan, Repayment, RepaymentStatus
from ..prepayment import prepayment_reamortise
from ..workflow import REPAYMENT_WORKFLOW
from .allocation import apply_payment, journal_repayment, record_allocations, save_position
from .position import current_installments, payoff_on


@transaction.atomic
def repayment_post(
    *, actor, loan: Loan, amount, paid_on: date, channel: str, reference: str = "", external_id: str | None = None
) -> Repayment:
    if actor is not None:  # None: a verified payment-channel callback
        REPAYMENT_WORKFLOW.check(obj=Repayment(status=NEW), action="post", actor=actor)
    amount = money(amount)
    errors = {}
    if amount <= 0:
        errors["amount"] = [_("The amount must be positive.")]
    today = business_date()
    if paid_on > today:
        errors["paid_on"] = [_("A payment cannot be dated after the business date %(d)s.") % {"d": today}]
    # Locking the loan row serialises postings on this loan.
    loan = Loan.objects.select_for_update(of=("self",)).select_related("product", "borrower").get(pk=loan.pk)
    if paid_on < loan.disbursed_on:
        errors["paid_on"] = [_("A payment cannot be dated before the disbursement.")]
    if errors:
        raise InvalidInput(errors)
    if not loan.is_live:
        raise TransitionNotAllowed(entity="loan", action="repay", status=loan.status)
    last = (
        loan.repayments.filter(status=RepaymentStatus.POSTED)
        .order_by("-paid_on")
        .values_list("paid_on", flat=True)
        .first()
    )
    if last and paid_on < last:
        raise InvalidInput(
            {
                "paid_on": [
                    _(
                        "A payment cannot be dated before the last posted payment (%(d)s); "
                        "reverse and re-post to correct the order."
                    )
                    % {"d": last}
                ]
            }
        )
    installments = current_installments(loan, lock=True)
    payoff, most = repayment_ceiling(loan, installments, paid_on)
    if amount > most:
        raise InvalidInput(
            {
                "amount": [
                    _(
                        "At most %(most)s can be paid on this loan on %(d)s: its payoff %(payoff)s "
                        "plus at most %(tolerance)s held as credit."
                    )
                    % {
                        "most": money_str(most),
                        "d": paid_on,
                        "payoff": money_str(payoff),
                        "tolerance": money_str(most - payoff),
                    }
                ]
            }
        )
    fee_charge = prepayment_fee_charge(loan=loan, installments=installments, amount=amount, on=paid_on, actor=actor)
    split, forgiven = apply_payment(loan, installments, amount, paid_on)
    clearing = payment_accrual(loan, installments, split)
    loan.credit_balance += split.unapplied
    repayment = Repayment(
        loan=loan,
        amount=amount,
        paid_on=paid_on,
        channel=channel,
        reference=reference,
        external_id=external_id,
        unapplied=split.unapplied,
        posted_by=actor,
    )
    data = {
        "loan": loan.pk,
        "amount": str(amount),
        "paid_on": paid_on.isoformat(),
        "penalty": str(split.part("penalty")),
        "fee": str(split.part("fee")),
        "interest": str(split.part("interest")),
        "principal": str(split.part("principal")),
        "unapplied": str(split.unapplied),
        "forgiven_interest": str(sum(forgiven.values(), ZERO)),
    }
    try:
        with transaction.atomic():
            REPAYMENT_WORKFLOW.start(obj=repayment, action="post", actor=actor, data=data)
    except IntegrityError:
        raise InvalidInput({"transaction_id": [_("This channel transaction was already posted.")]}) from None
    repayment.receipt_number = f"R{paid_on:%Y%m%d}{repayment.pk:08d}"
    repayment.save(update_fields=["receipt_number"])
    record_allocations(repayment, split, forgiven, clearing)
    prepayment_fee_record(charge=fee_charge, repayment=repayment, actor=actor)
    save_position(loan, installments, max(today, paid_on), actor=actor, data={"repayment": repayment.pk})
    journal_repayment(repayment, split, actor, 1, branch_id=loan.branch_id, clearing=clearing)
    prepayment_reamortise(loan=loan, installments=installments, split=split, on=paid_on, actor=actor)
    _notify_received(loan, repayment)
    return repayment


def repayment_ceiling(loan: Loan, installments, on: date) -> tuple[Decimal, Decimal]:
    """(the payoff on ``on``, the most a repayment on ``on`` may be): everything the loan can
    take that day plus ``SERVICING.OVERPAYMENT_TOLERANCE`` held as the borrower's credit."""
    payoff = payoff_on(loan, installments, on).amount
    return payoff, payoff + policy().servicing.overpayment_tolerance


def _notify_received(loan, repayment):
    """The borrower hears of every payment (SMS and in-app, in their language, the loan named by
    its contract number); the message is written in this transaction."""
    from applications import notices

    notices.borrower_notify(
        loan.borrower,
        notices.PAYMENT_RECEIVED,
        key=f"repayment:{repayment.pk}",
        reference=f"repayment:{repayment.pk}",
        contract=loan.contract.number,
        amount=repayment.amount,
        date=repayment.paid_on.isoformat(),
        outstanding=loan.outstanding_principal,
    )
