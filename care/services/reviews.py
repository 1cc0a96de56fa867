"""Credit reviews (贷后定期检查) one at a time: the immediate review an event calls for, and the
officer's completed review. The periodic job that creates them set-based is in daily.py."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput
from microloan.models import User
from microloan.policy import policy
from servicing.models import Loan
from underwriting.models import CreditRecord

from ..models import CreditReview, ReviewRecommendation, ReviewStatus
from ..workflow import REVIEW_WORKFLOW
from .common import check_assignee, text


def review_now(
    *, loan: Loan, trigger: str, business_date: date, actor, reason: str = "", data: dict | None = None
) -> CreditReview:
    """An immediate review of a loan for an event (``trigger``; ``reason`` and ``data`` say what
    happened, on the audit trail), whatever reviews the loan had that day. A loan never has two
    open reviews: when one is open, the event is recorded on it instead (see
    ``_review_retrigger``), so neither that review nor the finding is lost."""
    due_on = business_date + timedelta(days=policy().care.review_due_days)
    data = {"loan": loan.pk, "trigger": trigger, **(data or {})}
    for attempt in range(3):
        r = CreditReview.objects.select_for_update(of=("self",)).filter(loan=loan, status=ReviewStatus.OPEN).first()
        if r is not None:
            return _review_retrigger(r, trigger=trigger, due_on=due_on, actor=actor, reason=reason, data=data)
        try:
            with transaction.atomic():
                r = CreditReview.objects.create(
                    loan=loan,
                    borrower_id=loan.borrower_id,
                    branch_id=loan.branch_id,
                    officer_id=loan.officer_id,
                    business_date=business_date,
                    due_on=due_on,
                    trigger=trigger,
                    classification=loan.classification,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            # Another transaction (the job, another event) opened a review first: it has
            # committed now, so the next look finds it and the event goes on it.
            if attempt == 2:
                raise
            continue
        audit_record(
            actor=actor,
            entity="credit_review",
            entity_id=r.pk,
            action="create",
            to_state=r.status,
            reason=reason,
            data=data,
        )
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
    audit_record(
        actor=actor,
        entity="credit_review",
        entity_id=r.pk,
        action="trigger",
        from_state=r.status,
        to_state=r.status,
        reason=reason,
        data={
            **data,
            "from_trigger": old_trigger,
            "old_due_on": old_due_on.isoformat(),
            "due_on": r.due_on.isoformat(),
        },
    )
    return r


@transaction.atomic
def credit_review_complete(*, actor: User, review: CreditReview, findings: str, recommendation: str) -> CreditReview:
    """The officer's review: findings, a recommendation, and the loan's classification and
    latest credit report as they stood (the next review is measured from them)."""
    r = CreditReview.objects.select_for_update(of=("self",)).select_related("loan").get(pk=review.pk)
    REVIEW_WORKFLOW.check(obj=r, action="complete", actor=actor)
    check_assignee(actor, r.officer_id, _("This review is assigned to another officer."))
    errors: dict[str, list[str]] = {}
    if not text(findings):
        errors["findings"] = [_("Write down what the review found.")]
    if recommendation not in ReviewRecommendation.values:
        errors["recommendation"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(ReviewRecommendation.values)}]
    if errors:
        raise InvalidInput(errors)
    r.findings, r.recommendation = findings.strip(), recommendation
    r.classification = r.loan.classification
    r.credit_record = CreditRecord.objects.filter(borrower_id=r.borrower_id).order_by("-as_of", "-id").first()
    r.completed_on, r.completed_by, r.completed_at = current_business_date(), actor, timezone.now()
    data = {
        "loan": r.loan_id,
        "recommendation": recommendation,
        "classification": r.classification,
        "credit_record": r.credit_record_id,
    }
    REVIEW_WORKFLOW.apply(
        obj=r,
        action="complete",
        actor=actor,
        reason=r.findings,
        data=data,
        extra_update_fields=[
            "findings",
            "recommendation",
            "classification",
            "credit_record",
            "completed_on",
            "completed_by",
            "completed_at",
        ],
    )
    # On the loan's own history too, where a manager deciding on the loan looks.
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=r.loan_id,
        action="credit_review",
        reason=r.findings,
        data={"review": r.pk, "recommendation": recommendation},
    )
    return r
