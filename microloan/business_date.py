"""The business date: jobs take it as an argument; this is where 'today' comes from."""

from datetime import date

from django.utils import timezone

from .models import BusinessCalendar


def business_date() -> date:
    row = BusinessCalendar.objects.filter(pk=1).values_list("current_date", flat=True).first()
    return row or timezone.localdate()


def business_date_set(*, value: date | None) -> BusinessCalendar:
    """Sets (or with None, clears) the sandbox business date."""
    cal, _ = BusinessCalendar.objects.update_or_create(pk=1, defaults={"current_date": value})
    return cal
