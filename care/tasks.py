"""Customer service's Celery task. Its name keeps the one it had when customer service was
part of servicing (beat entries and queued messages name it); the schedule is in
microloan/celery.py."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from microloan.business_date import business_date as current_business_date

from .services import care_daily


@shared_task(
    name="servicing.care_periodic_reviews",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def care_periodic_reviews(business_date: str | None = None) -> dict:
    """Beat, daily: the periodic credit reviews (贷后定期检查) and post-disbursement checks of a
    business date (ISO; default the current one). A second run for the same date, or a
    redelivery after a worker died, creates nothing: the unique constraints say so. A lost
    connection or a deadlock rolled the whole transaction back, so it is retried from the start."""
    day = date.fromisoformat(business_date) if business_date else current_business_date()
    return care_daily(business_date=day)
