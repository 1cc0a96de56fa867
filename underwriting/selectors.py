"""Reads for underwriting: the approval queue, the reviewer's worklist, one case in full."""

from datetime import timedelta

from django.db.models import F, QuerySet
from django.utils import timezone

from applications.models import Application, ApplicationStatus
from applications.selectors import application_list
from microloan.policy import policy

SORT_FIELDS = {
    "age": ["pending_since", "id"],
    "-amount": ["-amount", "id"],
    "amount": ["amount", "id"],
    "grade": ["grade", "-score", "id"],
    "-score": [F("score").desc(nulls_last=True), "id"],
}


def approval_queue(
    *, user, product=None, grade="", min_amount=None, max_amount=None, min_age_days=None, sort="age"
) -> QuerySet[Application]:
    qs = application_list(user=user).filter(status=ApplicationStatus.PENDING_APPROVAL).prefetch_related(None)
    if product:
        qs = qs.filter(product=product)
    if grade:
        qs = qs.filter(grade=grade)
    if min_amount is not None:
        qs = qs.filter(amount__gte=min_amount)
    if max_amount is not None:
        qs = qs.filter(amount__lte=max_amount)
    if min_age_days:
        qs = qs.filter(pending_since__lte=timezone.now() - timedelta(days=min_age_days))
    return qs.order_by(*SORT_FIELDS.get(sort or "age", SORT_FIELDS["age"]))


def review_worklist(*, user) -> QuerySet[Application]:
    return (
        application_list(user=user)
        .prefetch_related(None)
        .filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW])
        .order_by("submitted_at", "id")
    )


def sla_deadline_passed(app, now=None) -> bool:
    if not app.pending_since:
        return False
    return (now or timezone.now()) - app.pending_since > timedelta(hours=policy().underwriting.approval_sla_hours)


def case_file(*, app: Application) -> dict:
    """Everything about one case, in a fixed number of queries."""
    from microloan.audit import audit_history

    from .models import Investigation

    return {
        "investigation": Investigation.objects.filter(application=app).select_related("investigator").first(),
        "assessment": app.assessments.select_related("scorecard", "credit_record").order_by("-id").first(),
        "reviews": list(app.reviews.select_related("reviewer").order_by("-id")),
        "decisions": list(app.decisions.select_related("approver").order_by("id")),
        "documents": list(app.documents.all()),
        "history": list(audit_history(entity="application", entity_id=app.pk)),
    }


def borrower_export_credit_records(borrower) -> list[dict]:
    """The borrower's credit records for their data export (applications.export), in one query."""
    from applications.export import columns, rows

    from .models import CreditRecord

    return rows(
        CreditRecord.objects.filter(borrower=borrower).order_by("id"), columns(CreditRecord, exclude=["created_by"])
    )
