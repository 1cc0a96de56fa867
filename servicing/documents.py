"""Builds receipts and statements from the books for the PDF renderers."""

from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import pgettext

from microloan.labels import code_label
from microloan.ledger import Acct, JournalLine
from microloan.lending.money import ZERO

from .charges import charge_statement_events
from .earned import interest_charged, period_start
from .models import Loan, Repayment, RepaymentStatus
from .pdf import (
    AllocationRow,
    ReceiptData,
    StatementData,
    StatementLine,
    render_receipt_pdf,
    render_statement_pdf,
)
from .services import lender_party


def receipt_pdf(*, repayment: Repayment, language: str) -> bytes:
    loan = repayment.loan
    rows = [
        AllocationRow(
            installment_number=a.installment.number,
            due_date=a.installment.due_date,
            penalty=a.penalty,
            fee=a.fee,
            interest=a.interest,
            principal=a.principal,
        )
        for a in repayment.allocations.select_related("installment").order_by("installment__number")
    ]
    unapplied = repayment.amount - sum((r.total for r in rows), start=ZERO)
    nxt = (
        loan.installments.filter(is_current=True, due_date__gt=repayment.paid_on)
        .exclude(status="paid")
        .order_by("number")
        .first()
    )
    return render_receipt_pdf(
        ReceiptData(
            receipt_number=repayment.receipt_number or f"R{repayment.pk}",
            lender=lender_party(),
            borrower_name=loan.borrower.full_name,
            borrower_id_number=loan.borrower.id_number,
            loan_number=loan.contract.number,
            paid_on=repayment.paid_on,
            amount=repayment.amount,
            channel=_word(repayment.channel, language),
            reference=repayment.reference,
            allocations=rows,
            unapplied=unapplied,
            outstanding_principal_after=loan.outstanding_principal,
            next_due_date=nxt.due_date if nxt else None,
            next_due_amount=nxt.unpaid if nxt else None,
            posted_by=repayment.posted_by.username if repayment.posted_by_id else _word(repayment.channel, language),
            reversed=repayment.status == RepaymentStatus.REVERSED,
        ),
        language=language,
    )


def statement_pdf(*, loan: Loan, start: date, end: date, language: str) -> bytes:
    """Charges (principal paid out, interest as it falls due, penalty as it accrues) against
    payments and waivers, with a running balance of what the borrower owes. The lines are
    described in ``language``."""
    with translation.override(language):
        events, installments = _statement_events(loan=loan, end=end)
    events.sort(key=lambda e: (e[0], e[1]))
    balance = ZERO
    opening = ZERO
    lines = []
    for d, _k, text, debit, credit in events:
        balance += debit - credit
        if d < start:
            opening = balance
        elif d <= end:
            lines.append(StatementLine(date=d, description=text, debit=debit, credit=credit, balance=balance))
    closing = lines[-1].balance if lines else opening
    return render_statement_pdf(
        StatementData(
            statement_number=f"S{loan.pk:08d}-{end:%Y%m%d}",
            lender=lender_party(),
            borrower_name=loan.borrower.full_name,
            borrower_id_number=loan.borrower.id_number,
            loan_number=loan.contract.number,
            period_start=start,
            period_end=end,
            principal=loan.principal,
            annual_rate=loan.annual_rate,
            apr=loan.apr,
            opening_balance=opening,
            lines=lines,
            closing_balance=closing,
            # Net of every waiver (penalty and forgiven interest), so the unpaid column is the
            # instalment's ``unpaid``.
            schedule_rows=[(i.number, i.due_date, i.total_owed, i.total_paid, i.status) for i in installments],
            days_past_due=loan.days_past_due,
            penalty_outstanding=loan.penalty_outstanding,
        ),
        language=language,
    )


def statement_balance(*, loan: Loan, on: date) -> Decimal:
    """The statement's closing balance for a statement ending ``on``: what the borrower owes
    that day, which the payoff quote for ``on`` asks for (tests/servicing/test_earned.py)."""
    events, _installments = _statement_events(loan=loan, end=on)
    return sum((debit - credit for d, _k, _t, debit, credit in events if d <= on), start=ZERO)


def _statement_events(*, loan: Loan, end: date) -> tuple[list[tuple[date, int, str, Decimal, Decimal]], list]:
    """(date, order within the day, description, debit, credit) of every charge and payment,
    described in the active language; and the loan's current instalments."""
    events: list[tuple[date, int, str, Decimal, Decimal]] = [
        (loan.disbursed_on, 0, pgettext("statement", "Disbursement"), loan.principal, ZERO)
    ]
    installments = list(loan.installments.filter(is_current=True).order_by("number"))
    for i in installments:
        # Interest as earned by the statement's end (servicing.earned, the payoff's rule): an
        # instalment not yet due shows what is earned to the end, dated the end (or the day it
        # was paid off, when earlier).
        charged = interest_charged(i, end, start=period_start(i, installments, disbursed_on=loan.disbursed_on))
        when = i.due_date if i.due_date <= end else end
        if charged > 0:
            text = pgettext("statement", "Interest, instalment %(number)s") % {"number": i.number}
            events.append((min(when, i.paid_on or when), 1, text, charged, ZERO))
    events += charge_statement_events(loan=loan, end=end)
    for line in JournalLine.objects.filter(
        loan_id=loan.pk, account__code=Acct.PENALTY_RECEIVABLE, entry__kind__in=["penalty", "waiver"]
    ).select_related("entry"):
        if line.debit:
            events.append((line.entry.business_date, 2, pgettext("statement", "Penalty interest"), line.debit, ZERO))
        elif line.entry.kind == "waiver":
            events.append((line.entry.business_date, 3, pgettext("statement", "Penalty waived"), ZERO, line.credit))
    for r in loan.repayments.filter(status=RepaymentStatus.POSTED):
        text = pgettext("statement", "Repayment %(receipt)s") % {"receipt": r.receipt_number}
        events.append((r.paid_on, 4, text, ZERO, r.amount - r.unapplied))
    return events, installments


def _word(code: str, language: str) -> str:
    """A code as the receipt's reader reads it ("还款渠道 现金", not "cash")."""
    with translation.override(language):
        return code_label(code)
