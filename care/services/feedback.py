"""Satisfaction feedback (满意度): a borrower's score, once per subject."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.business_date import business_date as current_business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import Role, User

from ..models import Complaint, ComplaintStatus, Feedback, FollowUpVisit, VisitStatus
from .common import text


@transaction.atomic
def feedback_submit(
    *,
    actor: User,
    score: int,
    comment: str = "",
    complaint: Complaint | None = None,
    visit: FollowUpVisit | None = None,
) -> Feedback:
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
        if complaint.status not in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED):
            raise TransitionNotAllowed(
                entity="complaint",
                action="feedback",
                status=complaint.status,
                message=_("A complaint is rated once it is resolved."),
            )
        key, field = f"complaint:{complaint.pk}", "complaint"
    elif visit is not None:
        if visit.status != VisitStatus.DONE:
            raise TransitionNotAllowed(
                entity="follow_up_visit",
                action="feedback",
                status=visit.status,
                message=_("A visit is rated once it has taken place."),
            )
        key, field = f"visit:{visit.pk}", "visit"
    else:
        key, field = f"general:{borrower.pk}:{today:%Y-%m}", "non_field_errors"
    try:
        with transaction.atomic():
            f = Feedback.objects.create(
                borrower=borrower,
                branch=borrower.branch,
                complaint=complaint,
                visit=visit,
                subject_key=key,
                score=score,
                comment=text(comment),
                business_date=today,
            )
    except IntegrityError:
        message = (
            _("You have already rated this.")
            if field != "non_field_errors"
            else _("You have already given general feedback this month.")
        )
        raise InvalidInput({field: [message]}) from None
    audit_record(actor=actor, entity="feedback", entity_id=f.pk, action="submit", data={"subject": key, "score": score})
    return f
