"""Repayment reminders: N days before a due date (``REMINDER_DAYS_BEFORE``, 3) and on it.

``reminders_create`` is set-based: one query selects every current, unpaid instalment of an
active loan that is due on one of the two dates, with its borrower; one batched insert writes
the messages to the notification outbox. The outbox's unique ``dedupe_key``
("reminder:<instalment>:<kind>:<channel>") makes each reminder go out once however often the
job runs and however many workers run it at the same time.

Messages are written in the borrower's language and held back out of the quiet hours of the
borrower's branch time zone (``microloan.notifications.next_allowed_time``).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from microloan.lending.money import money
from microloan.notifications import Channel, next_allowed_time, notifications_enqueue_many

from .models import Installment, InstallmentStatus, LoanStatus

KIND_BEFORE = "reminder_before"
KIND_DUE = "reminder_due"

# Per language: the in-app subject and the text (the SMS carries the lender's signature).
TEXTS = {
    "zh-hans": {
        KIND_BEFORE: ("还款提醒",
                      "{name}您好，您的借款（编号{loan}）第{number}期应还 {amount}元，将于{due_date}到期，"
                      "请按时还款。"),
        KIND_DUE: ("今日还款提醒",
                   "{name}您好，您的借款（编号{loan}）第{number}期应还 {amount}元，今天（{due_date}）到期，"
                   "请今日还款，以免产生罚息。"),
        "signature": "【{lender}】",
    },
    "en": {
        KIND_BEFORE: ("Repayment reminder",
                      "Dear {name}, instalment {number} of your loan no. {loan}, {currency} {amount}, is due on "
                      "{due_date}. Please pay on time."),
        KIND_DUE: ("Repayment due today",
                   "Dear {name}, instalment {number} of your loan no. {loan}, {currency} {amount}, is due today "
                   "({due_date}). Please pay today to avoid penalty interest."),
        "signature": "[{lender}] ",
    },
}


def reminder_text(*, language: str, kind: str, name: str, loan_id: int, number: int, amount: Decimal,
                  due_date: date) -> tuple[str, str]:
    """(subject, body) of one reminder in ``language`` (Chinese for anything unknown)."""
    texts = TEXTS.get(language) or TEXTS["zh-hans"]
    subject, body = texts[kind]
    return subject, body.format(name=name, loan=loan_id, number=number, amount=f"{money(amount):,.2f}",
                                due_date=due_date.isoformat(), currency=settings.CURRENCY)


def _signature(language: str) -> str:
    lender = getattr(settings, "LENDER", {}) or {}
    name = (lender.get("name_en") if language == "en" else None) or lender.get("name") or ""
    texts = TEXTS.get(language) or TEXTS["zh-hans"]
    return texts["signature"].format(lender=name) if name else ""


def reminders_create(*, business_date: date, days_before: int | None = None, now: datetime | None = None) -> int:
    """Writes the reminders for ``business_date`` to the outbox and returns how many rows were
    new (0 when the job already ran for that date): an SMS to the borrower's mobile, and an
    in-app message when the borrower has a login. ``now`` (default: the clock) decides the
    quiet hours."""
    if days_before is None:
        days_before = int(getattr(settings, "REMINDER_DAYS_BEFORE", 3))
    now = now or timezone.now()
    kinds = {business_date: KIND_DUE}
    if days_before > 0:
        kinds[business_date + timedelta(days=days_before)] = KIND_BEFORE
    remaining = (F("principal_due") + F("interest_due") + F("fee_due") + F("penalty_due")
                 - F("principal_paid") - F("interest_paid") - F("fee_paid") - F("penalty_paid")
                 - F("penalty_waived"))
    due = (Installment.objects
           .filter(is_current=True, due_date__in=list(kinds), loan__status=LoanStatus.ACTIVE)
           .exclude(status=InstallmentStatus.PAID)
           .annotate(amount=remaining).filter(amount__gt=0)
           .values("id", "number", "due_date", "amount", "loan_id", "loan__borrower__full_name",
                   "loan__borrower__mobile", "loan__borrower__language", "loan__borrower__user_id",
                   "loan__borrower__branch__timezone")
           .order_by("due_date", "loan_id", "number"))
    rows, opens = [], {}
    for i in due:
        kind, language = kinds[i["due_date"]], i["loan__borrower__language"] or "zh-hans"
        tz_name = i["loan__borrower__branch__timezone"] or settings.TIME_ZONE
        if tz_name not in opens:
            opens[tz_name] = next_allowed_time(now, tz_name)
        subject, body = reminder_text(language=language, kind=kind, name=i["loan__borrower__full_name"],
                                      loan_id=i["loan_id"], number=i["number"], amount=i["amount"],
                                      due_date=i["due_date"])
        common = {"language": language, "subject": subject, "kind": kind, "reference": f"installment:{i['id']}",
                  "tz_name": tz_name, "not_before": opens[tz_name]}
        if i["loan__borrower__mobile"]:
            rows.append({**common, "channel": Channel.SMS, "to_address": i["loan__borrower__mobile"],
                         "body": _signature(language) + body,
                         "dedupe_key": f"reminder:{i['id']}:{kind}:{Channel.SMS}"})
        if i["loan__borrower__user_id"]:
            rows.append({**common, "channel": Channel.INAPP, "user_id": i["loan__borrower__user_id"], "body": body,
                         "dedupe_key": f"reminder:{i['id']}:{kind}:{Channel.INAPP}"})
    with transaction.atomic():
        return notifications_enqueue_many(rows, now=now)
