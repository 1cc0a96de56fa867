"""What a posting and a reversal's replay share: allocating an amount onto the instalments,
writing the instalments and the loan's figures back (closing or reopening the loan through
its table), the allocation rows and the journal entry of a posting."""

from datetime import date
from decimal import Decimal

from microloan.ledger import Acct, JournalEntry, Line, journal_post
from microloan.lending.allocation import Open, Split, allocate
from microloan.lending.money import ZERO

from ..accrual import SUBLEDGER_FIELDS, Clearing, repayment_lines
from ..figures import installment_status, refresh_loan_figures
from ..models import Installment, Loan, Repayment, RepaymentAllocation
from ..workflow import LOAN_WORKFLOW, loan_status_move
from .position import open_amounts, payable_amounts, payoff_on


def apply_payment(loan: Loan, installments: list[Installment], amount: Decimal, on: date) -> tuple[Split, dict]:
    """Allocates ``amount`` paid on ``on`` and writes it onto the instalments (in memory).
    When it covers the payoff for that date the loan is settled early and later interest is
    forgiven."""
    # A prepayment fee, if any, was charged onto the instalments before (servicing.charges).
    payoff = payoff_on(loan, installments, on, prepayment_fee=False)
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
        owed = (
            [open_amounts(i) for i in due]
            + [Open(key=i.pk, fee=i.unpaid_of("fee")) for i in future if i.unpaid_of("fee") > 0]
            + [Open(key=i.pk, principal=i.unpaid_of("principal")) for i in reversed(future)]
        )
    else:
        # An advance payment pays the next instalments, but never interest not yet earned.
        owed = payable_amounts(loan, installments, on)
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
    "interest_accrued",
    "status",
    "paid_on",
]


def save_position(loan, installments, as_of, *, actor, reason: str = "", data: dict | None = None):
    """Writes the instalments and the loan's figures; when nothing is owed any more the loan
    closes, when a reversal left something owed on a closed loan it reopens: both through
    the loan's table, so each writes an audit row."""
    for i in installments:
        i.status = installment_status(i, as_of)
    Installment.objects.bulk_update(installments, INSTALLMENT_FIELDS)
    fields = [*refresh_loan_figures(loan, installments, as_of), *SUBLEDGER_FIELDS]
    move = loan_status_move(loan, settled=all(i.unpaid <= 0 for i in installments))
    if move is None:
        loan.save(update_fields=fields)
        return
    loan.closed_on = as_of if move == "close" else None
    LOAN_WORKFLOW.apply(
        obj=loan, action=move, actor=actor, reason=reason, data=data, extra_update_fields=[*fields, "closed_on"]
    )


def journal_repayment(
    repayment: Repayment, split: Split, actor, version: int, *, branch_id: int, clearing: Clearing | None = None
) -> JournalEntry | None:
    """Books a repayment in its loan's branch (``branch_id``: the loan's, which the callers hold);
    its penalty and interest as ``servicing.accrual.repayment_lines`` says (``clearing``)."""
    loan_id = repayment.loan_id
    return journal_post(
        kind="repayment",
        branch_id=branch_id,
        business_date=repayment.paid_on,
        actor=actor,
        reference=f"loan:{loan_id}",
        source_key=f"repayment:{repayment.pk}:v{version}",
        memo=f"{repayment.channel} {repayment.reference}".strip(),
        lines=[
            Line(Acct.CASH, debit=repayment.amount, loan_id=loan_id),
            *repayment_lines(split, clearing, loan_id),
            # Fees are charged to the receivable first (servicing.charges), so paying one clears it.
            Line(Acct.FEE_RECEIVABLE, credit=split.part("fee"), loan_id=loan_id),
            Line(Acct.LOAN_PRINCIPAL, credit=split.part("principal"), loan_id=loan_id),
            Line(Acct.BORROWER_CREDIT, credit=split.unapplied, loan_id=loan_id),
        ],
    )


def record_allocations(repayment, split, forgiven=None, clearing: Clearing | None = None):
    forgiven = dict(forgiven or {})
    cleared = clearing.by_installment if clearing else {}
    rows = [
        RepaymentAllocation(
            repayment=repayment,
            installment_id=a.key,
            penalty=a.penalty,
            fee=a.fee,
            interest=a.interest,
            principal=a.principal,
            interest_waived=forgiven.pop(a.key, ZERO),
            interest_cleared=cleared.get(a.key, ZERO),
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
