"""Applications: the product's ranges, filing, the document checklist, submitting and
withdrawing."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.money import money
from microloan.models import Role
from microloan.permissions import require
from microloan.pii import PARTIES_REVEAL_ACTION, party_fields
from microloan.workflow import NEW

from .. import notices
from ..models import Application, Borrower, DocumentKind, DocumentStatus, Product
from ..workflow import APPLICATION_WORKFLOW
from .borrowers import admission_check


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


def check_owner(actor, application: Application) -> None:
    if actor.role == Role.BORROWER and application.borrower.user_id != actor.pk:
        raise NotAllowed(_("This application is not yours."))


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    app = application_lock(application)
    check_owner(actor, app)
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
    notices.borrower_notify(
        app.borrower,
        notices.SUBMITTED,
        key=f"application:{app.pk}:submitted:{app.submitted_at.isoformat()}",
        reference=f"application:{app.pk}",
        ref=app.pk,
        amount=app.amount,
    )
    return app


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    app = application_lock(application)
    check_owner(actor, app)
    APPLICATION_WORKFLOW.apply(obj=app, action="withdraw", actor=actor, reason=reason)
    return app


def application_reveal(*, actor, application: Application) -> dict[str, list]:
    """The application's guarantors and collateral in clear (every surface masks them,
    ``microloan.pii.mask_parties``), for the roles of ``application.reveal``; each reveal is an
    audit row naming who saw which application's parties and which keys — never the values.
    The application page's Reveal button and the API's reveal call this."""
    require(actor, PARTIES_REVEAL_ACTION)
    guarantors, collateral = list(application.guarantors or []), list(application.collateral or [])
    audit_record(
        actor=actor,
        entity="application",
        entity_id=application.pk,
        action="reveal",
        data={"guarantors": party_fields(guarantors), "collateral": party_fields(collateral)},
    )
    return {"guarantors": guarantors, "collateral": collateral}
