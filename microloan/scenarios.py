"""Scenarios: an application or a loan taken to a given point of its life through the real
services (their rules, audit rows, journal entries and messages), never by writing rows.

Shared by the demo seed (``manage.py seed_demo``) and the tests' fixtures and factories, so
that both build the same things the same way. Like the demo seed and ``urls.py`` this is the
project's wiring layer: it may import every app; no app may import it.

Every step names its acting users and, where the product dates something (the field visit,
the disbursement, a payment), takes the business date ``on`` explicitly. Each function
starts from where the application is and walks only the steps still missing, so
``loan_disbursed`` takes a draft as well as an approved application."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from applications import services as intake
from applications.models import Application, ApplicationStatus, Borrower, Consent, ConsentPurpose, Product
from microloan.business_date import business_date
from microloan.lending.money import money
from microloan.models import User
from servicing import services as sv
from servicing.disbursement import approval_conditions, disbursement_prepare, disbursement_release
from servicing.models import Loan, Repayment
from servicing.repayments import repayment_post
from underwriting import services as uw

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FINDINGS = "经营场所真实，存货与流水相符 / premises and stock verified"
REVIEW_COMMENT = "资料齐全，建议通过"
DEMO_ACCOUNT = "6222020200112233445"  # the beneficiary account of the demo's transfers

S = ApplicationStatus
# The way to a loan; a step runs when the application stands before it. A returned
# application stands where a draft does (it is submitted again); rejected and withdrawn
# ones are off the way: no scenario walks them on.
_ORDER = [
    S.DRAFT,
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.PENDING_APPROVAL,
    S.APPROVED,
    S.CONTRACTED,
    S.PENDING_RELEASE,
    S.DISBURSED,
]
_AS = {S.RETURNED: S.DRAFT}


def _before(app: Application, status: str) -> bool:
    """Whether ``app`` (as stored now: the caller's copy may be stale) stands before ``status``."""
    app.refresh_from_db(fields=["status"])
    current = _AS.get(S(app.status), S(app.status))
    if current not in _ORDER:
        raise ValueError(f"application {app.pk} is {app.status}: no scenario takes it further")
    return _ORDER.index(current) < _ORDER.index(S(status))


def _fresh(app: Application) -> Application:
    app.refresh_from_db()
    return app


def application_draft(
    *,
    officer: User,
    borrower: Borrower,
    product: Product,
    amount: Decimal | str,
    term: int,
    method: str = "annuity",
    frequency: str = "monthly",
    purpose: str = "经营周转 / working capital",
) -> Application:
    """A new application (draft), opened by ``officer``."""
    return intake.application_create(
        actor=officer,
        borrower=borrower,
        product=product,
        amount=Decimal(amount),
        term=term,
        method=method,
        frequency=frequency,
        purpose=purpose,
    )


def application_submitted(application: Application, *, officer: User, reviewer: User | None = None) -> Application:
    """Draft → submitted: ``officer`` uploads each required document and submits; ``reviewer``,
    when given, accepts the documents first (without one they stay pending). A returned
    application is submitted again with the documents it has."""
    app = application
    if not _before(app, S.SUBMITTED):
        return app
    if app.status == S.RETURNED:
        intake.application_submit(actor=officer, application=app)
        return _fresh(app)
    for kind in app.product.required_documents:
        doc = intake.document_upload(
            actor=officer, application=app, kind=kind, file=ContentFile(PDF, name=f"{kind}.pdf")
        )
        if reviewer is not None:
            intake.document_review(actor=reviewer, document=doc, decision="accepted")
    intake.application_submit(actor=officer, application=app)
    return _fresh(app)


def consent_recorded(
    borrower: Borrower,
    *,
    officer: User,
    on: date,
    purposes: tuple[str, ...] = (ConsentPurpose.CREDIT_INQUIRY, ConsentPurpose.DATA_PROCESSING),
) -> list[Consent]:
    """The borrower's signed consents (授权书) for ``purposes``, recorded by ``officer`` as
    granted on ``on`` (or today's business date, when ``on`` is later): what a credit record
    needs first. A purpose with a consent already in force on that date is not recorded again."""
    granted_on = min(on, business_date())
    out = []
    for purpose in purposes:
        held = Consent.objects.filter(borrower=borrower).valid_on(granted_on, purpose).first()
        out.append(
            held
            or intake.consent_record(
                actor=officer,
                borrower=borrower,
                purpose=purpose,
                granted_on=granted_on,
                file=ContentFile(PDF, name=f"consent-{purpose}.pdf"),
            )
        )
    return out


def application_withdrawn(
    application: Application, *, officer: User, reason: str = "客户撤回 / borrower withdrew"
) -> Application:
    """Submitted (documents pending) → withdrawn by ``officer``."""
    app = application_submitted(application, officer=officer)
    intake.application_withdraw(actor=officer, application=app, reason=reason)
    return _fresh(app)


def assessment_from_income(borrower: Borrower) -> dict[str, Any]:
    """The demo's credit assessment: expenses 30 % of the income, no other debt, a clean record."""
    income = borrower.monthly_income
    return dict(
        monthly_income=income,
        monthly_expenses=money(income * Decimal("0.3")),
        existing_installments=Decimal("0"),
        overdue_count_24m=0,
        worst_status_24m="none",
        current_debt=Decimal("0"),
        inquiries_6m=1,
    )


def application_under_review(
    application: Application,
    *,
    officer: User,
    reviewer: User | None,
    on: date,
    investigation: Mapping[str, Any] | None = None,
    assessment: Mapping[str, Any] | None = None,
) -> Application:
    """→ under review: submitted if need be, the field visit on ``on`` and the credit assessment
    (``assessment``'s figures, by default :func:`assessment_from_income`), both by ``officer``."""
    app = application_submitted(application, officer=officer, reviewer=reviewer)
    if not _before(app, S.UNDER_REVIEW):
        return app
    visit = {"visited_on": on, "findings": FINDINGS, "purpose_verified": True, **(investigation or {})}
    uw.application_investigate(actor=officer, application=app, **visit)
    consent_recorded(app.borrower, officer=officer, on=on)
    figures = assessment if assessment is not None else assessment_from_income(app.borrower)
    uw.application_assess(actor=officer, application=app, **figures)
    return _fresh(app)


def application_pending(
    application: Application,
    *,
    officer: User,
    reviewer: User,
    on: date,
    investigation: Mapping[str, Any] | None = None,
    assessment: Mapping[str, Any] | None = None,
    comment: str = REVIEW_COMMENT,
) -> Application:
    """→ pending approval: under review, then ``reviewer`` recommends it."""
    app = application_under_review(
        application, officer=officer, reviewer=reviewer, on=on, investigation=investigation, assessment=assessment
    )
    if _before(app, S.PENDING_APPROVAL):
        uw.application_review(actor=reviewer, application=app, opinion="recommend", comment=comment)
    return _fresh(app)


def application_decided(
    application: Application,
    *,
    officer: User,
    reviewer: User,
    approver: User,
    on: date,
    decision: str,
    investigation: Mapping[str, Any] | None = None,
    assessment: Mapping[str, Any] | None = None,
    **terms: Any,
) -> Application:
    """→ decided: pending approval, then ``approver`` decides (``approve``, ``reject`` or
    ``return``; ``terms``: approved amount/term/rate, reason code, comment)."""
    app = application_pending(
        application, officer=officer, reviewer=reviewer, on=on, investigation=investigation, assessment=assessment
    )
    uw.application_decide(actor=approver, application=app, decision=decision, **terms)
    return _fresh(app)


def application_approved(
    application: Application,
    *,
    officer: User,
    reviewer: User,
    approver: User,
    on: date,
    investigation: Mapping[str, Any] | None = None,
    assessment: Mapping[str, Any] | None = None,
    **terms: Any,
) -> Application:
    """→ approved by ``approver`` (on the recommended terms unless ``terms`` give others)."""
    app = application
    if _before(app, S.APPROVED):
        app = application_decided(
            app,
            officer=officer,
            reviewer=reviewer,
            approver=approver,
            on=on,
            decision="approve",
            investigation=investigation,
            assessment=assessment,
            **terms,
        )
    return app


def application_contracted(
    application: Application, *, officer: User, reviewer: User, approver: User, on: date, **terms: Any
) -> Application:
    """→ contracted: approved, then ``officer`` generates the contract and has it signed."""
    app = application_approved(application, officer=officer, reviewer=reviewer, approver=approver, on=on, **terms)
    if _before(app, S.CONTRACTED):
        sv.contract_generate(actor=officer, application=app)
        sv.contract_sign(actor=officer, application=app)
    return _fresh(app)


def disbursement_prepared(
    application: Application,
    *,
    officer: User,
    reviewer: User,
    approver: User,
    on: date,
    channel: str = "bank_transfer",
    reference: str = "",
    beneficiary_account: str = DEMO_ACCOUNT,
    **terms: Any,
) -> Application:
    """→ pending release: contracted, then ``officer`` prepares the disbursement dated ``on``,
    recording each of the approval's conditions met with the application's first accepted
    document."""
    app = application_contracted(application, officer=officer, reviewer=reviewer, approver=approver, on=on, **terms)
    if _before(app, S.PENDING_RELEASE):
        conditions = approval_conditions(app)
        doc = app.documents.filter(status="accepted").order_by("id").first() if conditions else None
        if conditions and doc is None:
            raise ValueError(f"application {app.pk} has conditions but no accepted document to show them met")
        met = [{"number": n, "document": doc.pk} for n in range(1, len(conditions) + 1)] if doc else []
        disbursement_prepare(
            actor=officer,
            application=app,
            disbursed_on=on,
            channel=channel,
            reference=reference,
            beneficiary_account="" if channel == "cash" else beneficiary_account,
            conditions_met=met,
        )
    return _fresh(app)


def loan_disbursed(
    application: Application,
    *,
    officer: User,
    reviewer: User,
    approver: User,
    releaser: User,
    on: date,
    channel: str = "bank_transfer",
    reference: str = "",
    **terms: Any,
) -> Loan:
    """The loan: the disbursement prepared by ``officer`` on ``on`` (``reference``: the bank
    transfer's), then released by ``releaser`` (an operations supervisor or a manager: four
    eyes)."""
    app = disbursement_prepared(
        application,
        officer=officer,
        reviewer=reviewer,
        approver=approver,
        on=on,
        channel=channel,
        reference=reference,
        **terms,
    )
    return disbursement_release(actor=releaser, disbursement=app.disbursements.get(status="pending_release"))


def repayment_made(
    loan: Loan, *, cashier: User, amount: Decimal | str, on: date, channel: str = "cash", reference: str = ""
) -> Repayment:
    """A repayment of ``amount`` on ``loan``, posted by ``cashier`` and dated ``on``."""
    return repayment_post(
        actor=cashier, loan=loan, amount=Decimal(amount), paid_on=on, channel=channel, reference=reference
    )
