"""Complaints: filing, one service per move of the complaint's transition table
(care/workflow.py), and assignment.

Every service takes the acting user, runs in one transaction, locks the complaint, moves it
only through ``COMPLAINT_WORKFLOW`` (the table checks the role, the status, the reason and
the four-eyes rule, and writes the audit row) and adds its own rules: a complaint assigned to
a handler is moved by that handler or a manager, and an escalated one is resolved by a
manager. A message to the borrower is written to the outbox in the same transaction, so it
exists exactly when the event does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import Role, User
from microloan.permissions import require
from microloan.policy import policy
from microloan.workflow import Transition
from servicing.models import Loan

from ..models import Complaint, ComplaintCategory, ComplaintChannel, FollowUpVisit, VisitKind, VisitStatus
from ..workflow import COMPLAINT_WORKFLOW, VISIT_WORKFLOW
from ..workflow import S as Status
from .common import check_handler, is_senior, text
from .messages import RECEIVED, RESOLVED, complaint_notify
from .sla import complaint_deadlines, complaint_sla
from .visits import visit_create


@transaction.atomic
def complaint_file(
    *,
    actor: User,
    borrower: Borrower,
    category: str,
    description: str,
    channel: str,
    loan: Loan | None = None,
    received_on: date | None = None,
    handler: User | None = None,
) -> Complaint:
    """Registers a complaint (staff from any channel; a borrower from the app, about
    themselves) and writes the borrower's receipt message to the outbox."""
    today = current_business_date()
    if actor.role == Role.BORROWER:
        if borrower.user_id != actor.pk:
            raise NotAllowed(_("Borrowers file complaints about their own loans only."))
        channel, received_on, handler = ComplaintChannel.APP, today, None
    else:
        require(actor, "complaint.create")
    errors: dict[str, list[str]] = {}
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ComplaintCategory.values)}]
    if channel not in ComplaintChannel.values:
        errors["channel"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ComplaintChannel.values)}]
    if not text(description):
        errors["description"] = [_("Describe the complaint.")]
    received_on = received_on or today
    if received_on > today:
        errors["received_on"] = [_("A complaint cannot be received after the business date %(d)s.") % {"d": today}]
    if loan is not None and loan.borrower_id != borrower.pk:
        errors["loan"] = [_("This loan is not the borrower's.")]
    if errors:
        raise InvalidInput(errors)
    borrower = Borrower.objects.select_related("branch").get(pk=borrower.pk)
    check_handler(handler, borrower.branch, "handler")
    ack_due, resolve_due = complaint_deadlines(received_on)
    c = Complaint.objects.create(
        borrower=borrower,
        loan=loan,
        branch=borrower.branch,
        channel=channel,
        category=category,
        description=description.strip(),
        received_on=received_on,
        ack_due_on=ack_due,
        resolve_due_on=resolve_due,
        handler=handler,
        filed_by=actor,
    )
    audit_record(
        actor=actor,
        entity="complaint",
        entity_id=c.pk,
        action="file",
        to_state=c.status,
        data={
            "borrower": borrower.pk,
            "loan": loan.pk if loan else None,
            "channel": channel,
            "category": category,
            "received_on": received_on.isoformat(),
            "ack_due_on": ack_due.isoformat(),
            "resolve_due_on": resolve_due.isoformat(),
            "handler": handler.pk if handler else None,
        },
    )
    complaint_notify(c, borrower, RECEIVED, f"complaint:{c.pk}:received")
    return c


def _lock_complaint(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("borrower__branch", "branch", "handler")
        .get(pk=complaint.pk)
    )


def _refusal(c: Complaint, action: str, actor: User) -> NotAllowed | None:
    """The complaint's own rules beside the table: assignment, and who resolves an escalation."""
    if c.handler is not None and c.handler.pk != actor.pk and not is_senior(actor):
        return NotAllowed(_("This complaint is assigned to %(u)s.") % {"u": c.handler.get_username()})
    if action == "resolve" and c.status == Status.ESCALATED and not is_senior(actor):
        return NotAllowed(_("An escalated complaint is resolved by a manager."))
    return None


def _begin(complaint: Complaint, action: str, actor: User, reason: str = "") -> Complaint:
    """Locks the complaint and checks the move: the table first (role, status, reason, four
    eyes), then the complaint's own rules."""
    c = _lock_complaint(complaint)
    COMPLAINT_WORKFLOW.check(obj=c, action=action, actor=actor, reason=reason)
    refusal = _refusal(c, action, actor)
    if refusal is not None:
        raise refusal
    return c


def _take_up(c: Complaint, actor: User, today: date, *, acknowledge: bool) -> list[str]:
    """Whoever takes an unassigned complaint up first handles it; the first contact is the
    acknowledgement."""
    fields = []
    if c.handler_id is None:
        c.handler = actor
        fields.append("handler")
    if acknowledge and c.acknowledged_on is None:
        c.acknowledged_on = today
        fields.append("acknowledged_on")
    return fields


@transaction.atomic
def complaint_acknowledge(*, actor: User, complaint: Complaint, reason: str = "") -> Complaint:
    """The borrower has been contacted (the service level's first step)."""
    c = _begin(complaint, "acknowledge", actor, reason)
    fields = _take_up(c, actor, current_business_date(), acknowledge=True)
    COMPLAINT_WORKFLOW.apply(obj=c, action="acknowledge", actor=actor, reason=text(reason), extra_update_fields=fields)
    return c


@transaction.atomic
def complaint_investigate(*, actor: User, complaint: Complaint, reason: str = "") -> Complaint:
    c = _begin(complaint, "investigate", actor, reason)
    fields = _take_up(c, actor, current_business_date(), acknowledge=False)
    COMPLAINT_WORKFLOW.apply(obj=c, action="investigate", actor=actor, reason=text(reason), extra_update_fields=fields)
    return c


@transaction.atomic
def complaint_escalate(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """Hands the case to a manager (a reason is required); escalating is a contact too."""
    c = _begin(complaint, "escalate", actor, text(reason))
    fields = []
    if c.acknowledged_on is None:
        c.acknowledged_on = current_business_date()
        fields.append("acknowledged_on")
    COMPLAINT_WORKFLOW.apply(obj=c, action="escalate", actor=actor, reason=text(reason), extra_update_fields=fields)
    return c


@transaction.atomic
def complaint_resolve(*, actor: User, complaint: Complaint, resolution: str) -> Complaint:
    """Records the decision the borrower is told, tells them, and schedules the follow-up
    call the policy asks for (``COMPLAINT_FOLLOW_UP_DAYS`` later)."""
    c = _begin(complaint, "resolve", actor)
    resolution = text(resolution)
    if not resolution:
        raise InvalidInput({"resolution": [_("Write the resolution the borrower will be told.")]})
    today = current_business_date()
    c.resolution, c.resolved_on = resolution, today
    COMPLAINT_WORKFLOW.apply(
        obj=c,
        action="resolve",
        actor=actor,
        reason=resolution,
        data={"resolution": resolution},
        extra_update_fields=["resolution", "resolved_on"],
    )
    complaint_notify(c, c.borrower, RESOLVED, f"complaint:{c.pk}:resolved:{c.reopened_count}")
    days = policy().care.complaint_follow_up_days
    if days > 0 and not c.follow_up_visits.filter(status=VisitStatus.SCHEDULED).exists():
        visit_create(
            actor=actor,
            borrower=c.borrower,
            kind=VisitKind.COMPLAINT,
            loan=c.loan,
            complaint=c,
            scheduled_on=today + timedelta(days=days),
            officer=c.handler if c.handler_id else actor,
            note="",
        )
    return c


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, reason: str = "") -> Complaint:
    """Closes a resolved complaint: a second person's look (four eyes) at the resolution."""
    c = _begin(complaint, "close", actor, reason)
    c.closed_on = current_business_date()
    COMPLAINT_WORKFLOW.apply(obj=c, action="close", actor=actor, reason=text(reason), extra_update_fields=["closed_on"])
    return c


@transaction.atomic
def complaint_reopen(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """Takes a resolved or closed complaint back when the borrower disputes it (a reason is
    required). A disputed resolution starts a new resolution period from today; a deadline
    missed before stays on the record (the new period is measured against its own deadline).
    A follow-up still scheduled for the old resolution is cancelled."""
    c = _begin(complaint, "reopen", actor, text(reason))
    today = current_business_date()
    missed = complaint_sla(c, today=today).resolve_breached
    data = {
        "resolved_on": c.resolved_on.isoformat() if c.resolved_on else None,
        "old_resolve_due_on": c.resolve_due_on.isoformat(),
        "resolve_breached": missed,
    }
    c.reopened_count += 1
    c.resolve_breached_before = missed
    c.resolved_on = c.closed_on = None
    c.resolve_due_on = today + timedelta(days=policy().care.complaint_resolve_days)
    data["resolve_due_on"] = c.resolve_due_on.isoformat()
    COMPLAINT_WORKFLOW.apply(
        obj=c,
        action="reopen",
        actor=actor,
        reason=text(reason),
        data=data,
        extra_update_fields=["reopened_count", "resolve_breached_before", "resolved_on", "closed_on", "resolve_due_on"],
    )
    for v in FollowUpVisit.objects.select_for_update().filter(complaint=c, status=VisitStatus.SCHEDULED):
        VISIT_WORKFLOW.apply(
            obj=v, action="cancel", actor=actor, reason=_("The complaint was reopened."), data={"complaint": c.pk}
        )
    return c


# The service of each action of the table, by the action's name: the page's buttons and the
# API's transition endpoints dispatch through it (a test checks that it covers the table).
COMPLAINT_ACTIONS: dict[str, Callable[..., Complaint]] = {
    "acknowledge": complaint_acknowledge,
    "investigate": complaint_investigate,
    "escalate": complaint_escalate,
    "resolve": complaint_resolve,
    "close": complaint_close,
    "reopen": complaint_reopen,
}


def complaint_available(*, complaint: Complaint, actor: User) -> list[Transition]:
    """The moves ``actor`` may take on ``complaint`` now: the table's (role, status, four
    eyes) less those the complaint's own rules refuse. The buttons its page shows."""
    return [
        t
        for t in COMPLAINT_WORKFLOW.available(obj=complaint, actor=actor)
        if _refusal(complaint, t.action, actor) is None
    ]


@transaction.atomic
def complaint_assign(*, actor: User, complaint: Complaint, handler: User) -> Complaint:
    """Gives a complaint to a handler: a manager to anyone of the branch or above it, an
    officer only to themselves (taking up an unassigned case). Not a status change: the
    handler changes and the audit trail says so."""
    require(actor, "complaint.assign")
    c = _lock_complaint(complaint)
    if c.status == Status.CLOSED:
        raise TransitionNotAllowed(entity="complaint", action="assign", status=c.status)
    if not is_senior(actor) and (handler.pk != actor.pk or c.handler_id):
        raise NotAllowed(_("Only a manager assigns or reassigns complaints."))
    check_handler(handler, c.branch, "handler")
    if c.handler_id == handler.pk:
        return c
    old = c.handler_id
    c.handler = handler
    c.save(update_fields=["handler"])
    audit_record(
        actor=actor,
        entity="complaint",
        entity_id=c.pk,
        action="assign",
        from_state=c.status,
        to_state=c.status,
        data={"from": old, "to": handler.pk},
    )
    return c
