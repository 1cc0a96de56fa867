"""Collection's legal moves, as data: the case, the promise to pay, the write-off and the
recovery after write-off.

Each object is born in its first status by its service (a case ``open`` by the close, a
promise ``open`` by the collector, a write-off ``requested`` by its proposer), audited with the
creation action named here (a recovery is born ``pending`` through its table's own creation
move, ``record``, with ``Workflow.start``); every later move goes through these tables, one by one
(``Workflow.apply``) or set-based for the close (``Workflow.apply_many``), each audited."""

from django.utils.translation import gettext_lazy as _

from microloan.workflow import NEW, Transition, Workflow

from .case_models import CaseStatus, PromiseStatus, RecoveryStatus, WriteOffStatus

# The creation actions written to the audit trail (the four-eyes rules read them).
CASE_OPENED = "open"
PROMISE_MADE = "make"
WRITE_OFF_REQUESTED = "request"

CASE_WORKFLOW = Workflow(
    "collection_case",
    [
        # The close closes a case whose loan is current again, repaid or written off.
        Transition(
            "cure",
            frozenset({CaseStatus.OPEN}),
            CaseStatus.CLOSED,
            label=_("Close the case: current again"),
            system=True,
        ),
        Transition(
            "settle",
            frozenset({CaseStatus.OPEN}),
            CaseStatus.CLOSED,
            label=_("Close the case: repaid"),
            system=True,
        ),
        # Approving a write-off closes the loan's case at once; the close does so too.
        Transition(
            "write_off",
            frozenset({CaseStatus.OPEN}),
            CaseStatus.CLOSED,
            label=_("Close the case: written off"),
            system=True,
        ),
    ],
)
# The outcome a case is closed with, by the action that closed it.
CASE_OUTCOMES = {"cure": "cured", "settle": "repaid", "write_off": "written_off"}

PROMISE_WORKFLOW = Workflow(
    "promise_to_pay",
    [
        # Settled by the close the day after the promised date: kept when the repayments posted
        # between the promise and its date reach the amount, broken otherwise.
        Transition("keep", frozenset({PromiseStatus.OPEN}), PromiseStatus.KEPT, label=_("Promise kept"), system=True),
        Transition(
            "break",
            frozenset({PromiseStatus.OPEN}),
            PromiseStatus.BROKEN,
            label=_("Promise broken"),
            system=True,
        ),
    ],
)

WRITE_OFF_WORKFLOW = Workflow(
    "write_off",
    [
        # Four eyes: whoever proposed the write-off may not decide it.
        Transition(
            "approve",
            frozenset({WriteOffStatus.REQUESTED}),
            WriteOffStatus.APPROVED,
            label=_("Approve"),
            not_by=frozenset({WRITE_OFF_REQUESTED}),
        ),
        Transition(
            "reject",
            frozenset({WriteOffStatus.REQUESTED}),
            WriteOffStatus.REJECTED,
            label=_("Reject"),
            not_by=frozenset({WRITE_OFF_REQUESTED}),
        ),
    ],
)

# Recovery after write-off as a maker-checker pair: a collector records the money received
# (``pending``); another person confirms it, and only then is its journal entry posted, or
# returns it with a reason. Nobody confirms or returns a recovery they recorded.
RECOVERY_WORKFLOW = Workflow(
    "recovery",
    [
        Transition("record", frozenset({NEW}), RecoveryStatus.PENDING, label=_("Record recovery")),
        Transition(
            "confirm",
            frozenset({RecoveryStatus.PENDING}),
            RecoveryStatus.CONFIRMED,
            label=_("Confirm"),
            not_by=frozenset({"record"}),
        ),
        Transition(
            "return",
            frozenset({RecoveryStatus.PENDING}),
            RecoveryStatus.RETURNED,
            label=_("Return"),
            needs_reason=True,
            not_by=frozenset({"record"}),
        ),
    ],
)
