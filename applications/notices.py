"""The borrower's messages for each step of an application and a loan, the one home of their
words (#13 point 2): submitted, returned with the reason, approved with the terms, rejected,
contract ready to sign, disbursed, payment received, automatic debit failed. (The reminders
before and on a due date are ``servicing.reminders``', the overdue notice
``collection.services.escalation``', the complaint messages ``care.services.messages``'.)

Each step's service calls ``borrower_notify`` inside its transaction: an SMS to the borrower's
mobile (signed with the lender's name) and an in-app message when they have a login, both in
the borrower's language, through the outbox (``microloan.notifications``), once per
``key`` (the outbox's unique dedupe key). Loans are named by their contract number, never by
an internal id. Lifecycle apps import this module (it is the earliest of them); it imports
none of theirs.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from microloan.notifications import Channel, notifications_enqueue_many, reader_language, sms_signature

SUBMITTED = "application_submitted"
RETURNED = "application_returned"
APPROVED = "application_approved"
REJECTED = "application_rejected"
CONTRACT_READY = "contract_ready"
DISBURSED = "loan_disbursed"
PAYMENT_RECEIVED = "repayment_received"
DEBIT_FAILED = "debit_failed"
KINDS = (SUBMITTED, RETURNED, APPROVED, REJECTED, CONTRACT_READY, DISBURSED, PAYMENT_RECEIVED, DEBIT_FAILED)


def _templates(kind: str) -> tuple[str, str]:
    """(subject, body) of ``kind`` in the active language, before the fields are filled in."""
    if kind == SUBMITTED:
        return _("Application received"), _(
            "Dear %(name)s, we have received your application no. %(ref)s for %(currency)s %(amount)s. "
            "We will tell you our decision."
        )
    if kind == RETURNED:
        return _("Application returned"), _(
            "Dear %(name)s, your application no. %(ref)s was returned to you (%(reason)s). "
            "Please complete it in the app and submit it again."
        )
    if kind == APPROVED:
        return _("Application approved"), _(
            "Dear %(name)s, your application no. %(ref)s is approved: %(currency)s %(amount)s over %(term)s "
            "periods at an annual rate of %(rate)s%%. We will send you the contract to sign."
        )
    if kind == REJECTED:
        return _("Application declined"), _(
            "Dear %(name)s, we are sorry: your application no. %(ref)s was declined (%(reason)s)."
        )
    if kind == CONTRACT_READY:
        return _("Contract ready to sign"), _(
            "Dear %(name)s, your loan contract no. %(contract)s is ready. Read it and sign it in the app."
        )
    if kind == DISBURSED:
        return _("Loan paid out"), _(
            "Dear %(name)s, loan no. %(contract)s: %(currency)s %(amount)s was paid out to you on %(date)s. "
            "Your first instalment is due on %(first_due)s."
        )
    if kind == PAYMENT_RECEIVED:
        return _("Payment received"), _(
            "Dear %(name)s, we received %(currency)s %(amount)s for loan no. %(contract)s on %(date)s. "
            "Principal outstanding: %(currency)s %(outstanding)s."
        )
    if kind == DEBIT_FAILED:
        return _("Automatic debit failed"), _(
            "Dear %(name)s, the automatic debit of %(currency)s %(amount)s for loan no. %(contract)s failed: "
            "%(reason)s. Please pay in the app."
        )
    raise ValueError(kind)


def currency_word() -> str:
    return pgettext("currency in a message", "CNY") if settings.CURRENCY == "CNY" else settings.CURRENCY


def amount_text(value) -> str:
    return f"{Decimal(value):,.2f}"


def notice_text(kind: str, *, language: str | None, **fields) -> tuple[str, str]:
    """(subject, body) of one message of ``kind`` in ``language``; ``fields`` fill it in
    (amounts as Decimal, the rest as text)."""
    with translation.override(reader_language(language)):
        subject, body = _templates(kind)
        filled = {"currency": currency_word(), **{k: str(v) if k == "reason" else v for k, v in fields.items()}}
        for name in ("amount", "outstanding"):
            if name in filled and not isinstance(filled[name], str):
                filled[name] = amount_text(filled[name])
        return subject, body % filled


def borrower_notify(borrower, kind: str, *, key: str, reference: str = "", **fields) -> int:
    """Writes ``kind``'s SMS and in-app message for ``borrower`` to the outbox in the caller's
    transaction; ``key`` makes each go out once. Returns how many rows were new."""
    language = reader_language(borrower.language)
    subject, body = notice_text(kind, language=language, name=borrower.full_name, **fields)
    common = {
        "language": language,
        "subject": subject,
        "kind": kind,
        "reference": reference,
        "tz_name": getattr(getattr(borrower, "branch", None), "timezone", "") or "",
    }
    rows = []
    if borrower.mobile:
        rows.append(
            {
                **common,
                "channel": Channel.SMS,
                "to_address": borrower.mobile,
                "body": sms_signature(language) + body,
                "dedupe_key": f"{key}:{Channel.SMS}",
            }
        )
    if borrower.user_id:
        rows.append(
            {
                **common,
                "channel": Channel.INAPP,
                "user_id": borrower.user_id,
                "body": body,
                "dedupe_key": f"{key}:{Channel.INAPP}",
            }
        )
    return notifications_enqueue_many(rows)


def contract_number(application) -> str:
    """The application's contract number as the contract prints it (the latest version's)."""
    number = application.contracts.order_by("-version").values_list("number", flat=True).first()
    return number or f"ML{application.created_at:%Y}{application.pk:08d}"
