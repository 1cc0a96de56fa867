"""Intake services: the only code that writes borrowers, leads, applications and documents.
Views, API views, tasks and commands call these; they hold no business rules themselves.

One module per topic; the names callers use are exported here, so
``from applications.services import x`` and ``services.x`` keep working."""

from .anonymise import anonymisable, applicants_anonymise, register_eraser
from .applications import (
    application_create,
    application_lock,
    application_reveal,
    application_submit,
    application_withdraw,
    check_owner,
    document_checklist,
    validate_terms,
)
from .borrowers import (
    BORROWER_DETAILS,
    BORROWER_FIELDS,
    NON_NEGATIVE_AMOUNTS,
    AdmissionFailure,
    admission_check,
    borrower_clean,
    borrower_create,
    borrower_reveal,
    borrower_update,
)
from .consents import consent_record, consent_revoke, credit_inquiry_refusal, credit_inquiry_refusals
from .documents import DOCUMENT_OPEN_STATUSES, document_review, document_upload, document_upload_open
from .leads import lead_convert, lead_create
from .privacy import borrower_export

__all__ = [
    "BORROWER_DETAILS",
    "BORROWER_FIELDS",
    "DOCUMENT_OPEN_STATUSES",
    "NON_NEGATIVE_AMOUNTS",
    "AdmissionFailure",
    "admission_check",
    "anonymisable",
    "applicants_anonymise",
    "application_create",
    "application_lock",
    "application_submit",
    "application_reveal",
    "application_withdraw",
    "borrower_clean",
    "borrower_create",
    "borrower_export",
    "borrower_reveal",
    "borrower_update",
    "check_owner",
    "consent_record",
    "consent_revoke",
    "credit_inquiry_refusal",
    "credit_inquiry_refusals",
    "document_checklist",
    "document_review",
    "document_upload",
    "document_upload_open",
    "lead_convert",
    "lead_create",
    "register_eraser",
    "validate_terms",
]
