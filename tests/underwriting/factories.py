"""factory_boy factories of underwriting's records, and the builders of an application ready
for underwriting (submitted, its documents accepted) and one taken to the approval queue
through the services (microloan.scenarios).

The figures are typed, as the services take them; ``api_body`` writes them as a request body."""

from datetime import date
from decimal import Decimal

import factory

from applications.models import DocumentStatus
from microloan import scenarios
from microloan.audit import audit_record
from microloan.models import Role
from underwriting import services as uw
from underwriting.models import CreditRecord

from ..applications.factories import ApplicationFactory, BorrowerFactory, DocumentFactory
from ..kernel.factories import UserFactory

BUSINESS_DATE = date(2026, 11, 20)  # the underwriting and servicing fixtures' business date
CONSENTED_ON = date(2026, 9, 1)  # the borrowers' consents (授权书): before any credit record's date

# The field visit and the credit assessment that take an application to the approval queue.
VISIT = {"visited_on": date(2026, 11, 18), "findings": "Shop open, stock matches", "purpose_verified": True}
FIGURES = {
    "monthly_income": Decimal("8000.00"),
    "monthly_expenses": Decimal("3000.00"),
    "existing_installments": Decimal("2000.00"),
    "overdue_count_24m": 0,
    "worst_status_24m": "none",
    "inquiries_6m": 4,
    "current_debt": Decimal("0.00"),
}


def api_body(figures: dict) -> dict:
    """``figures`` as a JSON request body: dates in ISO 8601, amounts as strings."""
    return {
        k: v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v for k, v in figures.items()
    }


class ReviewerFactory(UserFactory):
    role = Role.REVIEWER


class ApproverFactory(UserFactory):
    role = Role.MANAGER
    approval_limit = Decimal("50000.00")


class CreditRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditRecord

    borrower = factory.SubFactory(BorrowerFactory)
    as_of = BUSINESS_DATE
    created_by = factory.SubFactory(UserFactory, branch=factory.SelfAttribute("..borrower.branch"))


def submitted_app(officer, product, *, amount="10000.00", borrower=None, **borrower_kw):
    """A submitted application of ``officer``'s with every required document accepted (rows),
    its borrower's consents on file (scenarios.consent_recorded, CONSENTED_ON) and its audit
    trail: ``officer`` created and submitted it (four eyes read the trail)."""
    borrower = borrower or BorrowerFactory(
        **{
            "branch": officer.branch,
            "segment": "salaried",
            "years_in_business": 4,
            "monthly_income": Decimal("8000.00"),
            **borrower_kw,
        }
    )
    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    app = ApplicationFactory(
        borrower=borrower, product=product, created_by=officer, amount=Decimal(amount), term=12, status="submitted"
    )
    for kind in product.required_documents:
        DocumentFactory(application=app, kind=kind, status=DocumentStatus.ACCEPTED)
    for action, source, target in (("create", "", "draft"), ("submit", "draft", "submitted")):
        audit_record(
            actor=officer, entity="application", entity_id=app.pk, action=action, from_state=source, to_state=target
        )
    return app


def to_pending(app, officer, reviewer, *, on=BUSINESS_DATE):
    """``app`` through investigation, assessment and the reviewer's
    recommendation to pending approval, by the services (VISIT, FIGURES)."""
    app = scenarios.application_pending(
        app, officer=officer, reviewer=reviewer, on=on, investigation=VISIT, assessment=FIGURES
    )
    assert app.status == "pending_approval"
    return app


# The steps whose actor may not decide the application (four eyes, applications/workflow.py).
FOUR_EYES_STEPS = ("create", "investigate", "assess", "review")


def pending_where(step: str, suspect, *, officer, reviewer, product):
    """Pending approval, with ``suspect`` (a manager) having taken ``step`` and ``officer`` /
    ``reviewer`` the others, by the services. Only reviewers review, so for ``review`` the
    suspect is a reviewer for that step and a manager again after."""
    app = submitted_app(suspect if step == "create" else officer, product)
    uw.application_investigate(actor=suspect if step == "investigate" else officer, application=app, **VISIT)
    uw.application_assess(actor=suspect if step == "assess" else officer, application=app, **FIGURES)
    if step == "review":
        suspect.role = Role.REVIEWER
        suspect.save(update_fields=["role"])
    uw.application_review(actor=suspect if step == "review" else reviewer, application=app, opinion="recommend")
    if step == "review":
        suspect.role = Role.MANAGER
        suspect.save(update_fields=["role"])
    app.refresh_from_db()
    assert app.status == "pending_approval"
    return app
