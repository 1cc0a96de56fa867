"""Underwriting services: the credit records and the scorecard, the investigation, the
assessment, the review and the approval decision, one module each.

Each service takes the acting user, locks the application, checks the guarded transition
(its four-eyes rule included: applications/workflow.py) and the authority rules, and writes
the audit trail in the same transaction. Callers import from here."""

from .assessment import application_assess
from .credit import (
    CREDIT_FIELDS,
    CSV_COLUMNS,
    credit_record_create,
    credit_records_import,
    scorecard_active,
    scorecard_publish,
)
from .decision import DecisionResult, application_decide, authority_limit
from .drafts import scorecard_draft, scorecard_draft_propose, scorecard_draft_save
from .investigation import application_investigate
from .review import application_review
from .terms import Capacity, loan_fee, monthly_equivalent, offer_schedule, repayment_capacity

__all__ = [
    "CREDIT_FIELDS",
    "CSV_COLUMNS",
    "Capacity",
    "DecisionResult",
    "application_assess",
    "application_decide",
    "application_investigate",
    "application_review",
    "authority_limit",
    "credit_record_create",
    "credit_records_import",
    "loan_fee",
    "monthly_equivalent",
    "offer_schedule",
    "repayment_capacity",
    "scorecard_active",
    "scorecard_draft",
    "scorecard_draft_propose",
    "scorecard_draft_save",
    "scorecard_publish",
]
