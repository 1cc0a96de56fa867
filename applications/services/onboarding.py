"""The borrowers' own onboarding in the app (#13): linking a login to a borrower record with
the consents accepted there, the ID card's photo, and the borrower's own changes of contact
details (a new mobile proven by its SMS code). The API views call these and nothing else."""

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import Branch
from microloan.permissions import require
from microloan.pii import mask
from microloan.workflow import NEW

from ..models import (
    Application,
    Borrower,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    ConsentStatus,
    DocumentKind,
    Segment,
)
from ..residentid import ResidentIdError, parse_resident_id
from ..workflow import CONSENT_WORKFLOW
from .borrowers import borrower_clean
from .documents import DOCUMENT_OPEN_STATUSES, document_upload

REQUIRED_CONSENTS = (ConsentPurpose.DATA_PROCESSING,)


def consent_text(purpose: str) -> str:
    """The words a borrower accepts in the app for ``purpose``, in the active language."""
    lender = (getattr(settings, "LENDER", {}) or {}).get("name", "")
    if purpose == ConsentPurpose.CREDIT_INQUIRY:
        return _(
            "I authorise %(lender)s to query my credit report at the credit reference centre for assessing and "
            "managing my loan applications and loans."
        ) % {"lender": lender}
    return _(
        "I agree that %(lender)s processes my personal information (identity, contact, income and loan data) to "
        "assess my applications, service my loans and meet its legal duties."
    ) % {"lender": lender}


def _signup_branch() -> Branch:
    code = getattr(settings, "BORROWER_SIGNUP_BRANCH", "")
    branch = (Branch.objects.filter(code=code).first() if code else None) or Branch.objects.order_by("pk").first()
    if branch is None:
        raise InvalidInput({"detail": [_("No branch takes self-registered borrowers yet.")]})
    return branch


def _login_mobile(user) -> str:
    name = user.get_username()
    return name if name.removeprefix("+").isdigit() else ""


@transaction.atomic
def identity_link(*, actor, full_name: str, id_number: str, consents: list[str], language: str = "") -> Borrower:
    """Links the borrower login ``actor`` to the borrower record of ``id_number`` (the one
    on file when its name matches and it has no login yet; a new one in the sign-up branch
    otherwise) and records each consent in ``consents`` as accepted in the app (its words,
    their digest, the date). The personal-data consent is required. Linking the same ID again
    records only consents not already in force."""
    require(actor, "me.identity")
    errors: dict[str, list[str]] = {}
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = [_("This field is required.")]
    try:
        rid = parse_resident_id(id_number)
    except ResidentIdError as exc:
        errors["id_number"] = [str(exc)]
        rid = None
    unknown = sorted(set(consents) - set(ConsentPurpose.values))
    if unknown:
        errors["consents"] = [_("Unknown consent: %(v)s.") % {"v": ", ".join(unknown)}]
    elif not set(REQUIRED_CONSENTS) <= set(consents):
        errors["consents"] = [_("The consent to the processing of your personal data is required.")]
    if errors:
        raise InvalidInput(errors)
    assert rid is not None
    mine = Borrower.objects.select_for_update().filter(user=actor).first()
    if mine is not None and mine.id_number != rid.number:
        raise InvalidInput({"id_number": [_("Your login is already linked to another ID number.")]})
    borrower = mine or Borrower.objects.select_for_update().filter(id_number=rid.number).first()
    if borrower is not None and borrower.user_id not in (None, actor.pk):
        raise InvalidInput({"id_number": [_("This ID number is linked to another login: call us.")]})
    if borrower is not None and borrower.full_name != full_name:
        raise InvalidInput({"full_name": [_("The name does not match our record of this ID number.")]})
    created = borrower is None
    if borrower is None:
        fields = borrower_clean({"mobile": _login_mobile(actor) or "0000000"})
        borrower = Borrower(
            branch=_signup_branch(),
            full_name=full_name,
            id_number=rid.number,
            date_of_birth=rid.date_of_birth,
            sex=rid.sex,
            mobile=fields["mobile"],
            segment=getattr(settings, "BORROWER_SIGNUP_SEGMENT", Segment.URBAN_LOW_INCOME),
            language=language if language in dict(settings.LANGUAGES) else actor.language or "zh-hans",
            user=actor,
        )
        try:
            with transaction.atomic():
                borrower.save()
        except IntegrityError:
            raise InvalidInput({"id_number": [_("This ID number was just registered: try again.")]}) from None
    elif borrower.user_id is None:
        borrower.user = actor
        borrower.save(update_fields=["user", "updated_at"])
    if actor.branch_id != borrower.branch_id:
        actor.branch_id = borrower.branch_id
        actor.save(update_fields=["branch"])
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="identity_link",
        data={"created": created, "id_number": mask("id_number", rid.number)},
    )
    today = business_date()
    held = {p for p in consents if Consent.objects.filter(borrower=borrower).valid_on(today, p).exists()}
    for purpose in dict.fromkeys(consents):
        if purpose in held:
            continue
        with translation.override(borrower.language):
            text = consent_text(purpose)
        consent = Consent(
            borrower=borrower,
            purpose=purpose,
            status=ConsentStatus.GRANTED,
            method=ConsentMethod.ELECTRONIC,
            text=text,
            content_type="text/plain",
            size=len(text.encode()),
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            granted_on=today,
            captured_by=actor,
        )
        CONSENT_WORKFLOW.check(obj=Consent(status=NEW), action="accept", actor=actor)
        CONSENT_WORKFLOW.start(
            obj=consent,
            action="accept",
            actor=actor,
            data={
                "borrower": borrower.pk,
                "purpose": purpose,
                "granted_on": today.isoformat(),
                "at": timezone.now().isoformat(),
                "sha256": consent.sha256,
            },
        )
    return borrower


def identity_photo_upload(*, actor, file):
    """Stores the ID card's photo as a ``borrower_id`` document of the borrower's latest
    application still open for documents, for the officer to check; 409 without one."""
    borrower = Borrower.objects.filter(user=actor).first()
    if borrower is None:
        raise NotAllowed(_("Link your login to your ID first (POST /api/v1/me/identity/)."))
    app = Application.objects.filter(borrower=borrower, status__in=DOCUMENT_OPEN_STATUSES).order_by("-pk").first()
    if app is None:
        raise TransitionNotAllowed(
            entity="application",
            action="upload a document",
            status="none",
            message=_("Start an application first: the photo goes with it."),
        )
    return document_upload(actor=actor, application=app, kind=DocumentKind.BORROWER_ID, file=file)


PROFILE_FIELDS = ("mobile", "address", "email", "language")


def _masked(name: str, value) -> str:
    if name == "language":
        return str(value)
    try:
        return mask(name, str(value))
    except KeyError:
        return "***"


@transaction.atomic
def profile_update(*, actor, code: str = "", **fields) -> Borrower:
    """The borrower's own change of contact details: address, e-mail, language, and the
    mobile number — only with the SMS code sent to the NEW number (purpose
    ``mobile_change``). Audited with the values masked."""
    from microloan.otp.services import otp_verify

    require(actor, "me.profile")
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidInput({k: [_("This field cannot be changed here.")] for k in unknown})
    borrower = Borrower.objects.select_for_update().filter(user=actor).first()
    if borrower is None:
        raise NotAllowed(_("Link your login to your ID first (POST /api/v1/me/identity/)."))
    fields = borrower_clean(fields)
    if "language" in fields and fields["language"] not in dict(settings.LANGUAGES):
        raise InvalidInput({"language": [_("Choose one of: %(v)s.") % {"v": ", ".join(dict(settings.LANGUAGES))}]})
    if "mobile" in fields and fields["mobile"] != borrower.mobile:
        if not code:
            raise InvalidInput({"code": [_("Enter the SMS code sent to the new number.")]})
        otp_verify(mobile=fields["mobile"], purpose="mobile_change", code=code)
    changed = [name for name, value in fields.items() if getattr(borrower, name) != value]
    if not changed:
        return borrower
    for name in changed:
        setattr(borrower, name, fields[name])
    borrower.save(update_fields=[*changed, "updated_at"])
    if "language" in changed:
        actor.language = borrower.language
        actor.save(update_fields=["language"])
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="profile_change",
        data={name: _masked(name, fields[name]) for name in changed},
    )
    return borrower
