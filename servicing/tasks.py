"""Servicing's Celery tasks (explicit, stable names; the schedules live in microloan/celery.py)."""

from datetime import date

from celery import shared_task

from microloan.business_date import business_date as current_business_date
from microloan.notifications import notifications_resend_pending

from .reminders import reminders_create


@shared_task(name="servicing.reminders_for_date")
def reminders_for_date(business_date: str | None = None) -> dict:
    """Beat, daily: the repayment reminders of a business date (ISO; default the current
    one). Running it again for the same date creates nothing: the outbox's unique key says so.
    What is due now goes to the broker as the reminders commit; anything older still pending
    (the broker was down) is handed over too. Reminders held back by the quiet hours wait for
    resend_pending."""
    day = date.fromisoformat(business_date) if business_date else current_business_date()
    created = reminders_create(business_date=day)
    return {"business_date": day.isoformat(), "created": created, "resent": notifications_resend_pending()}


@shared_task(name="servicing.collect_debits")
def collect_debits(business_date: str | None = None) -> dict:
    """Beat, daily: the auto-debits (代扣) of a business date's due instalments through the
    borrowers' mandates, and the expiry of unpaid payment orders. Idempotent per instalment
    and day (``servicing.mandates``)."""
    from .mandates import debits_collect
    from .payment_orders import payment_orders_expire

    day = date.fromisoformat(business_date) if business_date else current_business_date()
    result = debits_collect(business_date=day)
    return {"business_date": day.isoformat(), **result, "expired_orders": payment_orders_expire()}
