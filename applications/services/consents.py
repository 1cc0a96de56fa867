"""Consents (授权书): recording a borrower's signed consent with its document, revoking it,
and the check that a credit record needs one (PIPL; the credit reporting regulation: no
credit inquiry without the person's written authorisation)."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.errors import InvalidInput
from microloan.workflow import NEW

from ..documents import admit_upload
from ..models import Borrower, Consent, ConsentPurpose, ConsentStatus
from ..workflow import CONSENT_WORKFLOW


@transaction.atomic
def consent_record(
    *, actor, borrower: Borrower, purpose: str, granted_on: date, file, expires_on: date | None = None
) -> Consent:
    """Stores the signed consent ``file`` (the documents' upload gate) for ``borrower``:
    the consent's table's ``record`` move (new → granted), its audit row on the consent (its
    borrower, purpose, dates and the file's SHA-256)."""
    CONSENT_WORKFLOW.check(obj=Consent(status=NEW), action="record", actor=actor)
    if purpose not in ConsentPurpose.values:
        raise InvalidInput({"purpose": [_("Choose one of: %(v)s.") % {"v": ", ".join(ConsentPurpose.values)}]})
    if granted_on > business_date():
        raise InvalidInput({"granted_on": [_("A consent cannot be granted after today's business date.")]})
    if expires_on is not None and expires_on < granted_on:
        raise InvalidInput({"expires_on": [_("The consent cannot expire before it is granted.")]})
    Borrower.objects.select_for_update().filter(pk=borrower.pk).values_list("pk").first()
    stored = admit_upload(actor=actor, application=None, file=file)
    consent = Consent(
        borrower=borrower, purpose=purpose, granted_on=granted_on, expires_on=expires_on, captured_by=actor, **stored
    )
    consent.file.save("upload", file, save=False)
    CONSENT_WORKFLOW.start(
        obj=consent,
        action="record",
        actor=actor,
        data={
            "borrower": borrower.pk,
            "purpose": purpose,
            "granted_on": granted_on.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
            "sha256": stored["sha256"],
        },
    )
    return consent


@transaction.atomic
def consent_revoke(*, actor, consent: Consent, reason: str = "") -> Consent:
    """Withdraws ``consent`` from now on: the table's ``revoke`` move (granted → revoked, a
    reason required, audited). Revoking a revoked consent changes nothing, once the actor may
    revoke at all (the table's checks, as if it were still granted)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.status == ConsentStatus.REVOKED:
        CONSENT_WORKFLOW.check(
            obj=Consent(pk=consent.pk, status=ConsentStatus.GRANTED), action="revoke", actor=actor, reason=reason
        )
        return consent
    consent.revoked_at, consent.revoked_by, consent.revoke_reason = timezone.now(), actor, reason or ""
    CONSENT_WORKFLOW.apply(
        obj=consent,
        action="revoke",
        actor=actor,
        reason=reason or "",
        data={"borrower": consent.borrower_id, "purpose": consent.purpose},
        extra_update_fields=["revoked_at", "revoked_by", "revoke_reason"],
    )
    return consent


def credit_inquiry_refusal(borrower: Borrower, on: date) -> str | None:
    """Why no credit record may be entered for ``borrower`` as of ``on`` (None: it may): no
    credit-inquiry consent in force on that date (``Consent.objects.valid_on``)."""
    if Consent.objects.filter(borrower=borrower).valid_on(on, ConsentPurpose.CREDIT_INQUIRY).exists():
        return None
    return _refusal(borrower, on)


def credit_inquiry_refusals(pairs) -> dict[tuple[int, date], str]:
    """``credit_inquiry_refusal`` for many (borrower, date) pairs in one query: the refusal
    by (borrower id, date) for each pair without a consent in force."""
    pairs = list(pairs)
    held: dict[int, list[Consent]] = {}
    for c in Consent.objects.filter(
        borrower__in={b.pk for b, _d in pairs}, purpose=ConsentPurpose.CREDIT_INQUIRY, status=ConsentStatus.GRANTED
    ):
        held.setdefault(c.borrower_id, []).append(c)
    return {
        (b.pk, d): _refusal(b, d)
        for b, d in pairs
        if not any(c.in_force_on(d, ConsentPurpose.CREDIT_INQUIRY) for c in held.get(b.pk, ()))
    }


def _refusal(borrower: Borrower, on: date) -> str:
    return _(
        "%(name)s (borrower %(id)d) has no credit-inquiry consent (授权书) in force on %(date)s: record it first."
    ) % {
        "name": borrower.full_name,
        "id": borrower.pk,
        "date": on.isoformat(),
    }
