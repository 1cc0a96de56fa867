"""The anonymisation's part in customer service (``applications.services.register_eraser``,
from ``care.apps``): the borrowers' own words and what was written down about them — the
complaints' descriptions and resolutions, the feedback comments, the follow-up visits' and
credit reviews' notes. The rows stay (dates, categories, scores, statuses: the complaint
statistics and SLA reports read them). One UPDATE per table; no files."""

from ..models import Complaint, CreditReview, Feedback, FollowUpVisit


def care_erase(borrower_ids: list[int]) -> list[str]:
    Complaint.objects.filter(borrower_id__in=borrower_ids).update(description="", resolution="")
    Feedback.objects.filter(borrower_id__in=borrower_ids).update(comment="")
    FollowUpVisit.objects.filter(borrower_id__in=borrower_ids).update(findings="", note="")
    CreditReview.objects.filter(borrower_id__in=borrower_ids).update(findings="")
    return []
