"""Reads for customer service, scoped like everything else: staff see their branch tree, a
borrower only their own complaints, visits and feedback."""

from datetime import date, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from microloan.models import Role, User
from microloan.policy import policy
from microloan.scoping import branch_q

from .models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintStatus,
    CreditReview,
    Feedback,
    FollowUpVisit,
    ReviewStatus,
    VisitStatus,
)
from .workflow import HANDLERS


def complaint_list(*, user) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("borrower", "branch", "handler", "loan")
    if user.role == Role.BORROWER:
        return qs.filter(borrower__user=user).annotate(rated=Exists(Feedback.objects.filter(complaint=OuterRef("pk"))))
    return qs.filter(branch_q(user))


def visit_list(*, user) -> QuerySet[FollowUpVisit]:
    qs = FollowUpVisit.objects.select_related("borrower", "loan", "complaint", "officer", "branch")
    if user.role == Role.BORROWER:
        return qs.filter(borrower__user=user)
    return qs.filter(branch_q(user))


def review_list(*, user) -> QuerySet[CreditReview]:
    if user.role == Role.BORROWER:
        return CreditReview.objects.none()  # an internal assessment, not the borrower's to read
    return CreditReview.objects.select_related("loan__product", "borrower", "officer", "branch").filter(branch_q(user))


def feedback_list(*, user) -> QuerySet[Feedback]:
    qs = Feedback.objects.select_related("borrower", "complaint", "visit")
    if user.role == Role.BORROWER:
        return qs.filter(borrower__user=user)
    return qs.filter(branch_q(user))


def feedback_summary(*, user, since: date | None = None) -> dict:
    """Count and average score, overall and per subject, in one query."""
    qs = feedback_list(user=user)
    if since is not None:
        qs = qs.filter(business_date__gte=since)
    subjects = {
        "complaint": Q(complaint__isnull=False),
        "visit": Q(visit__isnull=False),
        "general": Q(complaint__isnull=True, visit__isnull=True),
    }
    aggregates = {"count": Count("id"), "average": Avg("score")}
    for name, cond in subjects.items():
        aggregates[f"{name}_count"] = Count("id", filter=cond)
        aggregates[f"{name}_average"] = Avg("score", filter=cond)
    row = qs.order_by().aggregate(**aggregates)

    def avg(v):
        return None if v is None else round(float(v), 2)

    return {
        "count": row["count"],
        "average": avg(row["average"]),
        "by_subject": {
            name: {"count": row[f"{name}_count"], "average": avg(row[f"{name}_average"])} for name in subjects
        },
    }


def handlers_for(*, branch) -> QuerySet[User]:
    """Who may handle a case of ``branch``: active officers and managers of it or above it."""
    parts = [p for p in branch.path.split("/") if p]
    prefixes = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return User.objects.filter(is_active=True, role__in=HANDLERS, branch__path__in=prefixes).order_by("username")


# --- the worklist ----------------------------------------------------------------------------


def worklist_complaints(*, user) -> QuerySet[Complaint]:
    """Open complaints and resolved ones waiting to be closed, the nearest deadline first."""
    return (
        complaint_list(user=user)
        .filter(status__in=[*OPEN_COMPLAINT_STATUSES, ComplaintStatus.RESOLVED])
        .order_by("resolve_due_on", "ack_due_on", "id")
    )


def worklist_visits(*, user, today: date) -> QuerySet[FollowUpVisit]:
    """Scheduled visits that are overdue or fall due soon."""
    soon = today + timedelta(days=policy().care.due_soon_days)
    return (
        visit_list(user=user)
        .filter(status=VisitStatus.SCHEDULED, scheduled_on__lte=soon)
        .order_by("scheduled_on", "id")
    )


def worklist_reviews(*, user) -> QuerySet[CreditReview]:
    """Every open review task (each is work already due to start), the earliest due first."""
    return review_list(user=user).filter(status=ReviewStatus.OPEN).order_by("due_on", "id")


def borrower_export_complaints(borrower) -> list[dict]:
    """The borrower's complaints for their data export (applications.export), in one query."""
    from applications.export import columns, rows

    return rows(
        Complaint.objects.filter(borrower=borrower).order_by("id"),
        columns(Complaint, exclude=["handler", "filed_by", "branch"]),
    )
