"""Intake services: the only code that writes borrowers, leads, applications and documents.
Views, API views, tasks and commands call these; they hold no business rules themselves."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.money import money
from microloan.models import Role
from microloan.scoping import require_role
from microloan.workflow import NEW

from .documents import admit_upload
from .models import (
    Application,
    ApplicationStatus,
    Borrower,
    Document,
    DocumentKind,
    DocumentStatus,
    Lead,
    Product,
)
from .residentid import ResidentIdError, age_on, parse_resident_id
from .workflow import APPLICATION_WORKFLOW, DOCUMENT_DECISIONS, DOCUMENT_WORKFLOW, LEAD_WORKFLOW

BORROWER_WRITERS = (Role.OFFICER, Role.MANAGER, Role.ADMIN)
BORROWER_FIELDS = (
    "full_name",
    "mobile",
    "email",
    "address",
    "segment",
    "employer",
    "occupation",
    "years_in_business",
    "monthly_income",
    "marital_status",
    "spouse_name",
    "spouse_id_number",
    "household_size",
    "existing_debts",
    "credit_disqualified",
    "language",
)


# --- borrowers -------------------------------------------------------------------------

NON_NEGATIVE_AMOUNTS = ("monthly_income", "existing_debts")


def borrower_clean(fields: dict) -> dict:
    """The borrower rules every caller meets (the officer's page, the API, a lead's
    conversion, the demo seed): the fields given, normalised, or InvalidInput naming every
    bad one. A mobile number is 7 to 15 digits, with an optional leading ``+``; spaces and
    dashes are dropped. Income and existing debts are not negative. A spouse's resident ID
    number is valid (GB 11643)."""
    cleaned, errors = dict(fields), {}
    if "mobile" in fields:
        digits = str(fields["mobile"] or "").replace(" ", "").replace("-", "")
        if not (digits.lstrip("+").isdigit() and 7 <= len(digits.lstrip("+")) <= 15 and digits.count("+") <= 1):
            errors["mobile"] = [_("Enter a phone number of 7 to 15 digits.")]
        cleaned["mobile"] = digits
    for name in NON_NEGATIVE_AMOUNTS:
        if fields.get(name) is None:
            continue
        try:
            amount = Decimal(str(fields[name]).strip())
        except ArithmeticError:
            errors[name] = [_("Enter an amount.")]
            continue
        if not amount.is_finite():
            errors[name] = [_("Enter an amount.")]
        elif amount < 0:
            errors[name] = [_("Must not be negative.")]
        else:
            cleaned[name] = amount
    spouse_id = fields.get("spouse_id_number")
    if spouse_id:
        try:
            parse_resident_id(spouse_id)
        except ResidentIdError as exc:
            errors["spouse_id_number"] = [str(exc)]
    if errors:
        raise InvalidInput(errors)
    return cleaned


@transaction.atomic
def borrower_create(*, actor, id_number: str, branch=None, **fields) -> Borrower:
    require_role(actor, BORROWER_WRITERS, _("register borrowers"))
    try:
        rid = parse_resident_id(id_number)
    except ResidentIdError as exc:
        raise InvalidInput({"id_number": [str(exc)]}) from None
    unknown = set(fields) - set(BORROWER_FIELDS)
    if unknown:
        raise InvalidInput({k: [_("Unknown field.")] for k in sorted(unknown)})
    fields = borrower_clean(fields)
    if Borrower.objects.filter(id_number=rid.number).exists():
        raise InvalidInput({"id_number": [_("A borrower with this ID number already exists.")]})
    borrower = Borrower(
        branch=branch or actor.branch,
        officer=actor,
        id_number=rid.number,
        date_of_birth=rid.date_of_birth,
        sex=rid.sex,
        **fields,
    )
    if borrower.branch_id is None:
        raise InvalidInput({"branch": [_("The borrower needs a branch.")]})
    try:
        with transaction.atomic():
            borrower.save()
    except IntegrityError:
        # Two officers registering the same person at once: the unique index decides.
        raise InvalidInput({"id_number": [_("A borrower with this ID number already exists.")]}) from None
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="create",
        data={"id_number": f"{rid.number[:6]}…{rid.number[-4:]}"},
    )
    return borrower


@transaction.atomic
def borrower_update(*, actor, borrower: Borrower, **fields) -> Borrower:
    require_role(actor, BORROWER_WRITERS, _("change borrowers"))
    unknown = set(fields) - set(BORROWER_FIELDS)
    if unknown:
        raise InvalidInput({k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    fields = borrower_clean(fields)
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    changed = {}
    for name, value in fields.items():
        old = getattr(borrower, name)
        if old != value:
            changed[name] = [str(old), str(value)]
            setattr(borrower, name, value)
    if not changed:
        return borrower
    borrower.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=actor, entity="borrower", entity_id=borrower.pk, action="update", data=changed)
    return borrower


@dataclass(frozen=True)
class AdmissionFailure:
    code: str
    message: str


def admission_check(*, borrower: Borrower, product: Product, on: date | None = None) -> list[AdmissionFailure]:
    """准入: every failed criterion with its reason; an empty list means admitted."""
    on = on or business_date()
    failures = []
    try:
        parse_resident_id(borrower.id_number, today=on)
    except ResidentIdError as exc:
        failures.append(AdmissionFailure("invalid_id", str(exc)))
    age = age_on(borrower.date_of_birth, on)
    if age < product.min_age:
        failures.append(
            AdmissionFailure(
                "too_young",
                _("Age %(age)d is below the product's minimum of %(min)d.") % {"age": age, "min": product.min_age},
            )
        )
    if age > product.max_age:
        failures.append(
            AdmissionFailure(
                "too_old",
                _("Age %(age)d is above the product's maximum of %(max)d.") % {"age": age, "max": product.max_age},
            )
        )
    if borrower.monthly_income <= 0:
        failures.append(AdmissionFailure("no_income", _("No stable monthly income is recorded.")))
    if borrower.credit_disqualified:
        failures.append(AdmissionFailure("credit_record", _("The credit record disqualifies new lending.")))
    return failures


# --- leads -----------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor, name: str, mobile: str, channel: str, **fields) -> Lead:
    lead = Lead(branch=actor.branch, officer=actor, name=name, mobile=mobile, channel=channel, **fields)
    LEAD_WORKFLOW.start(obj=lead, action="create", actor=actor)
    return lead


@transaction.atomic
def lead_convert(*, actor, lead: Lead, borrower_data: dict, application_data: dict | None = None):
    """Turns a prospect into a borrower (new, or the existing one with that ID number) and,
    when application data is given, a draft application. All or nothing."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD_WORKFLOW.check(obj=lead, action="convert", actor=actor)
    data = {"full_name": lead.name, "mobile": lead.mobile, **borrower_data}
    existing = Borrower.objects.filter(id_number=str(data.get("id_number", "")).strip().upper()).first()
    borrower = existing or borrower_create(actor=actor, branch=lead.branch, **data)
    application = None
    if application_data:
        application = application_create(actor=actor, borrower=borrower, **application_data)
    lead.borrower = borrower
    LEAD_WORKFLOW.apply(
        obj=lead,
        action="convert",
        actor=actor,
        extra_update_fields=["borrower"],
        data={"borrower": borrower.pk, "application": application.pk if application else None},
    )
    return borrower, application


# --- applications ----------------------------------------------------------------------


def validate_terms(
    *, product: Product, amount: Decimal, term: int, method: str, frequency: str, rate: Decimal | None = None
) -> dict[str, list[str]]:
    """The product's ranges, as field errors (shared with the quote and the approval)."""
    errors: dict[str, list[str]] = {}
    if not product.is_active:
        errors["product"] = [_("The product is not active.")]
    if amount is not None and not (product.min_amount <= amount <= product.max_amount):
        errors["amount"] = [
            _("The amount must be between %(min)s and %(max)s for this product.")
            % {"min": product.min_amount, "max": product.max_amount}
        ]
    if term is not None and not (product.min_term <= term <= product.max_term):
        errors["term"] = [
            _("The term must be between %(min)d and %(max)d periods for this product.")
            % {"min": product.min_term, "max": product.max_term}
        ]
    if method not in product.methods:
        errors["method"] = [
            _("The product does not offer the method '%(m)s'; it offers: %(all)s.")
            % {"m": method, "all": ", ".join(product.methods)}
        ]
    if frequency not in product.frequencies:
        errors["frequency"] = [
            _("The product does not offer the frequency '%(f)s'; it offers: %(all)s.")
            % {"f": frequency, "all": ", ".join(product.frequencies)}
        ]
    if rate is not None and not (product.min_rate <= rate <= product.max_rate):
        errors["rate"] = [
            _("The rate must be between %(min)s and %(max)s for this product.")
            % {"min": product.min_rate, "max": product.max_rate}
        ]
    return errors


@transaction.atomic
def application_create(
    *,
    actor,
    borrower: Borrower,
    product: Product,
    amount,
    term: int,
    method: str,
    frequency: str = "monthly",
    purpose: str,
    channel: str | None = None,
    guarantors: list | None = None,
    collateral: list | None = None,
) -> Application:
    APPLICATION_WORKFLOW.check(obj=Application(status=NEW), action="create", actor=actor)
    if actor.role == Role.BORROWER:
        if borrower.user_id != actor.pk:
            raise NotAllowed(_("Borrowers apply only for themselves."))
        channel = "mobile"
    amount = money(amount)
    errors = validate_terms(product=product, amount=amount, term=term, method=method, frequency=frequency)
    channel = channel or "branch"
    if product.channels and channel not in product.channels:
        errors["channel"] = [_("The product is not sold through the channel '%(c)s'.") % {"c": channel}]
    if not str(purpose or "").strip():
        errors["purpose"] = [_("The purpose is required.")]
    if product.guarantee_type == "guarantor" and not guarantors:
        errors["guarantors"] = [_("This product requires at least one guarantor.")]
    if product.guarantee_type in ("collateral", "pledge") and not collateral:
        errors["collateral"] = [_("This product requires collateral or a pledge.")]
    if errors:
        raise InvalidInput(errors)
    failures = admission_check(borrower=borrower, product=product)
    if failures:
        raise InvalidInput({"borrower": [f.message for f in failures]})
    app = Application(
        branch=borrower.branch,
        borrower=borrower,
        product=product,
        created_by=actor,
        officer=actor if actor.role != Role.BORROWER else borrower.officer,
        amount=amount,
        term=term,
        method=method,
        frequency=frequency,
        purpose=purpose.strip(),
        channel=channel,
        guarantors=guarantors or [],
        collateral=collateral or [],
    )
    APPLICATION_WORKFLOW.start(
        obj=app, action="create", actor=actor, data={"amount": str(amount), "term": term, "product": product.code}
    )
    return app


def document_checklist(*, application: Application, documents=None) -> list[dict]:
    """Per required kind: the best document we have for it and whether the kind is covered.
    Pass ``documents`` when they are already loaded, to avoid a query."""
    docs = list(application.documents.all()) if documents is None else documents
    rank: dict[str, int] = {DocumentStatus.ACCEPTED: 0, DocumentStatus.PENDING: 1, DocumentStatus.REJECTED: 2}
    rows = []
    for kind in application.product.required_documents:
        mine = sorted((d for d in docs if d.kind == kind), key=lambda d: rank[d.status])
        best = mine[0].status if mine else None
        rows.append(
            {
                "kind": kind,
                "label": DocumentKind(kind).label if kind in DocumentKind.values else kind,
                "status": best or "missing",
                "covered": best in (DocumentStatus.ACCEPTED, DocumentStatus.PENDING),
            }
        )
    return rows


def application_lock(application: Application) -> Application:
    """Locks the application row (only it) for a transition, with what transitions read."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("product", "borrower", "branch")
        .get(pk=application.pk)
    )


def _check_owner(actor, application: Application) -> None:
    if actor.role == Role.BORROWER and application.borrower.user_id != actor.pk:
        raise NotAllowed(_("This application is not yours."))


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    app = application_lock(application)
    _check_owner(actor, app)
    APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=actor)
    missing = [row["kind"] for row in document_checklist(application=app) if not row["covered"]]
    if missing:
        raise InvalidInput(
            {"documents": [_("Required documents are missing: %(kinds)s.") % {"kinds": ", ".join(missing)}]}
        )
    failures = admission_check(borrower=app.borrower, product=app.product)
    if failures:
        raise InvalidInput({"borrower": [f.message for f in failures]})
    app.submitted_at = timezone.now()
    APPLICATION_WORKFLOW.apply(obj=app, action="submit", actor=actor, extra_update_fields=["submitted_at"])
    return app


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    app = application_lock(application)
    _check_owner(actor, app)
    APPLICATION_WORKFLOW.apply(obj=app, action="withdraw", actor=actor, reason=reason)
    return app


# --- documents -------------------------------------------------------------------------

DOCUMENT_OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.RETURNED,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
)


def document_upload_open(*, actor, application: Application) -> bool:
    """Whether ``actor`` may upload a document to ``application`` now (the page's form)."""
    return application.status in DOCUMENT_OPEN_STATUSES and bool(
        DOCUMENT_WORKFLOW.available(obj=Document(status=NEW), actor=actor)
    )


@transaction.atomic
def document_upload(*, actor, application: Application, kind: str, file) -> Document:
    app = application_lock(application)
    _check_owner(actor, app)
    DOCUMENT_WORKFLOW.check(obj=Document(status=NEW), action="upload", actor=actor)
    if app.status not in DOCUMENT_OPEN_STATUSES:
        from microloan.errors import TransitionNotAllowed

        raise TransitionNotAllowed(entity="application", action="upload a document", status=app.status)
    content_type, size, sha = admit_upload(actor=actor, application=app, file=file)
    doc = Document(
        application=app,
        kind=kind,
        content_type=content_type,
        size=size,
        sha256=sha,
        original_name=(getattr(file, "name", "") or "")[:255],
        uploaded_by=actor,
    )
    doc.file.save("upload", file, save=False)
    DOCUMENT_WORKFLOW.start(
        obj=doc, action="upload", actor=actor, data={"application": app.pk, "kind": kind, "sha256": sha, "size": size}
    )
    return doc


@transaction.atomic
def document_review(*, actor, document: Document, decision: str, reason: str = "") -> Document:
    """Accepts or rejects a document (roles and the rejection's reason: the document's
    table). Recording the same decision with the same reason again changes nothing."""
    doc = Document.objects.select_for_update().get(pk=document.pk)
    action = DOCUMENT_DECISIONS.get(decision)
    if action is None:
        raise InvalidInput({"decision": [_("Choose 'accepted' or 'rejected'.")]})
    if doc.status == decision and doc.review_reason == (reason or ""):
        # The same decision again changes nothing, once the actor may make it at all (the
        # table's checks, as if the document still waited for review).
        DOCUMENT_WORKFLOW.check(
            obj=Document(pk=doc.pk, status=DocumentStatus.PENDING), action=action, actor=actor, reason=reason
        )
        return doc
    doc.review_reason = reason or ""
    doc.reviewed_by, doc.reviewed_at = actor, timezone.now()
    DOCUMENT_WORKFLOW.apply(
        obj=doc,
        action=action,
        actor=actor,
        reason=reason or "",
        extra_update_fields=["review_reason", "reviewed_by", "reviewed_at"],
    )
    return doc
