"""The borrower's messages for every step of an application, a loan and a complaint, the one
home of their words and recipients (#13 point 4): ``NOTICES``, a table of event → (subject,
body, channels): submitted, returned with the reason, approved with the terms, rejected,
contract ready to sign, disbursed, a reminder before and on a due date, overdue, payment
received, automatic debit failed, complaint received and resolved. The services that raise an
event (``servicing.reminders``, ``collection.services.escalation``, ``care.services.messages``
and each step's service) only pick the kind and give the fields.

``borrower_notify`` (one borrower) and ``notice_rows`` (rows for a set-based caller's batch)
write an SMS to the borrower's mobile (signed with the lender's name) and an in-app message
when they have a login, both in the borrower's language, through the outbox
(``microloan.notifications``), once per ``key`` (the outbox's unique dedupe key). Loans are
named by their contract number, never by an internal id. Lifecycle apps import this module
(it is the earliest of them); it imports none of theirs.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext

from microloan.notifications import Channel, notifications_enqueue_many, reader_language, sms_signature

SUBMITTED = "application_submitted"
RETURNED = "application_returned"
APPROVED = "application_approved"
REJECTED = "application_rejected"
CONTRACT_READY = "contract_ready"
DISBURSED = "loan_disbursed"
REMINDER_BEFORE = "reminder_before"
REMINDER_DUE = "reminder_due"
OVERDUE = "overdue_notice"
PAYMENT_RECEIVED = "repayment_received"
DEBIT_FAILED = "debit_failed"
COMPLAINT_RECEIVED = "complaint_received"
COMPLAINT_RESOLVED = "complaint_resolved"


@dataclass(frozen=True)
class Notice:
    """One step's message: its in-app subject and its body (gettext message ids, filled in
    with ``%(field)s``), and whom it goes to: the borrower's mobile by SMS and their login
    in the app."""

    subject: Promise
    body: Promise
    channels: tuple[str, ...] = (Channel.SMS, Channel.INAPP)


# Every step's words and recipients, the one table (event → template, recipients). The loan is
# always %(contract)s, its contract number; amounts are Decimal, worded by ``amount_text``.
NOTICES: dict[str, Notice] = {
    SUBMITTED: Notice(
        gettext_lazy("Application received"),
        gettext_lazy(
            "Dear %(name)s, we have received your application no. %(ref)s for %(currency)s %(amount)s. "
            "We will tell you our decision."
        ),
    ),
    RETURNED: Notice(
        gettext_lazy("Application returned"),
        gettext_lazy(
            "Dear %(name)s, your application no. %(ref)s was returned to you (%(reason)s). "
            "Please complete it in the app and submit it again."
        ),
    ),
    APPROVED: Notice(
        gettext_lazy("Application approved"),
        gettext_lazy(
            "Dear %(name)s, your application no. %(ref)s is approved: %(currency)s %(amount)s over %(term)s "
            "periods at an annual rate of %(rate)s%%. We will send you the contract to sign."
        ),
    ),
    REJECTED: Notice(
        gettext_lazy("Application declined"),
        gettext_lazy("Dear %(name)s, we are sorry: your application no. %(ref)s was declined (%(reason)s)."),
    ),
    CONTRACT_READY: Notice(
        gettext_lazy("Contract ready to sign"),
        gettext_lazy("Dear %(name)s, your loan contract no. %(contract)s is ready. Read it and sign it in the app."),
    ),
    DISBURSED: Notice(
        gettext_lazy("Loan paid out"),
        gettext_lazy(
            "Dear %(name)s, loan no. %(contract)s: %(currency)s %(amount)s was paid out to you on %(date)s. "
            "Your first instalment is due on %(first_due)s."
        ),
    ),
    REMINDER_BEFORE: Notice(
        gettext_lazy("Repayment reminder"),
        gettext_lazy(
            "Dear %(name)s, instalment %(number)s of your loan no. %(loan)s, %(currency)s %(amount)s, is due on "
            "%(due_date)s. Please pay on time."
        ),
    ),
    REMINDER_DUE: Notice(
        gettext_lazy("Repayment due today"),
        gettext_lazy(
            "Dear %(name)s, instalment %(number)s of your loan no. %(loan)s, %(currency)s %(amount)s, is due today "
            "(%(due_date)s). Please pay today to avoid penalty interest."
        ),
    ),
    OVERDUE: Notice(
        gettext_lazy("Overdue notice"),
        gettext_lazy(
            "Dear %(name)s, your loan no. %(contract)s is %(days)s days overdue (%(currency)s %(amount)s). "
            "Please repay as soon as possible."
        ),
    ),
    PAYMENT_RECEIVED: Notice(
        gettext_lazy("Payment received"),
        gettext_lazy(
            "Dear %(name)s, we received %(currency)s %(amount)s for loan no. %(contract)s on %(date)s. "
            "Principal outstanding: %(currency)s %(outstanding)s."
        ),
    ),
    DEBIT_FAILED: Notice(
        gettext_lazy("Automatic debit failed"),
        gettext_lazy(
            "Dear %(name)s, the automatic debit of %(currency)s %(amount)s for loan no. %(contract)s failed: "
            "%(reason)s. Please pay in the app."
        ),
    ),
    COMPLAINT_RECEIVED: Notice(
        gettext_lazy("Complaint received"),
        gettext_lazy(
            "Dear %(name)s, we have received your complaint (no. %(ref)s). We will contact you by "
            "%(ack_due)s and tell you our decision by %(resolve_due)s."
        ),
    ),
    COMPLAINT_RESOLVED: Notice(
        gettext_lazy("Your complaint has been resolved"),
        gettext_lazy(
            "Dear %(name)s, your complaint no. %(ref)s has been resolved: %(resolution)s If you disagree, "
            "reply or call us; you can rate how we handled it in the app."
        ),
    ),
}
KINDS = tuple(NOTICES)
AMOUNTS = ("amount", "outstanding")


def templates(kind: str) -> tuple[str, str]:
    """(subject, body) of ``kind`` in the active language, before the fields are filled in."""
    notice = NOTICES[kind]
    return str(notice.subject), str(notice.body)


def currency_word() -> str:
    return pgettext("currency in a message", "CNY") if settings.CURRENCY == "CNY" else settings.CURRENCY


def amount_text(value) -> str:
    return f"{Decimal(value):,.2f}"


def notice_text(kind: str, *, language: str | None, **fields) -> tuple[str, str]:
    """(subject, body) of one message of ``kind`` in ``language``; ``fields`` fill it in
    (amounts as Decimal, the rest as text)."""
    with translation.override(reader_language(language)):
        subject, body = templates(kind)
        return subject, body % fill(fields)


def fill(fields: dict) -> dict:
    """The fields as a message prints them, in the active language: amounts worded by
    ``amount_text``, the currency by ``currency_word``, reasons (lazy) as text."""
    filled = {"currency": currency_word(), **{k: str(v) if k == "reason" else v for k, v in fields.items()}}
    for name in AMOUNTS:
        if name in filled and not isinstance(filled[name], str):
            filled[name] = amount_text(filled[name])
    return filled


def borrower_notify(borrower, kind: str, *, key: str, reference: str = "", sms_fields=None, **fields) -> int:
    """Writes ``kind``'s SMS and in-app message for ``borrower`` to the outbox in the caller's
    transaction; ``key`` makes each go out once. Returns how many rows were new.
    ``sms_fields`` overrides fields in the SMS only (a long text shortened)."""
    language = reader_language(borrower.language)
    return notifications_enqueue_many(
        notice_rows(
            kind,
            key=key,
            reference=reference,
            language=language,
            mobile=borrower.mobile,
            user_id=borrower.user_id,
            tz_name=getattr(getattr(borrower, "branch", None), "timezone", "") or "",
            fields={"name": borrower.full_name, **fields},
            sms_fields=sms_fields,
        )
    )


def notice_rows(
    kind: str,
    *,
    key: str,
    reference: str,
    language: str,
    mobile: str,
    user_id: int | None,
    tz_name: str,
    fields: dict,
    sms_fields: dict | None = None,
    **extra,
) -> list[dict]:
    """The outbox rows of one ``kind`` message to one borrower, as the table says: an SMS to
    ``mobile`` (signed with the lender's name) and an in-app message to ``user_id``, each
    present only when the borrower has it. Set-based callers (reminders, the overdue notice)
    build their rows here and write them in one batch; ``extra`` (e.g. ``not_before``) goes
    into every row."""
    notice = NOTICES[kind]
    language = reader_language(language)
    subject, body = notice_text(kind, language=language, **fields)
    sms = notice_text(kind, language=language, **{**fields, **sms_fields})[1] if sms_fields else body
    common = {"language": language, "subject": subject, "kind": kind, "reference": reference, "tz_name": tz_name}
    common.update(extra)
    rows = []
    if mobile and Channel.SMS in notice.channels:
        rows.append(
            {
                **common,
                "channel": Channel.SMS,
                "to_address": mobile,
                "body": sms_signature(language) + sms,
                "dedupe_key": f"{key}:{Channel.SMS}",
            }
        )
    if user_id and Channel.INAPP in notice.channels:
        rows.append(
            {
                **common,
                "channel": Channel.INAPP,
                "user_id": user_id,
                "body": body,
                "dedupe_key": f"{key}:{Channel.INAPP}",
            }
        )
    return rows


def contract_number(application) -> str:
    """The application's contract number as the contract prints it (the latest version's)."""
    number = application.contracts.order_by("-version").values_list("number", flat=True).first()
    return number or f"ML{application.created_at:%Y}{application.pk:08d}"
