"""Customer service: the rules for complaints, follow-up visits, credit reviews and feedback.

Every function that changes state takes the acting user, runs in one transaction, locks the
row it changes, moves statuses only through the transition tables below and writes the
audit trail; a message to the borrower is written to the notification outbox in that same
transaction, so it exists exactly when the event does.

The periodic job (``care_daily``) is set-based: one ``INSERT ... SELECT`` creates every review
task a business date needs, one more every post-disbursement check, and the unique
constraints make a second run for the same date create nothing. The job's key (one periodic
or classification review per loan and date) does not hold back a review an event calls for
(funds not used as stated): that is created at once, or recorded on the loan's open review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.lending.schedule import add_months_clamped
from microloan.models import AuditEvent, Role, User
from microloan.notifications import Channel, notifications_enqueue_many
from microloan.scoping import require_role
from microloan.workflow import Transition, Workflow

from .care_models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    CreditReview,
    Feedback,
    FollowUpVisit,
    ReviewRecommendation,
    ReviewStatus,
    ReviewTrigger,
    VisitKind,
    VisitMethod,
    VisitStatus,
)
from .care_policy import care_policy
from .models import Classification, Loan, LoanStatus

HANDLERS = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})
SENIOR = frozenset({Role.MANAGER, Role.ADMIN})
LIVE_LOAN = (LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED)
# Recommendations after which the next periodic review comes sooner.
CLOSER_WATCH = (ReviewRecommendation.WATCH, ReviewRecommendation.REDUCE_LIMIT, ReviewRecommendation.RECALL)

S = ComplaintStatus

# The complaint's legal moves. ``acknowledge`` is the service level's first step (the
# borrower has been contacted); ``escalate`` hands the case to a manager, who alone then
# resolves it; ``reopen`` takes a resolved or closed case back when the borrower disputes it.
COMPLAINT_WORKFLOW = Workflow("complaint", [
    Transition("acknowledge", frozenset({S.RECEIVED}), S.ACKNOWLEDGED, HANDLERS),
    Transition("investigate", frozenset({S.ACKNOWLEDGED}), S.INVESTIGATING, HANDLERS),
    Transition("escalate", frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING}), S.ESCALATED, HANDLERS),
    Transition("resolve", frozenset({S.INVESTIGATING, S.ESCALATED}), S.RESOLVED, HANDLERS),
    Transition("close", frozenset({S.RESOLVED}), S.CLOSED, HANDLERS),
    Transition("reopen", frozenset({S.RESOLVED, S.CLOSED}), S.INVESTIGATING, HANDLERS),
])

VISIT_WORKFLOW = Workflow("follow_up_visit", [
    Transition("complete", frozenset({VisitStatus.SCHEDULED}), VisitStatus.DONE, HANDLERS),
    Transition("cancel", frozenset({VisitStatus.SCHEDULED}), VisitStatus.CANCELLED, HANDLERS),
])

REVIEW_WORKFLOW = Workflow("credit_review", [
    Transition("complete", frozenset({ReviewStatus.OPEN}), ReviewStatus.DONE, HANDLERS),
    Transition("cancel", frozenset({ReviewStatus.OPEN}), ReviewStatus.CANCELLED, SENIOR),
])


# --- dates and the SLA --------------------------------------------------------------------

def is_business_day(d: date) -> bool:
    if d in care_policy("WORKING_WEEKENDS"):
        return True
    return d.weekday() < 5 and d not in care_policy("HOLIDAYS")


def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (``d`` itself when ``n`` is 0)."""
    while n > 0:
        d += timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d


def complaint_deadlines(received_on: date) -> tuple[date, date]:
    """(acknowledge by, resolve by) for a complaint received on ``received_on``: the end of
    the N-th business day after it, and N calendar days after it (care_policy.py)."""
    return (add_business_days(received_on, care_policy("COMPLAINT_ACK_BUSINESS_DAYS")),
            received_on + timedelta(days=care_policy("COMPLAINT_RESOLVE_DAYS")))


@dataclass(frozen=True)
class ComplaintSla:
    age_days: int  # since receipt, to today or to the resolution
    ack_breached: bool  # acknowledged late, or not yet and the day is past
    # resolved late, or not yet and the day is past, in this period or one before a reopening
    resolve_breached: bool
    days_left: int | None  # to the resolution deadline; None once resolved

    @property
    def breached(self) -> bool:
        return self.ack_breached or self.resolve_breached


def complaint_sla(c: Complaint, *, today: date) -> ComplaintSla:
    """The service level of one complaint on ``today`` (a business date). A deadline is
    breached when the step happened after its day, or has not happened and the day is over;
    a breach stays on the record after the step is done, and after a reopening that gave the
    complaint a new resolution deadline."""
    acked = c.acknowledged_on or (today if c.status == S.RECEIVED else None)
    resolved = c.resolved_on if c.status in (S.RESOLVED, S.CLOSED) else None
    until = resolved or today
    return ComplaintSla(
        age_days=(until - c.received_on).days,
        ack_breached=bool(acked and acked > c.ack_due_on),
        resolve_breached=c.resolve_breached_before or until > c.resolve_due_on,
        days_left=None if resolved else (c.resolve_due_on - today).days,
    )


# --- messages to the borrower ---------------------------------------------------------------

TEXTS = {
    "zh-hans": {
        "received": ("投诉已受理",
                     "{name}您好，我们已收到您的投诉（编号{ref}），将于{ack_due}前与您联系，并于{resolve_due}前"
                     "告知处理结果。"),
        "resolved": ("投诉处理结果",
                     "{name}您好，您的投诉（编号{ref}）已处理：{resolution} 如有异议，请回复或致电我们；"
                     "欢迎在App中为本次处理评分。"),
    },
    "en": {
        "received": ("Complaint received",
                     "Dear {name}, we have received your complaint (no. {ref}). We will contact you by {ack_due} "
                     "and tell you our decision by {resolve_due}."),
        "resolved": ("Your complaint has been resolved",
                     "Dear {name}, your complaint no. {ref} has been resolved: {resolution} If you disagree, reply "
                     "or call us; you can rate how we handled it in the app."),
    },
}
SMS_RESOLUTION_CHARS = 120


def _notify(c: Complaint, borrower: Borrower, kind: str, key: str) -> int:
    """Writes the borrower's message (SMS to the mobile, in-app when they have a login) to the
    outbox, in the caller's transaction. The dedupe key makes each message go out once."""
    from .reminders import _signature

    language = borrower.language or "zh-hans"
    subject, body = (TEXTS.get(language) or TEXTS["zh-hans"])[kind]
    fields = {"name": borrower.full_name, "ref": c.reference, "ack_due": c.ack_due_on.isoformat(),
              "resolve_due": c.resolve_due_on.isoformat()}
    common = {"language": language, "subject": subject, "kind": f"complaint_{kind}",
              "reference": f"complaint:{c.pk}", "tz_name": borrower.branch.timezone}
    rows = []
    if borrower.mobile:
        short = c.resolution if len(c.resolution) <= SMS_RESOLUTION_CHARS else \
            c.resolution[:SMS_RESOLUTION_CHARS] + "…"
        rows.append({**common, "channel": Channel.SMS, "to_address": borrower.mobile,
                     "body": _signature(language) + body.format(**fields, resolution=short),
                     "dedupe_key": f"{key}:{Channel.SMS}"})
    if borrower.user_id:
        rows.append({**common, "channel": Channel.INAPP, "user_id": borrower.user_id,
                     "body": body.format(**fields, resolution=c.resolution), "dedupe_key": f"{key}:{Channel.INAPP}"})
    return notifications_enqueue_many(rows)


# --- complaints ----------------------------------------------------------------------------

def _may_handle(user: User, branch) -> bool:
    """A handler is an officer or manager of the complaint's branch or of one above it."""
    if not user.is_active:
        return False
    if user.is_superuser and not user.branch_id:
        return True
    return user.role in HANDLERS and bool(user.branch_id) and branch.path.startswith(user.branch.path)


def _check_handler(user: User | None, branch, field: str) -> None:
    if user is not None and not _may_handle(user, branch):
        raise InvalidInput({field: [_("Choose an officer or manager of this branch or above it.")]})


def _text(value: str | None) -> str:
    return (value or "").strip()


@transaction.atomic
def complaint_file(*, actor, borrower: Borrower, category: str, description: str, channel: str,
                   loan: Loan | None = None, received_on: date | None = None, handler: User | None = None) -> Complaint:
    """Registers a complaint (staff from any channel; a borrower from the app, about
    themselves) and writes the borrower's receipt message to the outbox."""
    today = current_business_date()
    if actor.role == Role.BORROWER:
        if borrower.user_id != actor.pk:
            raise NotAllowed(_("Borrowers file complaints about their own loans only."))
        channel, received_on, handler = ComplaintChannel.APP, today, None
    else:
        require_role(actor, HANDLERS, _("register complaints"))
    errors: dict[str, list[str]] = {}
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ComplaintCategory.values)}]
    if channel not in ComplaintChannel.values:
        errors["channel"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ComplaintChannel.values)}]
    if not _text(description):
        errors["description"] = [_("Describe the complaint.")]
    received_on = received_on or today
    if received_on > today:
        errors["received_on"] = [_("A complaint cannot be received after the business date %(d)s.") % {"d": today}]
    if loan is not None and loan.borrower_id != borrower.pk:
        errors["loan"] = [_("This loan is not the borrower's.")]
    if errors:
        raise InvalidInput(errors)
    borrower = Borrower.objects.select_related("branch").get(pk=borrower.pk)
    _check_handler(handler, borrower.branch, "handler")
    ack_due, resolve_due = complaint_deadlines(received_on)
    c = Complaint.objects.create(borrower=borrower, loan=loan, branch=borrower.branch, channel=channel,
                                 category=category, description=description.strip(), received_on=received_on,
                                 ack_due_on=ack_due, resolve_due_on=resolve_due, handler=handler, filed_by=actor)
    audit_record(actor=actor, entity="complaint", entity_id=c.pk, action="file", to_state=c.status,
                 data={"borrower": borrower.pk, "loan": loan.pk if loan else None, "channel": channel,
                       "category": category, "received_on": received_on.isoformat(),
                       "ack_due_on": ack_due.isoformat(), "resolve_due_on": resolve_due.isoformat(),
                       "handler": handler.pk if handler else None})
    _notify(c, borrower, "received", f"complaint:{c.pk}:received")
    return c


def _lock_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related(
        "borrower__branch", "branch", "handler").get(pk=complaint.pk)


@transaction.atomic
def complaint_transition(*, actor, complaint: Complaint, action: str, reason: str = "",
                         resolution: str = "") -> Complaint:
    """Moves a complaint by one action of ``COMPLAINT_WORKFLOW`` (unknown action: 400; not
    allowed from its status: 409; role or assignment: 403), with the action's own rules."""
    if action not in COMPLAINT_WORKFLOW.transitions:
        raise InvalidInput({"action": [_("Unknown action.")]})
    c = _lock_complaint(complaint)
    COMPLAINT_WORKFLOW.check(obj=c, action=action, actor=actor)
    if c.handler_id and c.handler_id != actor.pk and actor.role not in SENIOR and not actor.is_superuser:
        raise NotAllowed(_("This complaint is assigned to %(u)s.") % {"u": c.handler.get_username()})
    today = current_business_date()
    reason, resolution = _text(reason), _text(resolution)
    fields: list[str] = []
    data: dict = {}
    if action in ("escalate", "reopen") and not reason:
        raise InvalidInput({"reason": [_("Say why.")]})
    if action in ("acknowledge", "investigate") and c.handler_id is None:
        c.handler = actor  # whoever takes it up first handles it
        fields.append("handler")
    if action in ("acknowledge", "escalate") and c.acknowledged_on is None:
        c.acknowledged_on = today
        fields.append("acknowledged_on")
    if action == "resolve":
        if not resolution:
            raise InvalidInput({"resolution": [_("Write the resolution the borrower will be told.")]})
        if c.status == S.ESCALATED and actor.role not in SENIOR and not actor.is_superuser:
            raise NotAllowed(_("An escalated complaint is resolved by a manager."))
        c.resolution, c.resolved_on = resolution, today
        fields += ["resolution", "resolved_on"]
        data["resolution"] = resolution
    elif action == "close":
        c.closed_on = today
        fields.append("closed_on")
    elif action == "reopen":
        # A disputed resolution starts a new resolution period from today; a deadline missed
        # before stays on the record (the new period is measured against its own deadline).
        missed = complaint_sla(c, today=today).resolve_breached
        data = {"resolved_on": c.resolved_on.isoformat() if c.resolved_on else None,
                "old_resolve_due_on": c.resolve_due_on.isoformat(), "resolve_breached": missed}
        c.reopened_count += 1
        c.resolve_breached_before = missed
        c.resolved_on = c.closed_on = None
        c.resolve_due_on = today + timedelta(days=care_policy("COMPLAINT_RESOLVE_DAYS"))
        fields += ["reopened_count", "resolve_breached_before", "resolved_on", "closed_on", "resolve_due_on"]
        data["resolve_due_on"] = c.resolve_due_on.isoformat()
    COMPLAINT_WORKFLOW.apply(obj=c, action=action, actor=actor, reason=reason or resolution, data=data,
                             extra_update_fields=fields)
    if action == "resolve":
        _notify(c, c.borrower, "resolved", f"complaint:{c.pk}:resolved:{c.reopened_count}")
        days = care_policy("COMPLAINT_FOLLOW_UP_DAYS")
        if days > 0 and not c.follow_up_visits.filter(status=VisitStatus.SCHEDULED).exists():
            _visit_create(actor=actor, borrower=c.borrower, kind=VisitKind.COMPLAINT, loan=c.loan,
                          complaint=c, scheduled_on=today + timedelta(days=days),
                          officer=c.handler if c.handler_id else actor, note="")
    elif action == "reopen":
        for v in FollowUpVisit.objects.select_for_update().filter(complaint=c, status=VisitStatus.SCHEDULED):
            VISIT_WORKFLOW.apply(obj=v, action="cancel", actor=actor, reason=_("The complaint was reopened."),
                                 data={"complaint": c.pk})
    return c


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, handler: User) -> Complaint:
    """Gives a complaint to a handler: a manager to anyone of the branch or above it, an
    officer only to themselves (taking up an unassigned case)."""
    require_role(actor, HANDLERS, _("assign complaints"))
    c = _lock_complaint(complaint)
    if c.status == S.CLOSED:
        raise TransitionNotAllowed(entity="complaint", action="assign", status=c.status)
    if actor.role not in SENIOR and not actor.is_superuser and (handler.pk != actor.pk or c.handler_id):
        raise NotAllowed(_("Only a manager assigns or reassigns complaints."))
    _check_handler(handler, c.branch, "handler")
    if c.handler_id == handler.pk:
        return c
    old = c.handler_id
    c.handler = handler
    c.save(update_fields=["handler"])
    audit_record(actor=actor, entity="complaint", entity_id=c.pk, action="assign", from_state=c.status,
                 to_state=c.status, data={"from": old, "to": handler.pk})
    return c


# --- follow-up visits ------------------------------------------------------------------------

def _visit_create(*, actor, borrower, kind, loan, complaint, scheduled_on, officer, note) -> FollowUpVisit:
    try:
        with transaction.atomic():
            v = FollowUpVisit.objects.create(borrower=borrower, loan=loan, complaint=complaint,
                                             branch=borrower.branch, kind=kind, scheduled_on=scheduled_on,
                                             officer=officer, note=note, created_by=actor)
    except IntegrityError:
        field = "loan" if kind == VisitKind.POST_DISBURSEMENT else "complaint"
        raise InvalidInput({field: [_("A visit of this kind is already scheduled for it.")]}) from None
    audit_record(actor=actor, entity="follow_up_visit", entity_id=v.pk, action="schedule", to_state=v.status,
                 data={"kind": kind, "borrower": borrower.pk, "loan": loan.pk if loan else None,
                       "complaint": complaint.pk if complaint else None, "scheduled_on": scheduled_on.isoformat(),
                       "officer": officer.pk if officer else None})
    return v


@transaction.atomic
def visit_schedule(*, actor, borrower: Borrower, kind: str, scheduled_on: date, officer: User | None = None,
                   loan: Loan | None = None, complaint: Complaint | None = None, note: str = "") -> FollowUpVisit:
    require_role(actor, HANDLERS, _("schedule follow-up visits"))
    today = current_business_date()
    errors: dict[str, list[str]] = {}
    if kind not in VisitKind.values:
        errors["kind"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(VisitKind.values)}]
    if scheduled_on < today:
        errors["scheduled_on"] = [_("Schedule it for the business date %(d)s or later.") % {"d": today}]
    if loan is not None and loan.borrower_id != borrower.pk:
        errors["loan"] = [_("This loan is not the borrower's.")]
    if complaint is not None and complaint.borrower_id != borrower.pk:
        errors["complaint"] = [_("This complaint is not the borrower's.")]
    if kind in (VisitKind.POST_DISBURSEMENT, VisitKind.REVIEW) and loan is None:
        errors["loan"] = [_("Name the loan to check.")]
    if kind == VisitKind.COMPLAINT and complaint is None:
        errors["complaint"] = [_("Name the complaint to follow up.")]
    if errors:
        raise InvalidInput(errors)
    borrower = Borrower.objects.select_related("branch").get(pk=borrower.pk)
    officer = officer or (actor if actor.role == Role.OFFICER else None) or (loan.officer if loan else None)
    _check_handler(officer, borrower.branch, "officer")
    return _visit_create(actor=actor, borrower=borrower, kind=kind, loan=loan, complaint=complaint,
                         scheduled_on=scheduled_on, officer=officer, note=_text(note))


def _lock_visit(visit: FollowUpVisit) -> FollowUpVisit:
    return FollowUpVisit.objects.select_for_update(of=("self",)).select_related("loan", "officer").get(pk=visit.pk)


def _check_assignee(actor, assigned_id: int | None, message: str) -> None:
    """A task assigned to an officer is done by that officer, or by a manager."""
    if assigned_id and assigned_id != actor.pk and actor.role not in SENIOR and not actor.is_superuser:
        raise NotAllowed(message)


@transaction.atomic
def visit_complete(*, actor, visit: FollowUpVisit, visited_on: date, method: str, findings: str,
                   purpose_verified: bool | None = None) -> FollowUpVisit:
    """Records the visit. A post-disbursement check must say whether the funds went to the
    stated purpose; when they did not, the loan gets a credit review at once."""
    v = _lock_visit(visit)
    VISIT_WORKFLOW.check(obj=v, action="complete", actor=actor)
    _check_assignee(actor, v.officer_id, _("This visit is assigned to another officer."))
    today = current_business_date()
    errors: dict[str, list[str]] = {}
    if visited_on > today:
        errors["visited_on"] = [_("A visit cannot be dated after the business date %(d)s.") % {"d": today}]
    elif v.loan_id and visited_on < v.loan.disbursed_on:
        errors["visited_on"] = [_("A visit cannot be dated before the disbursement.")]
    if method not in VisitMethod.values:
        errors["method"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(VisitMethod.values)}]
    if not _text(findings):
        errors["findings"] = [_("Write down what you found.")]
    if v.kind == VisitKind.POST_DISBURSEMENT and purpose_verified is None:
        errors["purpose_verified"] = [_("Say whether the funds were used for the stated purpose.")]
    if errors:
        raise InvalidInput(errors)
    v.visited_on, v.method, v.findings, v.purpose_verified = visited_on, method, findings.strip(), purpose_verified
    v.completed_by, v.completed_at = actor, timezone.now()
    VISIT_WORKFLOW.apply(obj=v, action="complete", actor=actor, reason=v.findings,
                         data={"visited_on": visited_on.isoformat(), "method": method,
                               "purpose_verified": purpose_verified},
                         extra_update_fields=["visited_on", "method", "findings", "purpose_verified",
                                              "completed_by", "completed_at"])
    if v.kind == VisitKind.POST_DISBURSEMENT and purpose_verified is False and v.loan.status in LIVE_LOAN:
        _review_now(loan=v.loan, trigger=ReviewTrigger.PURPOSE, business_date=today, actor=actor,
                    reason=v.findings, data={"visit": v.pk})
    return v


@transaction.atomic
def visit_cancel(*, actor, visit: FollowUpVisit, reason: str) -> FollowUpVisit:
    v = _lock_visit(visit)
    VISIT_WORKFLOW.check(obj=v, action="cancel", actor=actor)
    _check_assignee(actor, v.officer_id, _("This visit is assigned to another officer."))
    if v.kind == VisitKind.POST_DISBURSEMENT and actor.role not in SENIOR and not actor.is_superuser:
        raise NotAllowed(_("Only a manager cancels a post-disbursement check."))
    if not _text(reason):
        raise InvalidInput({"reason": [_("Say why.")]})
    VISIT_WORKFLOW.apply(obj=v, action="cancel", actor=actor, reason=_text(reason))
    return v


# --- credit reviews -------------------------------------------------------------------------

def _review_now(*, loan: Loan, trigger: str, business_date: date, actor, reason: str = "",
                data: dict | None = None) -> CreditReview:
    """An immediate review of a loan for an event (``trigger``; ``reason`` and ``data`` say what
    happened, on the audit trail), whatever reviews the loan had that day. A loan never has two
    open reviews: when one is open, the event is recorded on it instead (see
    ``_review_retrigger``), so neither that review nor the finding is lost."""
    due_on = business_date + timedelta(days=care_policy("REVIEW_DUE_DAYS"))
    data = {"loan": loan.pk, "trigger": trigger, **(data or {})}
    for attempt in range(3):
        r = CreditReview.objects.select_for_update(of=("self",)).filter(loan=loan, status=ReviewStatus.OPEN).first()
        if r is not None:
            return _review_retrigger(r, trigger=trigger, due_on=due_on, actor=actor, reason=reason, data=data)
        try:
            with transaction.atomic():
                r = CreditReview.objects.create(
                    loan=loan, borrower_id=loan.borrower_id, branch_id=loan.branch_id, officer_id=loan.officer_id,
                    business_date=business_date, due_on=due_on, trigger=trigger, classification=loan.classification,
                    created_at=timezone.now())
        except IntegrityError:
            # Another transaction (the job, another event) opened a review first: it has
            # committed now, so the next look finds it and the event goes on it.
            if attempt == 2:
                raise
            continue
        audit_record(actor=actor, entity="credit_review", entity_id=r.pk, action="create", to_state=r.status,
                     reason=reason, data=data)
        return r
    raise AssertionError("unreachable")


def _review_retrigger(r: CreditReview, *, trigger: str, due_on: date, actor, reason: str, data: dict) -> CreditReview:
    """Records an event on the loan's open review (locked by the caller): the event's trigger
    replaces the job's (an event is the more pressing reason; the job's stays on the audit
    trail), the review falls due no later than a new one would, and the finding is audited
    on the review."""
    old_trigger, old_due_on = r.trigger, r.due_on
    r.trigger, r.due_on = trigger, min(r.due_on, due_on)
    r.save(update_fields=["trigger", "due_on"])
    audit_record(actor=actor, entity="credit_review", entity_id=r.pk, action="trigger", from_state=r.status,
                 to_state=r.status, reason=reason,
                 data={**data, "from_trigger": old_trigger, "old_due_on": old_due_on.isoformat(),
                       "due_on": r.due_on.isoformat()})
    return r


@transaction.atomic
def credit_review_complete(*, actor, review: CreditReview, findings: str, recommendation: str) -> CreditReview:
    """The officer's review: findings, a recommendation, and the loan's classification and
    latest credit report as they stood (the next review is measured from them)."""
    from underwriting.models import CreditRecord

    r = CreditReview.objects.select_for_update(of=("self",)).select_related("loan").get(pk=review.pk)
    REVIEW_WORKFLOW.check(obj=r, action="complete", actor=actor)
    _check_assignee(actor, r.officer_id, _("This review is assigned to another officer."))
    errors: dict[str, list[str]] = {}
    if not _text(findings):
        errors["findings"] = [_("Write down what the review found.")]
    if recommendation not in ReviewRecommendation.values:
        errors["recommendation"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ReviewRecommendation.values)}]
    if errors:
        raise InvalidInput(errors)
    r.findings, r.recommendation = findings.strip(), recommendation
    r.classification = r.loan.classification
    r.credit_record = CreditRecord.objects.filter(borrower_id=r.borrower_id).order_by("-as_of", "-id").first()
    r.completed_on, r.completed_by, r.completed_at = current_business_date(), actor, timezone.now()
    data = {"loan": r.loan_id, "recommendation": recommendation, "classification": r.classification,
            "credit_record": r.credit_record_id}
    REVIEW_WORKFLOW.apply(obj=r, action="complete", actor=actor, reason=r.findings, data=data,
                          extra_update_fields=["findings", "recommendation", "classification", "credit_record",
                                               "completed_on", "completed_by", "completed_at"])
    # On the loan's own history too, where a manager deciding on the loan looks.
    audit_record(actor=actor, entity="loan", entity_id=r.loan_id, action="credit_review", reason=r.findings,
                 data={"review": r.pk, "recommendation": recommendation})
    return r


def _rank_sql(column: str) -> str:
    """A classification's tier as a number (normal 0 ... loss 4), in SQL."""
    whens = " ".join(f"WHEN '{value}' THEN {i}" for i, value in enumerate(Classification.values))
    return f"(CASE {column} {whens} ELSE 0 END)"


def _days_after_sql(column: str) -> str:
    """``column`` (a date) plus a number of days given as the next parameter."""
    if connection.vendor == "sqlite":
        return f"date({column}, '+' || %s || ' days')"
    return f"({column} + %s)"


def credit_reviews_create(*, business_date: date, now: datetime | None = None) -> int:
    """Creates the review tasks of ``business_date`` in one INSERT ... SELECT and returns how
    many. A live loan disbursed by then with no open review needs one when its last review
    (or, without one, its disbursement) is older than the interval (shorter after a review
    that recommended watching), or when the daily close has put it in a worse classification
    than its last review saw (for a loan never reviewed: than normal).

    One statement over the book (an index probe per loan for its last review) rather than
    chunks: it writes only the few loans due, and the unique constraints make a re-run, or
    two at once, insert nothing twice. Both are partial unique indexes; ``ON CONFLICT DO
    NOTHING`` names no conflict target, so it honours both on PostgreSQL and SQLite (a
    target would have to repeat an index's WHERE clause on PostgreSQL).
    """
    now = now or timezone.now()
    interval = care_policy("REVIEW_INTERVAL_MONTHS")
    watch = care_policy("WATCH_REVIEW_INTERVAL_MONTHS")
    review, loan = CreditReview._meta.db_table, Loan._meta.db_table
    live = ", ".join(f"'{s}'" for s in LIVE_LOAN)
    closer = ", ".join(f"'{s}'" for s in CLOSER_WATCH)
    last_seen = f"COALESCE(last.classification, '{Classification.NORMAL}')"
    worse = f"{_rank_sql('l.classification')} > {_rank_sql(last_seen)}"
    sql = f"""
        INSERT INTO {review} (loan_id, borrower_id, branch_id, officer_id, business_date, due_on, "trigger",
                              classification, status, findings, recommendation, created_at)
        SELECT l.id, l.borrower_id, l.branch_id, l.officer_id, %s, %s,
               CASE WHEN {worse} THEN '{ReviewTrigger.CLASSIFICATION}' ELSE '{ReviewTrigger.PERIODIC}' END,
               l.classification, '{ReviewStatus.OPEN}', '', '', %s
        FROM {loan} l
        LEFT JOIN {review} last ON last.id = (
            SELECT r.id FROM {review} r WHERE r.loan_id = l.id AND r.status <> '{ReviewStatus.CANCELLED}'
            ORDER BY r.business_date DESC, r.id DESC LIMIT 1)
        WHERE l.status IN ({live}) AND l.disbursed_on <= %s
          AND NOT EXISTS (SELECT 1 FROM {review} o WHERE o.loan_id = l.id AND o.status = '{ReviewStatus.OPEN}')
          AND (COALESCE(last.business_date, l.disbursed_on)
                 <= CASE WHEN last.recommendation IN ({closer}) THEN %s ELSE %s END
               OR {worse})
        ON CONFLICT DO NOTHING
    """
    params = [business_date, business_date + timedelta(days=care_policy("REVIEW_DUE_DAYS")), now, business_date,
              add_months_clamped(business_date, -watch), add_months_clamped(business_date, -interval)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def post_disbursement_visits_create(*, business_date: date, now: datetime | None = None) -> int:
    """Schedules the use-of-funds check of every live loan disbursed in the lookback window
    up to ``business_date`` that has none, for N days after its disbursement, assigned to the
    loan's officer: one INSERT ... SELECT; the unique constraint (one per loan) keeps re-runs
    harmless."""
    now = now or timezone.now()
    visit, loan = FollowUpVisit._meta.db_table, Loan._meta.db_table
    live = ", ".join(f"'{s}'" for s in LIVE_LOAN)
    kind = VisitKind.POST_DISBURSEMENT
    sql = f"""
        INSERT INTO {visit} (borrower_id, loan_id, branch_id, kind, scheduled_on, officer_id, status, method,
                             findings, note, created_at)
        SELECT l.borrower_id, l.id, l.branch_id, '{kind}', {_days_after_sql('l.disbursed_on')}, l.officer_id,
               '{VisitStatus.SCHEDULED}', '', '', '', %s
        FROM {loan} l
        WHERE l.status IN ({live}) AND l.disbursed_on <= %s AND l.disbursed_on > %s
          AND NOT EXISTS (SELECT 1 FROM {visit} v WHERE v.loan_id = l.id AND v.kind = '{kind}')
        ON CONFLICT DO NOTHING
    """
    lookback = business_date - timedelta(days=care_policy("POST_DISBURSEMENT_LOOKBACK_DAYS"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [care_policy("POST_DISBURSEMENT_VISIT_DAYS"), now, business_date, lookback])
        return max(cursor.rowcount, 0)


def _loan_ended_reason(loan_status: str) -> str:
    """The audit reason of a task cancelled because its loan ended, in the active language
    (like every reason the system writes); the audit data keeps the neutral code."""
    if loan_status == LoanStatus.WRITTEN_OFF:
        return _("The loan was written off.")
    return _("The loan was paid off.")


def _cancel_for_ended_loans(model, open_status, workflow_entity: str, cancelled: str, **extra) -> int:
    """Open tasks of loans that were paid off or written off are cancelled, each audited.

    The tasks are locked first, skipping any another transaction holds (an officer completing
    it, an overlapping run): those are left to end as that transaction decides, and the next
    run sees them as they are then. A locked row stays open until this transaction ends, so
    the rows locked are exactly the rows changed, and only they are audited. (SQLite has no
    row locks and ignores this: it runs one writer at a time.)"""
    rows = list(model.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=open_status, loan__status__in=[LoanStatus.CLOSED, LoanStatus.WRITTEN_OFF], **extra)
                .values_list("id", "loan_id", "loan__status"))
    if not rows:
        return 0
    model.objects.filter(pk__in=[pk for pk, _l, _s in rows], status=open_status).update(status=cancelled)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=None, entity=workflow_entity, entity_id=pk, action="cancel", from_state=open_status,
                   to_state=cancelled, reason=_loan_ended_reason(loan_status),
                   data={"code": "loan_ended", "loan": loan_id, "loan_status": loan_status})
        for pk, loan_id, loan_status in rows])
    return len(rows)


@transaction.atomic
def care_daily(*, business_date: date, now: datetime | None = None) -> dict:
    """The periodic customer-service job of one business date: cancels the open reviews and
    post-disbursement checks of loans that ended, creates the due review tasks and the new
    post-disbursement checks. Running it again for the same date changes nothing."""
    cancelled_reviews = _cancel_for_ended_loans(CreditReview, ReviewStatus.OPEN, "credit_review",
                                                ReviewStatus.CANCELLED)
    cancelled_visits = _cancel_for_ended_loans(FollowUpVisit, VisitStatus.SCHEDULED, "follow_up_visit",
                                               VisitStatus.CANCELLED, kind=VisitKind.POST_DISBURSEMENT)
    return {"business_date": business_date.isoformat(),
            "reviews_created": credit_reviews_create(business_date=business_date, now=now),
            "visits_created": post_disbursement_visits_create(business_date=business_date, now=now),
            "reviews_cancelled": cancelled_reviews, "visits_cancelled": cancelled_visits}


# --- satisfaction feedback ------------------------------------------------------------------

@transaction.atomic
def feedback_submit(*, actor, score: int, comment: str = "", complaint: Complaint | None = None,
                    visit: FollowUpVisit | None = None) -> Feedback:
    """A borrower rates a resolved complaint, a visit that took place, or the service in
    general (once a month); each subject once."""
    borrower = Borrower.objects.select_related("branch").filter(user=actor).first()
    if actor.role != Role.BORROWER or borrower is None:
        raise NotAllowed(_("Only a borrower gives feedback, from their own login."))
    errors: dict[str, list[str]] = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = [_("Give a score from 1 to 5.")]
    if complaint is not None and visit is not None:
        errors["visit"] = [_("Rate a complaint or a visit, not both at once.")]
    if complaint is not None and complaint.borrower_id != borrower.pk:
        errors["complaint"] = [_("No such complaint.")]
    if visit is not None and visit.borrower_id != borrower.pk:
        errors["visit"] = [_("No such visit.")]
    if errors:
        raise InvalidInput(errors)
    today = current_business_date()
    # The subject's status as it is now, not as the caller last read it.
    complaint = Complaint.objects.get(pk=complaint.pk) if complaint is not None else None
    visit = FollowUpVisit.objects.get(pk=visit.pk) if visit is not None else None
    if complaint is not None:
        if complaint.status not in (S.RESOLVED, S.CLOSED):
            raise TransitionNotAllowed(entity="complaint", action="feedback", status=complaint.status,
                                       message=_("A complaint is rated once it is resolved."))
        key, field = f"complaint:{complaint.pk}", "complaint"
    elif visit is not None:
        if visit.status != VisitStatus.DONE:
            raise TransitionNotAllowed(entity="follow_up_visit", action="feedback", status=visit.status,
                                       message=_("A visit is rated once it has taken place."))
        key, field = f"visit:{visit.pk}", "visit"
    else:
        key, field = f"general:{borrower.pk}:{today:%Y-%m}", "non_field_errors"
    try:
        with transaction.atomic():
            f = Feedback.objects.create(borrower=borrower, branch=borrower.branch, complaint=complaint, visit=visit,
                                        subject_key=key, score=score, comment=_text(comment), business_date=today)
    except IntegrityError:
        message = (_("You have already rated this.") if field != "non_field_errors"
                   else _("You have already given general feedback this month."))
        raise InvalidInput({field: [message]}) from None
    audit_record(actor=actor, entity="feedback", entity_id=f.pk, action="submit",
                 data={"subject": key, "score": score})
    return f
