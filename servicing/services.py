"""Servicing services: quotes, contracts and signing (disbursement: servicing.disbursement).

One schedule engine (microloan.lending.schedule) serves the quote, the contract and the loan, so the
three can never disagree about a cent."""

import hashlib
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import notices
from applications.models import Application, Product
from applications.services import application_lock, check_owner, validate_terms
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.lending.errors import ScheduleError
from microloan.lending.schedule import Schedule, build_schedule
from underwriting.services import loan_fee

from .calendar import due_date_roller
from .models import Contract
from .pdf import ContractData, Party, render_contract_pdf

PENALTY_FACTOR = Decimal("1.5")


def penalty_rate_for(product: Product, annual_rate: Decimal) -> Decimal:
    """The product's penalty rate, or by default the contract rate × 1.5 (PRODUCT.md)."""
    return product.penalty_rate if product.penalty_rate is not None else (annual_rate * PENALTY_FACTOR)


# --- quote -----------------------------------------------------------------------------


def quote(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term: int,
    frequency: str,
    method: str,
    disbursement_date: date | None = None,
    fee: Decimal = Decimal("0"),
    grace_periods: int = 0,
    product: Product | None = None,
    roll=None,
) -> Schedule:
    """A schedule and its APR before any loan exists (the calculator and the offer)."""
    if product is not None:
        errors = validate_terms(
            product=product, amount=principal, term=term, method=method, frequency=frequency, rate=annual_rate
        )
        errors = {{"amount": "principal", "rate": "annual_rate"}.get(k, k): v for k, v in errors.items()}
        if errors:
            raise InvalidInput(errors)
    try:
        return build_schedule(
            principal=principal,
            annual_rate=annual_rate,
            term=term,
            frequency=frequency,
            method=method,
            disbursement_date=disbursement_date or business_date(),
            fee=fee,
            grace_periods=grace_periods,
            roll=roll,
        )
    except ScheduleError as exc:
        raise InvalidInput({exc.field: [exc.message]}) from None
    except (ValueError, OverflowError):
        # Dates at the edge of the calendar (year 9999) cannot carry a schedule.
        raise InvalidInput({"disbursement_date": [_("The schedule would run past the year 9999.")]}) from None


# --- contract --------------------------------------------------------------------------


def approved_terms(app: Application) -> dict:
    amount = app.approved_amount or app.amount
    rate = app.approved_rate
    return {
        "principal": amount,
        "annual_rate": rate,
        "term": app.approved_term or app.term,
        "frequency": app.frequency,
        "method": app.method,
        "fee": loan_fee(app.product, amount),
        # The approval's interest-only periods, else the product's (point 6: the loan gets them).
        "grace_periods": app.approved_grace_periods
        if app.approved_grace_periods is not None
        else app.product.grace_periods,
    }


def loan_schedule(app: Application, terms: dict, on: date) -> Schedule:
    """The schedule of the approved terms from ``on``: the contract's and the loan's, due
    dates moved to the next working day of the branch's region when the product says so."""
    roll = due_date_roller(
        product=app.product, region=app.branch.region, start=on, term=terms["term"], frequency=terms["frequency"]
    )
    return quote(**terms, disbursement_date=on, roll=roll)


def lender_party() -> Party:
    """The lending institution as contracts, receipts and statements name it (settings.LENDER)."""
    lender = settings.LENDER
    return Party(name=lender["name"], id_number=lender["code"], address=lender["address"], phone=lender["phone"])


@transaction.atomic
def contract_generate(*, actor, application, language: str | None = None) -> Contract:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="contract", actor=actor)
    language = language or app.borrower.language or "zh-hans"
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput({"language": [_("Choose zh-hans or en.")]})
    terms = approved_terms(app)
    schedule = loan_schedule(app, terms, business_date())
    latest = app.contracts.order_by("-version").first()
    version = (latest.version + 1) if latest else 1
    number = f"ML{app.created_at:%Y}{app.pk:08d}"
    b = app.borrower
    data = ContractData(
        contract_number=number,
        lender=lender_party(),
        borrower=Party(name=b.full_name, id_number=b.id_number, address=b.address, phone=b.mobile),
        branch_name=app.branch.name,
        product_name=app.product.name_in(language),
        principal=terms["principal"],
        fee=terms["fee"],
        annual_rate=terms["annual_rate"],
        apr=schedule.apr,
        term=terms["term"],
        frequency=terms["frequency"],
        method=terms["method"],
        disbursement_date=business_date(),
        purpose=app.purpose,
        penalty_rate=penalty_rate_for(app.product, terms["annual_rate"]),
        grace_days=app.product.grace_days,
        schedule=schedule,
        guarantors=[g.get("name", "") for g in app.guarantors if isinstance(g, dict)],
        version=version,
    )
    pdf = render_contract_pdf(data, language=language)
    sha = hashlib.sha256(pdf).hexdigest()
    if latest and latest.language == language and latest.terms == _json_terms(terms, schedule) and not latest.signed_at:
        return latest  # nothing changed: the current version stands
    contract = Contract(
        application=app,
        version=version,
        language=language,
        number=number,
        sha256=sha,
        terms=_json_terms(terms, schedule),
        generated_by=actor,
    )
    contract.pdf.save(f"{number}-v{version}-{language}.pdf", ContentFile(pdf), save=False)
    contract.save()
    APPLICATION_WORKFLOW.apply(
        obj=app, action="contract", actor=actor, data={"contract": contract.pk, "version": version, "sha256": sha}
    )
    notices.borrower_notify(
        b,
        notices.CONTRACT_READY,
        key=f"contract:{contract.pk}:ready",
        reference=f"application:{app.pk}",
        contract=contract.number,
    )
    return contract


def _json_terms(terms: dict, schedule: Schedule) -> dict:
    return {**{k: str(v) for k, v in terms.items()}, "apr": str(schedule.apr)}


def contract_sign(
    *,
    actor,
    application,
    method: str = "in_person",
    code: str = "",
    accepted: bool = False,
    client_ip: str = "",
    device: str = "",
) -> Contract:
    """Records the signing of the latest contract version (approved → contracted). Staff
    record an in-person signing; the borrower signs their own contract electronically, with
    the SMS code for purpose ``sign`` sent to their mobile and ``accepted``. The signature
    keeps the version's SHA-256, the time, the client address and the device (User-Agent).
    The code is checked before the change (a wrong try counts even though nothing changes)."""
    from microloan.models import Role
    from microloan.otp.services import otp_verify

    if method not in ("in_person", "electronic"):
        raise InvalidInput({"method": [_("Choose in_person or electronic.")]})
    if actor.role == Role.BORROWER:
        if method != "electronic":
            raise InvalidInput({"method": [_("Sign in the app with method electronic.")]})
        if accepted is not True:
            raise InvalidInput({"accepted": [_("Read the contract and accept it to sign.")]})
        with transaction.atomic():
            app = application_lock(application)
            check_owner(actor, app)
            APPLICATION_WORKFLOW.check(obj=app, action="sign", actor=actor)
            _latest_contract(app)
        otp_verify(mobile=app.borrower.mobile, purpose="sign", code=code)
    elif method == "electronic":
        raise InvalidInput({"method": [_("Only the borrower signs electronically, in the app.")]})
    return _sign(actor=actor, application=application, method=method, client_ip=client_ip, device=device)


def _latest_contract(app) -> Contract:
    contract = app.contracts.order_by("-version").first()
    if contract is None:
        raise TransitionNotAllowed(
            entity="application",
            action="sign",
            status=app.status,
            message=_("Generate the contract before recording its signing."),
        )
    return contract


@transaction.atomic
def _sign(*, actor, application, method: str, client_ip: str, device: str) -> Contract:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="sign", actor=actor)
    contract = _latest_contract(app)
    contract.signed_at, contract.signed_by, contract.sign_method = timezone.now(), actor, method
    contract.signed_on = business_date()
    contract.signed_sha256, contract.signed_ip, contract.signed_device = contract.sha256, client_ip or "", device[:255]
    contract.save(
        update_fields=[
            "signed_at",
            "signed_on",
            "signed_by",
            "sign_method",
            "signed_sha256",
            "signed_ip",
            "signed_device",
        ]
    )
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="sign",
        actor=actor,
        data={
            "contract": contract.pk,
            "version": contract.version,
            "method": method,
            "sha256": contract.sha256,
            "ip": client_ip or "",
            "device": device[:255],
        },
    )
    return contract


def contracts_erase(borrower_ids: list[int]) -> list[str]:
    """The anonymisation's part here (``applications.services.register_eraser``): the
    generated contracts of the borrowers' applications print their name, ID number, address
    and mobile, so the PDFs go (answered for deletion after the commit); the rows keep the
    number, version, terms (figures only) and the PDF's SHA-256. Two statements."""
    contracts = Contract.objects.filter(application__borrower_id__in=borrower_ids).exclude(pdf="")
    names = list(contracts.values_list("pdf", flat=True))
    contracts.update(pdf="")
    return names
