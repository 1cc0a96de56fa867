"""Servicing's legal moves, as data: the disbursement, the loan, its repayments and its restructurings. Each
table says who may take a move, whether it needs a reason and its four-eyes rule (read from
the audit trail); the services take every status change through these tables, so each one
writes an audit row."""

from django.utils.translation import gettext_lazy as _

from microloan.workflow import NEW, NotByRelated, Transition, Workflow

from .models import BookImportStatus as I
from .models import ChargeStatus as C
from .models import DisbursementStatus as D
from .models import LoanStatus as L
from .models import RepaymentStatus as P
from .models import RestructuringBatchStatus as B
from .models import RestructuringStatus as R

# A loan the borrower still repays: what may be paid, restructured, written off or closed.
LIVE = L.LIVE  # the one definition: servicing.models.LoanStatus.LIVE

# Disbursement as a maker-checker pair: one person prepares it, another releases it (the loan
# and its journal entry are made then) or returns it with a reason to be prepared again. Nobody
# releases or returns what they prepared, and nobody releases the disbursement of an application
# they approved. The application follows each move (its rows take the same roles from the
# permission table).
DISBURSEMENT_WORKFLOW = Workflow(
    "disbursement",
    [
        Transition("prepare", frozenset({NEW}), D.PENDING_RELEASE, label=_("Prepare disbursement")),
        Transition(
            "release",
            frozenset({D.PENDING_RELEASE}),
            D.RELEASED,
            label=_("Release"),
            not_by=frozenset({"prepare"}),
            # Nor by whoever approved the application (alone or by a committee vote): the
            # credit decision and the payment out are two people's, as the preparation is.
            not_by_related=(NotByRelated("application", "application_id", frozenset({"approve", "committee_vote"})),),
        ),
        Transition(
            "return",
            frozenset({D.PENDING_RELEASE}),
            D.RETURNED,
            label=_("Return"),
            needs_reason=True,
            not_by=frozenset({"prepare"}),
        ),
    ],
)

LOAN_WORKFLOW = Workflow(
    "loan",
    [
        # Made by the release of a prepared disbursement.
        Transition("disburse", frozenset({NEW}), L.ACTIVE, label=_("Disburse")),
        # Settled in full by a posting (or by a waiver that leaves nothing owed).
        Transition("close", LIVE, L.CLOSED, label=_("Close"), system=True),
        # A reversal leaves something owed again on a closed loan.
        Transition("reopen", frozenset({L.CLOSED}), L.ACTIVE, label=_("Reopen")),
        Transition("reopen_restructured", frozenset({L.CLOSED}), L.RESTRUCTURED, label=_("Reopen")),
        # An approved deferral or extension (a new schedule version).
        Transition("restructure", LIVE, L.RESTRUCTURED, label=_("Restructure")),
        Transition("write_off", LIVE, L.WRITTEN_OFF, label=_("Write off")),
    ],
)

REPAYMENT_WORKFLOW = Workflow(
    "repayment",
    [
        # Posted at the branch or, with no actor, by a verified payment-channel callback.
        Transition("post", frozenset({NEW}), P.POSTED, label=_("Post repayment"), system=True),
        Transition(
            "reverse",
            frozenset({P.POSTED}),
            P.REVERSED,
            label=_("Reverse"),
            needs_reason=True,
            not_by=frozenset({"post"}),
        ),
    ],
)

RESTRUCTURING_WORKFLOW = Workflow(
    "restructuring",
    [
        Transition("request", frozenset({NEW}), R.REQUESTED, label=_("Request restructuring"), needs_reason=True),
        Transition(
            "approve",
            frozenset({R.REQUESTED}),
            R.APPROVED,
            label=_("Approve"),
            not_by=frozenset({"request"}),
        ),
        Transition("reject", frozenset({R.REQUESTED}), R.REJECTED, label=_("Reject"), not_by=frozenset({"request"})),
    ],
)

# A charge's waiver, four eyes: one person asks for it with a reason, another approves it (the
# unpaid part of the charge is waived and booked back) or rejects it (the charge stays owed).
CHARGE_WORKFLOW = Workflow(
    "charge",
    [
        Transition(
            "request_waiver", frozenset({C.OPEN}), C.WAIVER_REQUESTED, label=_("Request waiver"), needs_reason=True
        ),
        Transition(
            "approve_waiver",
            frozenset({C.WAIVER_REQUESTED}),
            C.WAIVED,
            label=_("Approve waiver"),
            not_by=frozenset({"request_waiver"}),
        ),
        Transition(
            "reject_waiver",
            frozenset({C.WAIVER_REQUESTED}),
            C.OPEN,
            label=_("Reject waiver"),
            not_by=frozenset({"request_waiver"}),
        ),
    ],
)

# A batch disaster deferral over a branch tree: one manager proposes, another approves (then
# every live loan of the tree gets a new schedule version) or rejects it with a reason.
RESTRUCTURING_BATCH_WORKFLOW = Workflow(
    "restructuring_batch",
    [
        Transition("propose", frozenset({NEW}), B.PROPOSED, label=_("Propose batch deferral"), needs_reason=True),
        Transition(
            "approve", frozenset({B.PROPOSED}), B.APPROVED, label=_("Approve and apply"), not_by=frozenset({"propose"})
        ),
        Transition(
            "reject",
            frozenset({B.PROPOSED}),
            B.REJECTED,
            label=_("Reject"),
            needs_reason=True,
            not_by=frozenset({"propose"}),
        ),
    ],
)

# A book import: one administrator uploads the file (its dry run decides checked or failed),
# another applies a checked one (all or nothing) or discards it; the uploader may discard too.
BOOK_IMPORT_WORKFLOW = Workflow(
    "book_import",
    [
        Transition("check", frozenset({NEW}), I.CHECKED, label=_("Upload and check")),
        Transition("fail", frozenset({NEW}), I.FAILED, label=_("Upload and check")),
        Transition("apply", frozenset({I.CHECKED}), I.APPLIED, label=_("Apply"), not_by=frozenset({"check"})),
        Transition("discard", frozenset({I.CHECKED, I.FAILED}), I.DISCARDED, label=_("Discard")),
    ],
)


def loan_status_move(loan, *, settled: bool) -> str | None:
    """The loan's move after its instalments changed: close when nothing is owed any more,
    reopen (to the status it had) when a reversal left something owed on a closed loan."""
    if settled and loan.status in LIVE:
        return "close"
    if not settled and loan.status == L.CLOSED:
        return "reopen_restructured" if loan.schedule_version > 1 else "reopen"
    return None


def loan_page_moves(*, loan, actor, repayments, restructurings) -> dict:
    """The loan page's buttons, from the tables: posting and requesting on a live loan (the
    services refuse them on any other), each repayment's reversal (none once written off)
    and each request's decision; sets ``moves`` on every repayment and restructuring."""
    from .models import Repayment, Restructuring

    live = loan.status in LIVE
    reversals = REPAYMENT_WORKFLOW.available_many(objs=repayments, actor=actor) if loan.status != L.WRITTEN_OFF else {}
    decisions = RESTRUCTURING_WORKFLOW.available_many(objs=restructurings, actor=actor)
    for r in repayments:
        r.moves = reversals.get(r.pk, [])
    for r in restructurings:
        r.moves = decisions.get(r.pk, [])
    return {
        "repay": REPAYMENT_WORKFLOW.available(obj=Repayment(loan=loan, status=NEW), actor=actor) if live else [],
        "restructure": (
            RESTRUCTURING_WORKFLOW.available(obj=Restructuring(loan=loan, status=NEW), actor=actor) if live else []
        ),
    }


# The borrower's payment orders from the app (#13): the borrower creates one; the channel's
# signed callback settles it (paid), the channel's failure fails it, and one left unpaid
# past its time expires (the system's moves).
PAYMENT_ORDER_WORKFLOW = Workflow(
    "payment_order",
    [
        Transition("create", frozenset({NEW}), "pending", label=_("Pay in the app")),
        Transition("settle", frozenset({"pending", "expired"}), "paid", label=_("Paid"), system=True),
        Transition("fail", frozenset({"pending"}), "failed", label=_("Payment failed"), system=True),
        Transition("expire", frozenset({"pending"}), "expired", label=_("Expired"), system=True),
    ],
)

# Auto-debit mandates (代扣授权): the borrower gives one and revokes it.
MANDATE_WORKFLOW = Workflow(
    "mandate",
    [
        Transition("create", frozenset({NEW}), "active", label=_("Authorise automatic debit")),
        Transition("revoke", frozenset({"active"}), "revoked", label=_("Revoke")),
    ],
)
