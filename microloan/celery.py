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
}
