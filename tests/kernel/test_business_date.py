"""microloan.business_date: today unless the sandbox has set another day."""

from datetime import date

import pytest
from django.utils import timezone

from microloan.business_date import business_date, business_date_set


@pytest.mark.django_db
def test_business_date_defaults_to_today_and_can_be_set(now):
    assert business_date() == timezone.localdate(now)
    business_date_set(value=date(2026, 1, 15))
    assert business_date() == date(2026, 1, 15)
    business_date_set(value=None)
    assert business_date() == timezone.localdate(now)
