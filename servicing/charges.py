"""Charges: the fees beyond the upfront fee that a loan's product defines, and their waivers.

- The late-payment fee (fixed, or a fraction of the overdue instalment's principal and
  interest unpaid), once per instalment, the day after the grace days run out; the service
  and the insurance fees, once per instalment, the day its period starts (so the instalment
  asks for them from its first day, and a borrower paying on the due date pays them too).
  The daily close charges these set-based (``collection.charges_sql``), from the rules below.
- The prepayment fee, a fraction of the principal an early payment repays before it falls
  due, charged at the payment itself (``prepayment_fee_charge``) on the first instalment not
  yet due, and paid by the same payment first; the payoff quote includes it.

Each charge is added to its instalment's fee due, the bucket the allocation already pays
(penalty → fees → interest → principal), and booked Dr fee receivable / Cr fee income; a
repayment's fee part credits the receivable. What of a charge is paid is read from its
instalment's fee paid (the instalment's charges in the order they were made), never kept
as a counter. A waiver is four eyes (``CHARGE_WORKFLOW``): requested by one, approved by
another, who waives what is unpaid of the charge and books it back (Dr fee income / Cr fee
receivable)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from microloan.errors import InvalidInput
from microloan.ledger import Acct, EntryKind, Line, journal_post
from microloan.lending.money import ZERO, money

from .charge_models import Charge, ChargeKind, ChargeStatus
from .models import Installment, Loan

# --- the amounts (the close's SQL computes the same) -----------------------------------------


def late_fee_amount(product, *, overdue: Decimal) -> Decimal:
    """The late fee on an instalment with ``overdue`` (its principal and interest unpaid)
    overdue: the product's fixed fee, or its rate × the overdue amount, to the cent half-up."""
    return money(product.late_fee_fixed + product.late_fee_rate * overdue)


def late_fee_due(installment, *, on: date, grace_days: int) -> bool:
    """The late fee is charged by the close of ``on`` when the instalment is overdue past the
    loan's grace days (days past its due date > grace days) with principal or interest unpaid."""
    overdue = installment.unpaid_of("principal") + installment.unpaid_of("interest")
    return overdue > 0 and (on - installment.due_date).days > grace_days


def prepayment_fee_on(product, principal: Decimal) -> Decimal:
    """The prepayment fee on ``principal`` repaid before it falls due."""
    return money(product.prepayment_fee_rate * principal) if principal > 0 else ZERO


def _future(installments, on: date) -> list[Installment]:
    return [i for i in installments if i.due_date > on]


def payoff_prepayment_fee(loan: Loan, installments, on: date) -> Decimal:
    """The prepayment fee a payoff on ``on`` is charged: on every principal not yet due."""
    if not loan.product.prepayment_fee_rate:
        return ZERO
    return prepayment_fee_on(loan.product, sum((i.unpaid_of("principal") for i in _future(installments, on)), ZERO))


def prepayment_fee_for(loan: Loan, installments, amount: Decimal, on: date) -> Decimal:
    """The prepayment fee a payment of ``amount`` on ``on`` is charged. What it pays beyond
    what is owed on ``on`` (everything due, and of the instalments not yet due their penalty,
    fees and the interest earned by then) repays principal early; the fee comes out of that
    excess first, so on a partial prepayment it is ``rate × excess / (1 + rate)`` (the rate of
    the principal it repays). A payoff pays the fee on all the principal not yet due."""
    if not loan.product.prepayment_fee_rate:
        return ZERO
    from .repayments.position import payable_amounts

    future = {i.pk for i in _future(installments, on)}
    owed_now = sum(
        (o.total if o.key not in future else o.penalty + o.fee + o.interest)
        for o in payable_amounts(loan, installments, on)
    )
    excess = amount - owed_now
    if excess <= 0:
        return ZERO
    full = payoff_prepayment_fee(loan, installments, on)
    principal = sum((i.unpaid_of("principal") for i in installments if i.pk in future), ZERO)
    if excess >= principal + full:
        return full
    return money(loan.product.prepayment_fee_rate * excess / (1 + loan.product.prepayment_fee_rate))


# --- booking -------------------------------------------------------------------------------


def _book(*, loan: Loan, kind: str, amount: Decimal, on: date, key: str, actor, memo: str, reverse: bool = False):
    """Dr fee receivable / Cr fee income (``reverse``: a waiver, the other way round)."""
    receivable = Line(Acct.FEE_RECEIVABLE, debit=amount, loan_id=loan.pk)
    income = Line(Acct.FEE_INCOME, credit=amount, loan_id=loan.pk)
    if reverse:
        receivable = Line(Acct.FEE_RECEIVABLE, credit=amount, loan_id=loan.pk)
        income = Line(Acct.FEE_INCOME, debit=amount, loan_id=loan.pk)
    return journal_post(
        kind=kind,
        branch_id=loan.branch_id,
        business_date=on,
        actor=actor,
        reference=f"loan:{loan.pk}",
        source_key=key,
        memo=memo,
        lines=[receivable, income],
    )


def prepayment_fee_charge(*, loan: Loan, installments, amount: Decimal, on: date, actor) -> Charge | None:
    """At an early payment: charges its prepayment fee on the first instalment not yet due
    (in memory and in the database), so the payment's allocation pays it first. The caller
    (``repayment_post``) links the charge to its repayment once that exists."""
    fee = prepayment_fee_for(loan, installments, amount, on)
    future = _future(installments, on)
    if fee <= 0 or not future:
        return None
    target = min(future, key=lambda i: (i.due_date, i.number))
    target.fee_due += fee
    Installment.objects.filter(pk=target.pk).update(fee_due=F("fee_due") + fee)
    charge = Charge(
        loan=loan, installment=target, kind=ChargeKind.PREPAYMENT_FEE, amount=fee, charged_on=on, created_by=actor
    )
    return charge


def prepayment_fee_record(*, charge: Charge | None, repayment, actor) -> None:
    """Books the prepayment fee charged for ``repayment`` and keeps its row."""
    if charge is None:
        return
    entry = _book(
        loan=repayment.loan,
        kind=EntryKind.FEE,
        amount=charge.amount,
        on=repayment.paid_on,
        key=f"charge:prepayment:{repayment.pk}",
        actor=actor,
        memo=f"prepayment fee, repayment {repayment.pk}",
    )
    charge.repayment, charge.entry = repayment, entry
    charge.save()


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeRow:
    charge: Charge
    number: int
    paid: Decimal
    unpaid: Decimal

    @property
    def shown_status(self) -> str:
        """Open, paid, waiver requested or waived: the status, or paid when nothing is left."""
        if self.charge.status == ChargeStatus.OPEN and self.unpaid <= 0:
            return "paid"
        return self.charge.status


def charge_rows(charges, installments) -> list[ChargeRow]:
    """Each charge with what of it is paid: its instalment's fee paid, shared out over the
    instalment's charges in the order they were made (what was waived off each first)."""
    by_id = {i.pk: i for i in installments}
    left: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for i in installments:
        left[i.pk] = i.fee_paid
    rows = []
    for c in sorted(charges, key=lambda c: c.pk):
        i = by_id.get(c.installment_id)
        paid = min(left[c.installment_id], c.amount - c.waived) if i is not None else ZERO
        left[c.installment_id] -= paid
        rows.append(ChargeRow(c, i.number if i else 0, paid, c.amount - c.waived - paid))
    return sorted(rows, key=lambda r: (r.number, r.charge.pk))


def loan_charge_rows(loan: Loan, installments=None) -> list[ChargeRow]:
    """The loan's charges on its current schedule (two queries, one with ``installments``)."""
    if installments is None:
        from .selectors import current_installments

        installments = list(current_installments(loan))
    return charge_rows(list(loan.charges.filter(installment__in=[i.pk for i in installments])), installments)


def charge_statement_events(*, loan: Loan, end: date) -> list[tuple[date, int, str, Decimal, Decimal]]:
    """The statement's charge lines (on the day charged) and waiver lines (on the approval's
    business date), up to ``end``."""
    from microloan.ledger import JournalLine

    events = []
    for c in loan.charges.filter(charged_on__lte=end).select_related("installment"):
        text = pgettext("statement", "%(kind)s, instalment %(number)s") % {
            "kind": c.get_kind_display(),
            "number": c.installment.number,
        }
        events.append((c.charged_on, 1, text, c.amount, ZERO))
    for line in JournalLine.objects.filter(
        loan_id=loan.pk, account__code=Acct.FEE_RECEIVABLE, entry__kind=EntryKind.WAIVER, entry__business_date__lte=end
    ).select_related("entry"):
        events.append((line.entry.business_date, 3, pgettext("statement", "Charge waived"), ZERO, line.credit))
    return events


# --- waivers (four eyes) -------------------------------------------------------------------


def _locked(charge: Charge) -> tuple[Loan, Charge]:
    loan = Loan.objects.select_for_update(of=("self",)).select_related("product").get(pk=charge.loan_id)
    return loan, Charge.objects.select_for_update().get(pk=charge.pk)


@transaction.atomic
def charge_waiver_request(*, actor, charge: Charge, reason: str) -> Charge:
    """Asks for the charge to be waived (a reason is required); another person decides."""
    from .workflow import CHARGE_WORKFLOW

    loan, charge = _locked(charge)
    charge.waiver_reason = reason
    CHARGE_WORKFLOW.apply(
        obj=charge,
        action="request_waiver",
        actor=actor,
        reason=reason,
        data={"loan": loan.pk, "kind": charge.kind, "amount": str(charge.amount)},
        extra_update_fields=["waiver_reason"],
    )
    return charge


@transaction.atomic
def charge_waiver_decide(*, actor, charge: Charge, approve: bool, comment: str = "") -> Charge:
    """Approves (waives what is unpaid of the charge, books it back, refreshes the loan and
    closes it when nothing is left) or rejects a requested waiver; never by its requester."""
    from microloan.business_date import business_date

    from .repayments import current_installments, save_position
    from .workflow import CHARGE_WORKFLOW

    loan, charge = _locked(charge)
    action = "approve_waiver" if approve else "reject_waiver"
    CHARGE_WORKFLOW.check(obj=charge, action=action, actor=actor, reason=comment)
    if not approve:
        CHARGE_WORKFLOW.apply(obj=charge, action=action, actor=actor, reason=comment, data={"loan": loan.pk})
        return charge
    installments = current_installments(loan, lock=True)
    rows = {r.charge.pk: r for r in charge_rows(list(loan.charges.all()), installments)}
    row = rows.get(charge.pk)
    if row is None or row.unpaid <= 0:
        raise InvalidInput({"charge": [_("Nothing of this charge is left unpaid to waive.")]})
    today = business_date()
    charge.waived += row.unpaid
    target = next(i for i in installments if i.pk == charge.installment_id)
    target.fee_waived += row.unpaid
    Installment.objects.filter(pk=target.pk).update(fee_waived=F("fee_waived") + row.unpaid)
    _book(
        loan=loan,
        kind=EntryKind.WAIVER,
        amount=row.unpaid,
        on=today,
        key=f"charge:waiver:{charge.pk}",
        actor=actor,
        memo=f"{charge.kind} waived",
        reverse=True,
    )
    CHARGE_WORKFLOW.apply(
        obj=charge,
        action=action,
        actor=actor,
        reason=comment,
        data={"loan": loan.pk, "waived": str(row.unpaid)},
        extra_update_fields=["waived"],
    )
    save_position(loan, installments, today, actor=actor, reason=comment, data={"charge": charge.pk})
    return charge
