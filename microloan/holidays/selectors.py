from __future__ import annotations

from ..config.models import ConfigChange, ConfigChangeStatus
from ..permissions import require
from .models import Holiday


def holiday_list(*, user, year: int | None = None, region: str | None = None):
    """The calendar's days (every staff member reads it), by year and region when asked."""
    require(user, "holiday.view")
    qs = Holiday.objects.all()
    if year:
        qs = qs.filter(date__year=year)
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("date", "region")


def pending_holiday_changes(*, user):
    require(user, "holiday.view")
    return ConfigChange.objects.filter(kind="holiday", status=ConfigChangeStatus.PENDING).select_related("proposed_by")
