"""Customer service's transition tables: the complaint, the follow-up visit, the credit review.

Every status change of these three goes through ``Workflow.apply`` (one at a time, audited) or
through the table's own statuses in the daily job (set-based, audited in one bulk insert).
Each transition carries its button label, whether it needs a reason, and its four-eyes rule:

- a complaint is **escalated** and **reopened** only with a reason (the borrower's dispute,
  why a manager must take it over), and is **resolved** by someone other than whoever
  escalated it (escalating hands the case on; the services add that only a manager resolves
  an escalated complaint);
- a resolved complaint is **closed** by someone other than whoever resolved it: the close is
  the second look that the resolution was given to the borrower and answers the complaint;
- a visit is **cancelled** and a review is **cancelled** only with a reason, and a review
  only by a manager (it is the lender's own control of a live loan); the daily job cancels
  the tasks of loans that ended (``system``).
"""

from django.utils.translation import gettext_lazy as _

from microloan import permissions
from microloan.workflow import Transition, Workflow

from .models import ComplaintStatus, ReviewStatus, VisitStatus

# Who handles customer service, and who of them resolves escalations: the permission table's.
HANDLERS = permissions.roles("complaint.create")
SENIOR = permissions.roles("credit_review.cancel")

S = ComplaintStatus

# ``acknowledge`` is the service level's first step (the borrower has been contacted);
# ``escalate`` hands the case to a manager, who alone then resolves it; ``reopen`` takes a
# resolved or closed case back when the borrower disputes it.
COMPLAINT_WORKFLOW = Workflow(
    "complaint",
    [
        Transition("acknowledge", frozenset({S.RECEIVED}), S.ACKNOWLEDGED, label=_("Acknowledge")),
        Transition("investigate", frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING, label=_("Start investigation")),
        Transition(
            "escalate",
            frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING}),
            S.ESCALATED,
            label=_("Escalate"),
            needs_reason=True,
        ),
        Transition(
            "resolve",
            frozenset({S.INVESTIGATING, S.ESCALATED}),
            S.RESOLVED,
            label=_("Resolve"),
            not_by=frozenset({"escalate"}),
        ),
        Transition("close", frozenset({S.RESOLVED}), S.CLOSED, label=_("Close"), not_by=frozenset({"resolve"})),
        Transition("reopen", frozenset({S.RESOLVED, S.CLOSED}), S.INVESTIGATING, label=_("Reopen"), needs_reason=True),
    ],
)

VISIT_WORKFLOW = Workflow(
    "follow_up_visit",
    [
        Transition("complete", frozenset({VisitStatus.SCHEDULED}), VisitStatus.DONE, label=_("Record the visit")),
        Transition(
            "cancel",
            frozenset({VisitStatus.SCHEDULED}),
            VisitStatus.CANCELLED,
            label=_("Cancel the visit"),
            needs_reason=True,
            system=True,
        ),
    ],
)

REVIEW_WORKFLOW = Workflow(
    "credit_review",
    [
        Transition("complete", frozenset({ReviewStatus.OPEN}), ReviewStatus.DONE, label=_("Complete the review")),
        Transition(
            "cancel",
            frozenset({ReviewStatus.OPEN}),
            ReviewStatus.CANCELLED,
            label=_("Cancel the review"),
            needs_reason=True,
            system=True,
        ),
    ],
)
