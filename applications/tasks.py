"""Intake's Celery task: the anonymisation of refused and withdrawn applicants (the schedule
is in microloan/celery.py)."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from microloan.business_date import business_date as current_business_date

from .services import applicants_anonymise


@shared_task(
    name="applications.anonymise_applicants",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def anonymise_applicants(business_date: str | None = None) -> dict:
    """Beat, daily: anonymises the applicants past the retention on a business date (ISO;
    default the current one). A second run, or a redelivery after a worker died, finds nobody
    left for the chunks already committed (each writes its ``anonymise`` audit rows)."""
    day = date.fromisoformat(business_date) if business_date else current_business_date()
    return applicants_anonymise(business_date=day)
