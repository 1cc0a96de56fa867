"""Repayment reminders: N days before a due date (the policy's ``SERVICING.REMINDER_DAYS_BEFORE``, 3; calendar days, or
working days when the product counts them, servicing.calendar.reminder_filter) and on it.

``reminders_create`` is set-based: one query selects every current, unpaid instalment of an
active loan that is due on one of the two dates, with its borrower; one batched insert writes
the messages to the notification outbox. The outbox's unique ``dedupe_key``
("reminder:<instalment>:<kind>:<channel>") makes each reminder go out once however often the
job runs and however many workers run it at the same time.

Messages are written in the borrower's language (gettext strings, translated under
``translation.override``; the default language when the borrower has none) and held back out
of the quiet hours of the borrower's branch time zone
(``microloan.notifications.next_allowed_time``).
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from applications import notices
from microloan.lending.money import money
from microloan.notifications import (
    Channel,
    next_allowed_time,
    notifications_enqueue_many,
    reader_language,
    sms_signature,
)
from microloan.policy import policy

from .calendar import reminder_filter
from .models import Installment, InstallmentStatus, LoanStatus

KIND_BEFORE = notices.REMINDER_BEFORE
KIND_DUE = notices.REMINDER_DUE
# The words are the notice table's (applications.notices.NOTICES), translated once per language
# and kind here and filled in per row.
_templates = notices.templates
_currency = notices.currency_word


def _fill(
    body: str, *, currency: str, name: str, loan_id: int | str, number: int, amount: Decimal, due_date: date
) -> str:
    return body % {
        "name": name,
        "loan": loan_id,
        "number": number,
        "amount": f"{money(amount):,.2f}",
        "due_date": due_date.isoformat(),
        "currency": currency,
    }


def reminder_text(
    *, language: str, kind: str, name: str, loan_id: int, number: int, amount: Decimal, due_date: date
) -> tuple[str, str]:
    """(subject, body) of one reminder in ``language`` (the default language for one we do not write)."""
    with translation.override(reader_language(language)):
        subject, body = _templates(kind)
        currency = _currency()
    return subject, _fill(
        body, currency=currency, name=name, loan_id=loan_id, number=number, amount=amount, due_date=due_date
    )


def reminders_create(*, business_date: date, days_before: int | None = None, now: datetime | None = None) -> int:
    """Writes the reminders for ``business_date`` to the outbox and returns how many rows were
    new (0 when the job already ran for that date): an SMS to the borrower's mobile, and an
    in-app message when the borrower has a login. ``now`` (default: the clock) decides the
    quiet hours."""
    if days_before is None:
        days_before = policy().servicing.reminder_days_before
    now = now or timezone.now()
    # Days before counted in calendar or working days, as each product says (servicing.calendar).
    which, by_date = reminder_filter(business_date, days_before)
    kinds = {d: KIND_DUE if k == "due" else KIND_BEFORE for d, k in by_date.items()}
    remaining = Installment.unpaid_expression()
    due = (
        Installment.objects.filter(which, is_current=True, loan__status__in=LoanStatus.LIVE)
        .exclude(status=InstallmentStatus.PAID)
        .annotate(amount=remaining)
        .filter(amount__gt=0)
        .values(
            "id",
            "number",
            "due_date",
            "amount",
            "loan__contract__number",
            "loan__borrower__full_name",
            "loan__borrower__mobile",
            "loan__borrower__language",
            "loan__borrower__user_id",
            "loan__borrower__branch__timezone",
        )
        .order_by("due_date", "loan_id", "number")
    )
    rows, opens, texts = [], {}, {}
    for i in due:
        kind, language = kinds[i["due_date"]], i["loan__borrower__language"] or settings.LANGUAGE_CODE
        tz_name = i["loan__borrower__branch__timezone"] or settings.TIME_ZONE
        if tz_name not in opens:
            opens[tz_name] = next_allowed_time(now, tz_name)
        if (language, kind) not in texts:  # translated once per language and kind, filled in per row
            with translation.override(reader_language(language)):
                texts[language, kind] = (*_templates(kind), _currency(), sms_signature(language))
        subject, body, currency, signature = texts[language, kind]
        body = _fill(
            body,
            currency=currency,
            name=i["loan__borrower__full_name"],
            # The loan as the borrower knows it: its contract number, not an internal id.
            loan_id=i["loan__contract__number"],
            number=i["number"],
            amount=i["amount"],
            due_date=i["due_date"],
        )
        common = {
            "language": language,
            "subject": subject,
            "kind": kind,
            "reference": f"installment:{i['id']}",
            "tz_name": tz_name,
            "not_before": opens[tz_name],
        }
        if i["loan__borrower__mobile"]:
            rows.append(
                {
                    **common,
                    "channel": Channel.SMS,
                    "to_address": i["loan__borrower__mobile"],
                    "body": signature + body,
                    "dedupe_key": f"reminder:{i['id']}:{kind}:{Channel.SMS}",
                }
            )
        if i["loan__borrower__user_id"]:
            rows.append(
                {
                    **common,
                    "channel": Channel.INAPP,
                    "user_id": i["loan__borrower__user_id"],
                    "body": body,
                    "dedupe_key": f"reminder:{i['id']}:{kind}:{Channel.INAPP}",
                }
            )
    with transaction.atomic():
        return notifications_enqueue_many(rows, now=now)
