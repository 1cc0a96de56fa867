"""Customer service's rules, one module per topic: complaints (filing, one service per move,
assignment), the SLA and business days, the borrower's messages, follow-up visits, credit
reviews, the daily job and satisfaction feedback. Views, the API, the Celery task and the
command call them from here."""

from .complaints import (
    COMPLAINT_ACTIONS,
    complaint_acknowledge,
    complaint_assign,
    complaint_available,
    complaint_close,
    complaint_escalate,
    complaint_file,
    complaint_investigate,
    complaint_reopen,
    complaint_resolve,
)
from .daily import care_daily, credit_reviews_create, post_disbursement_visits_create
from .feedback import feedback_submit
from .reviews import credit_review_complete, review_now
from .sla import ComplaintSla, add_business_days, complaint_deadlines, complaint_sla, is_business_day
from .visits import visit_available, visit_cancel, visit_complete, visit_schedule

__all__ = [
    "COMPLAINT_ACTIONS",
    "ComplaintSla",
    "add_business_days",
    "care_daily",
    "complaint_acknowledge",
    "complaint_assign",
    "complaint_available",
    "complaint_close",
    "complaint_deadlines",
    "complaint_escalate",
    "complaint_file",
    "complaint_investigate",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_sla",
    "credit_review_complete",
    "credit_reviews_create",
    "feedback_submit",
    "is_business_day",
    "post_disbursement_visits_create",
    "review_now",
    "visit_available",
    "visit_cancel",
    "visit_complete",
    "visit_schedule",
]
