"""Follow-up visits (回访) and post-disbursement checks (贷后检查): scheduling, recording and
cancelling, each move through ``VISIT_WORKFLOW`` (care/workflow.py)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import Role, User
from microloan.permissions import require
from servicing.models import Loan

from ..models import Complaint, FollowUpVisit, ReviewTrigger, VisitKind, VisitMethod
from ..workflow import VISIT_WORKFLOW
from .common import LIVE_LOAN, check_assignee, check_handler, is_senior, text
from .reviews import review_now


def visit_create(*, actor, borrower, kind, loan, complaint, scheduled_on, officer, note) -> FollowUpVisit:
    """Writes a scheduled visit and its audit row (the caller has checked the input)."""
    try:
        with transaction.atomic():
            v = FollowUpVisit.objects.create(
                borrower=borrower,
                loan=loan,
                complaint=complaint,
                branch=borrower.branch,
                kind=kind,
                scheduled_on=scheduled_on,
                officer=officer,
                note=note,
                created_by=actor,
            )
    except IntegrityError:
        field = "loan" if kind == VisitKind.POST_DISBURSEMENT else "complaint"
        raise InvalidInput({field: [_("A visit of this kind is already scheduled for it.")]}) from None
    audit_record(
        actor=actor,
        entity="follow_up_visit",
        entity_id=v.pk,
        action="schedule",
        to_state=v.status,
        data={
            "kind": kind,
            "borrower": borrower.pk,
            "loan": loan.pk if loan else None,
            "complaint": complaint.pk if complaint else None,
            "scheduled_on": scheduled_on.isoformat(),
            "officer": officer.pk if officer else None,
        },
    )
    return v


@transaction.atomic
def visit_schedule(
    *,
    actor: User,
    borrower: Borrower,
    kind: str,
    scheduled_on: date,
    officer: User | None = None,
    loan: Loan | None = None,
    complaint: Complaint | None = None,
    note: str = "",
) -> FollowUpVisit:
    require(actor, "follow_up_visit.create")
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
    check_handler(officer, borrower.branch, "officer")
    return visit_create(
        actor=actor,
        borrower=borrower,
        kind=kind,
        loan=loan,
        complaint=complaint,
        scheduled_on=scheduled_on,
        officer=officer,
        note=text(note),
    )


def _lock_visit(visit: FollowUpVisit) -> FollowUpVisit:
    return FollowUpVisit.objects.select_for_update(of=("self",)).select_related("loan", "officer").get(pk=visit.pk)


def _refusal(v: FollowUpVisit, action: str, actor: User) -> NotAllowed | None:
    """The visit's own rules beside the table: its officer (or a manager) does it, and only a
    manager cancels a use-of-funds check."""
    if v.officer_id and v.officer_id != actor.pk and not is_senior(actor):
        return NotAllowed(_("This visit is assigned to another officer."))
    if action == "cancel" and v.kind == VisitKind.POST_DISBURSEMENT and not is_senior(actor):
        return NotAllowed(_("Only a manager cancels a post-disbursement check."))
    return None


def visit_available(*, visit: FollowUpVisit, actor: User) -> list:
    """The moves ``actor`` may take on ``visit`` now (the page's forms)."""
    return [t for t in VISIT_WORKFLOW.available(obj=visit, actor=actor) if _refusal(visit, t.action, actor) is None]


@transaction.atomic
def visit_complete(
    *,
    actor: User,
    visit: FollowUpVisit,
    visited_on: date,
    method: str,
    findings: str,
    purpose_verified: bool | None = None,
) -> FollowUpVisit:
    """Records the visit. A post-disbursement check must say whether the funds went to the
    stated purpose; when they did not, the loan gets a credit review at once."""
    v = _lock_visit(visit)
    VISIT_WORKFLOW.check(obj=v, action="complete", actor=actor)
    check_assignee(actor, v.officer_id, _("This visit is assigned to another officer."))
    today = current_business_date()
    errors: dict[str, list[str]] = {}
    if visited_on > today:
        errors["visited_on"] = [_("A visit cannot be dated after the business date %(d)s.") % {"d": today}]
    elif v.loan is not None and visited_on < v.loan.disbursed_on:
        errors["visited_on"] = [_("A visit cannot be dated before the disbursement.")]
    if method not in VisitMethod.values:
        errors["method"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(VisitMethod.values)}]
    if not text(findings):
        errors["findings"] = [_("Write down what you found.")]
    if v.kind == VisitKind.POST_DISBURSEMENT and purpose_verified is None:
        errors["purpose_verified"] = [_("Say whether the funds were used for the stated purpose.")]
    if errors:
        raise InvalidInput(errors)
    v.visited_on, v.method, v.findings, v.purpose_verified = visited_on, method, findings.strip(), purpose_verified
    v.completed_by, v.completed_at = actor, timezone.now()
    VISIT_WORKFLOW.apply(
        obj=v,
        action="complete",
        actor=actor,
        reason=v.findings,
        data={"visited_on": visited_on.isoformat(), "method": method, "purpose_verified": purpose_verified},
        extra_update_fields=["visited_on", "method", "findings", "purpose_verified", "completed_by", "completed_at"],
    )
    if (
        v.kind == VisitKind.POST_DISBURSEMENT
        and purpose_verified is False
        and v.loan is not None
        and v.loan.status in LIVE_LOAN
    ):
        review_now(
            loan=v.loan,
            trigger=ReviewTrigger.PURPOSE,
            business_date=today,
            actor=actor,
            reason=v.findings,
            data={"visit": v.pk},
        )
    return v


@transaction.atomic
def visit_cancel(*, actor: User, visit: FollowUpVisit, reason: str) -> FollowUpVisit:
    """Cancels a scheduled visit (a reason is required; a post-disbursement check only by a manager)."""
    v = _lock_visit(visit)
    VISIT_WORKFLOW.check(obj=v, action="cancel", actor=actor, reason=text(reason))
    refusal = _refusal(v, "cancel", actor)
    if refusal is not None:
        raise refusal
    VISIT_WORKFLOW.apply(obj=v, action="cancel", actor=actor, reason=text(reason))
    return v
