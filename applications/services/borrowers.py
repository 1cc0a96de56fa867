"""Borrowers: the rules every caller meets, registering and changing a borrower, and the
admission check (准入) a borrower meets for a product."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput
from microloan.permissions import require
from microloan.pii import FIELDS as PERSONAL_FIELDS
from microloan.pii import REVEAL_ACTION, clear_values, mask

from ..models import Borrower, Product
from ..residentid import ResidentIdError, age_on, parse_resident_id

# A borrower's particulars beyond the name and the resident ID number, in the order the
# officer's form, the API and the services list them: the one list the form and the
# serializers are built from.
BORROWER_DETAILS = (
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
)
# What registering and changing a borrower may set besides the resident ID number (given once,
# at registration).
BORROWER_FIELDS = ("full_name", *BORROWER_DETAILS, "credit_disqualified", "language")


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
    require(actor, "borrower.create")
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
        data={"id_number": mask("id_number", rid.number)},
    )
    return borrower


@transaction.atomic
def borrower_update(*, actor, borrower: Borrower, **fields) -> Borrower:
    require(actor, "borrower.change")
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
    # The audit trail keeps references, not clear personal values: those changes masked.
    for name in set(changed) & set(PERSONAL_FIELDS):
        changed[name] = [mask(name, v) for v in changed[name]]
    audit_record(actor=actor, entity="borrower", entity_id=borrower.pk, action="update", data=changed)
    return borrower


def borrower_reveal(*, actor, borrower: Borrower) -> dict[str, str]:
    """The borrower's personal fields in clear, for the roles of ``borrower.reveal``, each
    reveal audited: who saw whose data (the borrower's id), when, and which fields — never the
    values. The borrower page's Reveal button and the API's reveal call this."""
    require(actor, REVEAL_ACTION)
    values = clear_values(borrower)
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="reveal",
        data={"fields": [f for f in PERSONAL_FIELDS if values[f]]},
    )
    return values


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
