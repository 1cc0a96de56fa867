"""Repayments: posting (branch and payment-channel callback), allocation, early payoff,
reversal with re-allocation. Every posting locks the loan row first, so concurrent postings
on one loan queue up instead of losing an update; each posts a balanced journal entry and an
audit record in the same transaction."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, JournalEntry, Line, journal_post, journal_reverse
from microloan.lending.allocation import Open, Split, allocate
from microloan.lending.money import ZERO, money
from microloan.lending.schedule import interest_to_date
from microloan.workflow import NEW

from .models import (
    Installment,
    InstallmentStatus,
    Loan,
    LoanStatus,
    PaymentChannel,
    Repayment,
    RepaymentAllocation,
    RepaymentStatus,
)
from .workflow import LOAN_WORKFLOW, REPAYMENT_WORKFLOW, loan_status_move

POSTERS = tuple(REPAYMENT_WORKFLOW.transitions["post"].roles)


# --- reading a loan's position ---------------------------------------------------------


def installment_status(i: Installment, as_of: date) -> str:
    """The one rule (shared with the daily close): paid, overdue, partially paid or due."""
    if i.unpaid <= 0:
        return InstallmentStatus.PAID
    if i.due_date < as_of:
        return InstallmentStatus.OVERDUE
    if i.principal_paid + i.interest_paid + i.fee_paid + i.penalty_paid > 0:
        return InstallmentStatus.PARTIALLY_PAID
    return InstallmentStatus.DUE


def _open(i: Installment) -> Open:
    return Open(
        key=i.pk,
        penalty=i.unpaid_of("penalty"),
        fee=i.unpaid_of("fee"),
        interest=i.unpaid_of("interest"),
        principal=i.unpaid_of("principal"),
    )


def _current(loan: Loan, *, lock: bool = False) -> list[Installment]:
    qs = Installment.objects.filter(loan=loan, is_current=True, schedule_version=loan.schedule_version)
    if lock:
        qs = qs.select_for_update()
    return list(qs.order_by("number"))


def _period_start(loan: Loan, installments: list[Installment], i: Installment) -> date:
    # By due date, not number: after a restructuring, kept rows and new rows interleave.
    earlier = [x.due_date for x in installments if x.due_date < i.due_date]
    return max(earlier) if earlier else loan.disbursed_on


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


def _payoff(loan: Loan, installments: list[Installment], on: date) -> Payoff:
    """Everything due up to ``on`` in full, all remaining principal, and interest of the
    period in progress to the day (actual days over the period's days); later interest is
    not charged."""
    principal = interest = fees = penalty = ZERO
    forgiven = {}
    for i in installments:
        o = _open(i)
        principal += o.principal
        fees += o.fee
        penalty += o.penalty
        if i.due_date <= on:
            interest += o.interest
            continue
        earned = interest_to_date(i.interest_due, start=_period_start(loan, installments, i), due=i.due_date, on=on)
        charged = min(max(ZERO, earned - i.interest_paid), o.interest)
        interest += charged
        if o.interest - charged > 0:
            forgiven[i.pk] = o.interest - charged
    return Payoff(on, principal, interest, fees, penalty, forgiven)


def payoff_quote(*, loan: Loan, on: date) -> Payoff:
    if on < loan.disbursed_on:
        raise InvalidInput({"date": [_("The date is before the disbursement.")]})
    return _payoff(loan, _current(loan), on)


def refresh_loan_figures(loan: Loan, installments: list[Installment], as_of: date) -> list[str]:
    """Keeps the loan row's figures in step with its instalments (same rules as the close).
    The status is not touched here: ``_save`` takes the close or reopen through the loan's
    table, so it is audited."""
    overdue = [i for i in installments if i.due_date < as_of and i.unpaid > 0]
    loan.outstanding_principal = sum((i.unpaid_of("principal") for i in installments), start=ZERO)
    loan.overdue_amount = sum((i.unpaid for i in overdue), start=ZERO)
    loan.penalty_outstanding = sum((i.unpaid_of("penalty") for i in installments), start=ZERO)
    loan.days_past_due = (as_of - min(i.due_date for i in overdue)).days if overdue else 0
    return ["outstanding_principal", "overdue_amount", "penalty_outstanding", "days_past_due", "credit_balance"]


# --- posting ---------------------------------------------------------------------------


def _apply(loan: Loan, installments: list[Installment], amount: Decimal, on: date) -> tuple[Split, dict]:
    """Allocates ``amount`` paid on ``on`` and writes it onto the instalments (in memory).
    When it covers the payoff for that date the loan is settled early and later interest is
    forgiven."""
    payoff = _payoff(loan, installments, on)
    by_id = {i.pk: i for i in installments}
    forgiven = {}
    if amount >= payoff.amount and payoff.forgiven_interest:
        forgiven = payoff.forgiven_interest
        for pk, v in forgiven.items():
            by_id[pk].interest_waived += v
    shorten = not forgiven and loan.product.prepayment_mode == "shorten_term"
    if shorten:
        # Beyond what is due, the money repays principal from the last instalment backwards,
        # so the term shortens; those rows' interest is never earned and is forgiven.
        due = [i for i in installments if i.due_date <= on]
        future = [i for i in installments if i.due_date > on]
        owed = [_open(i) for i in due] + [Open(key=i.pk, principal=i.unpaid_of("principal")) for i in reversed(future)]
    else:
        owed = [_open(i) for i in installments]
    split = allocate(amount, owed)
    for a in split.allocations:
        i = by_id[a.key]
        i.penalty_paid += a.penalty
        i.fee_paid += a.fee
        i.interest_paid += a.interest
        i.principal_paid += a.principal
        if shorten and i.due_date > on and i.principal_paid == i.principal_due and i.interest_paid < i.interest_due:
            forgiven[i.pk] = i.interest_due - i.interest_paid - i.interest_waived
            i.interest_waived += forgiven[i.pk]
        if i.unpaid <= 0 and i.paid_on is None:
            i.paid_on = on
    return split, forgiven


INSTALLMENT_FIELDS = [
    "penalty_paid",
    "fee_paid",
    "interest_paid",
    "principal_paid",
    "interest_waived",
    "status",
    "paid_on",
]


def _save(loan, installments, as_of, *, actor, reason: str = "", data: dict | None = None):
    """Writes the instalments and the loan's figures; when nothing is owed any more the loan
    closes, when a reversal left something owed on a closed loan it reopens: both through
    the loan's table, so each writes an audit row."""
    for i in installments:
        i.status = installment_status(i, as_of)
    Installment.objects.bulk_update(installments, INSTALLMENT_FIELDS)
    fields = refresh_loan_figures(loan, installments, as_of)
    move = loan_status_move(loan, settled=all(i.unpaid <= 0 for i in installments))
    if move is None:
        loan.save(update_fields=fields)
        return
    loan.closed_on = as_of if move == "close" else None
    LOAN_WORKFLOW.apply(
        obj=loan, action=move, actor=actor, reason=reason, data=data, extra_update_fields=[*fields, "closed_on"]
    )


def _journal(repayment: Repayment, split: Split, actor, version: int) -> JournalEntry:
    loan_id = repayment.loan_id
    return journal_post(
        kind="repayment",
        business_date=repayment.paid_on,
        actor=actor,
        reference=f"loan:{loan_id}",
        source_key=f"repayment:{repayment.pk}:v{version}",
        memo=f"{repayment.channel} {repayment.reference}".strip(),
        lines=[
            Line(Acct.CASH, debit=repayment.amount, loan_id=loan_id),
            Line(Acct.PENALTY_RECEIVABLE, credit=split.part("penalty"), loan_id=loan_id),
            Line(Acct.FEE_INCOME, credit=split.part("fee"), loan_id=loan_id),
            Line(Acct.INTEREST_INCOME, credit=split.part("interest"), loan_id=loan_id),
            Line(Acct.LOAN_PRINCIPAL, credit=split.part("principal"), loan_id=loan_id),
            Line(Acct.BORROWER_CREDIT, credit=split.unapplied, loan_id=loan_id),
        ],
    )


def _record_allocations(repayment, split, forgiven=None):
    forgiven = dict(forgiven or {})
    rows = [
        RepaymentAllocation(
            repayment=repayment,
            installment_id=a.key,
            penalty=a.penalty,
            fee=a.fee,
            interest=a.interest,
            principal=a.principal,
            interest_waived=forgiven.pop(a.key, ZERO),
        )
        for a in split.allocations
    ]
    # Forgiveness on an instalment this posting paid nothing towards still belongs to it.
    rows += [
        RepaymentAllocation(repayment=repayment, installment_id=k, interest_waived=v)
        for k, v in forgiven.items()
        if v > 0
    ]
    RepaymentAllocation.objects.bulk_create(rows)


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
    installments = _current(loan, lock=True)
    split, forgiven = _apply(loan, installments, amount, paid_on)
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
    _record_allocations(repayment, split, forgiven)
    _save(loan, installments, max(today, paid_on), actor=actor, data={"repayment": repayment.pk})
    _journal(repayment, split, actor, 1)
    _notify_received(loan, repayment)
    return repayment


def _notify_received(loan, repayment):
    """The borrower hears of every payment; the message is written in this transaction."""
    try:
        from microloan.notifications import notification_enqueue
    except ImportError:  # the outbox is optional for the core posting
        return
    b = loan.borrower
    zh = b.language != "en"
    if zh:
        body = (
            f"您的贷款{loan.pk}已收到还款{repayment.amount}元（{repayment.paid_on}），"
            f"剩余本金{loan.outstanding_principal}元。"
        )
    else:
        body = (
            f"We received {repayment.amount} for loan {loan.pk} on {repayment.paid_on}. "
            f"Principal outstanding: {loan.outstanding_principal}."
        )
    subject = "还款到账" if zh else "Payment received"
    if b.user_id:
        notification_enqueue(
            channel="inapp",
            user=b.user,
            to_address="",
            language=b.language,
            subject=subject,
            body=body,
            kind="repayment_received",
            reference=f"repayment:{repayment.pk}",
            dedupe_key=f"repayment:{repayment.pk}:inapp",
        )


# --- reversal --------------------------------------------------------------------------


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
    installments = _current(loan, lock=True)
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
        old = {(a.installment_id, a.penalty, a.fee, a.interest, a.principal) for a in r.allocations.all()}
        split, forgiven = _apply(loan, installments, r.amount, r.paid_on)
        new = {(a.key, a.penalty, a.fee, a.interest, a.principal) for a in split.allocations}
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
            _record_allocations(r, split, forgiven)
            r.allocation_version += 1
            r.unapplied = split.unapplied
            r.save(update_fields=["allocation_version", "unapplied"])
            _journal(r, split, actor, r.allocation_version)
    _save(loan, installments, business_date(), actor=actor, reason=reason, data={"repayment": repayment.pk})
    return repayment


# --- payment channel callbacks ---------------------------------------------------------


def callback_verify(*, channel_code: str, raw_body: bytes, signature: str) -> PaymentChannel:
    """HMAC-SHA256 of the raw body with the channel's secret, compared in constant time."""
    channel = PaymentChannel.objects.filter(code=channel_code, is_active=True).first()
    expected = hmac.new(
        (channel.secret if channel else "no-such-channel").encode(), raw_body, hashlib.sha256
    ).hexdigest()
    if channel is None or not hmac.compare_digest(expected, (signature or "").strip().lower()):
        raise NotAllowed(_("Bad signature."))
    return channel


def callback_post(*, channel: PaymentChannel, transaction_id: str, loan_id: int, amount, paid_on: date):
    """Posts a channel's payment once per (channel, transaction id); a replay returns the
    posting already made and changes nothing."""
    existing = Repayment.objects.filter(channel=channel.code, external_id=transaction_id).first()
    if existing:
        if existing.loan_id != loan_id or existing.amount != money(amount):
            raise InvalidInput({"transaction_id": [_("This transaction id was already used for another payment.")]})
        return existing, False
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None:
        raise InvalidInput({"loan": [_("No such loan.")]})
    try:
        return repayment_post(
            actor=None,
            loan=loan,
            amount=amount,
            paid_on=paid_on,
            channel=channel.code,
            reference=transaction_id,
            external_id=transaction_id,
        ), True
    except InvalidInput as exc:
        if "transaction_id" in exc.errors:  # lost a race with the same notice: return the winner's posting
            return Repayment.objects.get(channel=channel.code, external_id=transaction_id), False
        raise
