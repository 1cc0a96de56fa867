"""The Celery app. All periodic schedules live here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.local")

app = Celery("microloan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Later issues add reminders, the daily close and notification re-delivery here.
    "kernel.heartbeat": {"task": "microloan.heartbeat", "schedule": crontab(minute="*/15")},
    # The trial balance's day totals; the close rolls up too, this catches the day's postings.
    "ledger.rollup": {"task": "microloan.ledger_rollup", "schedule": crontab(minute=7), "options": {"expires": 3000}},
    # Repayment reminders for the business date, daily at 08:05 in CELERY_TIMEZONE (Asia/Shanghai),
    # just after the quiet hours end; borrowers in other zones are held back to their own 08:00.
    "servicing.reminders": {
        "task": "servicing.reminders_for_date",
        "schedule": crontab(hour=8, minute=5),
        "options": {"expires": 6 * 3600},
    },
    # Auto-debits (代扣) of the instalments due, after the reminders and before the day's
    # payments are counted by the close (servicing.mandates); unpaid payment orders expire.
    "servicing.collect_debits": {
        "task": "servicing.collect_debits",
        "schedule": crontab(hour=9, minute=5),
        "options": {"expires": 6 * 3600},
    },
    # The outbox's safety net: rows the broker never got, or held back by the quiet hours.
    "notifications.resend_pending": {
        "task": "microloan.notifications.resend_pending",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 300},
    },
    # The daily close (overdue, penalty, classification, provisions, escalation) of the business
    # date, late in the day so the day's payments are in; chunks fan out to the workers.
    "collection.daily_close": {"task": "collection.close_business_day", "schedule": crontab(hour=23, minute=30)},
    # Periodic credit reviews and post-disbursement checks of the business date, early in the morning after the
    # nightly close has reclassified loans, so officers find them in the customer-service worklist when they start.
    # (The task is care/tasks.py's; it keeps the name it had when customer service was part of servicing.)
    "servicing.care_periodic_reviews": {
        "task": "servicing.care_periodic_reviews",
        "schedule": crontab(hour=6, minute=30),
        "options": {"expires": 12 * 3600},
    },
    # PIPL: the personal data of refused and withdrawn applicants past the retention
    # (PRIVACY["RETENTION_DAYS"]) anonymised, nightly after the close, for the business date.
    "applications.anonymise_applicants": {
        "task": "applications.anonymise_applicants",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 12 * 3600},
    },
}
