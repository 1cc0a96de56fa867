"""The training sandbox: close the business date and move to the next one, as the nightly
schedule does, so a team can watch loans fall into arrears."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied

from microloan.business_date import business_date, business_date_set
from microloan.models import Role

MAX_DAYS = 400


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "SANDBOX_ENABLED", settings.DEBUG))


def sandbox_advance(*, actor, days: int) -> date:
    """Closes ``days`` business dates one after the other, each followed by the next morning's
    customer-service job and repayment reminders. Returns the new business date."""
    if not sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    if actor.role not in (Role.MANAGER, Role.ADMIN) and not actor.is_superuser:
        raise PermissionDenied("Managers and administrators advance the sandbox date.")
    from care.services import care_daily
    from servicing.reminders import reminders_create

    from ..close import close_day

    day = business_date()
    for _i in range(max(1, min(days, MAX_DAYS))):
        # What the nightly schedule does around midnight: the close of the day, then the next
        # morning's customer-service tasks and repayment reminders.
        close_day(business_date=day)
        day += timedelta(days=1)
        business_date_set(value=day)
        care_daily(business_date=day)
        reminders_create(business_date=day)
    return day
