"""Upload quotas (the numbers: ``policy().documents``, settings ``DOCUMENTS``).

- Per application: how many documents it holds and their bytes together, whatever their
  review (a rejected file is still stored). The upload service holds the application's row
  lock, so two uploads at once cannot both take the last place.
- Per uploader and day: how many documents one person (staff or borrower) uploaded since
  midnight of the local calendar day (``TIME_ZONE``), across every application; the
  uploader's user row is locked for the count, for the same reason. The calendar day, not
  the business date: the quota bounds what a login can push into the storage in real time.
"""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.policy import policy

from ..models import Consent, Document


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The local calendar day holding ``at``, as [start, end)."""
    day = timezone.localtime(at).date()
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def check_quota(*, actor, application, size: int) -> None:
    """Raises ValueError with a reason for people when storing ``size`` more bytes for
    ``application`` by ``actor`` would pass a quota. The caller holds the application's lock.
    Without an application (a borrower's consent) only the uploader's daily quota applies."""
    limits = policy().documents
    if application is not None:
        _check_application(application, size, limits)
    get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
    start, end = day_bounds(timezone.now())
    today = Document.objects.filter(uploaded_by=actor, uploaded_at__gte=start, uploaded_at__lt=end).count()
    today += Consent.objects.filter(captured_by=actor, captured_at__gte=start, captured_at__lt=end).count()
    if today >= limits.max_per_uploader_per_day:
        raise ValueError(
            _("You have uploaded %(n)d documents today, the most one person may upload in a day; try again tomorrow.")
            % {"n": limits.max_per_uploader_per_day}
        )


def _check_application(application, size: int, limits) -> None:
    held = Document.objects.filter(application=application).aggregate(n=Count("id"), total=Sum("size"))
    if held["n"] >= limits.max_per_application:
        raise ValueError(
            _("This application already holds %(n)d documents, the most one may hold.")
            % {"n": limits.max_per_application}
        )
    if (held["total"] or 0) + size > limits.max_bytes_per_application:
        raise ValueError(
            _("With this file the application's documents would take %(total)d bytes; the most is %(limit)d bytes.")
            % {"total": (held["total"] or 0) + size, "limit": limits.max_bytes_per_application}
        )
