"""Quiet hours: no automatic message between ``NOTIFY_QUIET_START`` and ``NOTIFY_QUIET_END``
in the recipient's local time (22:00-08:00 by default)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings


def _hhmm(value: str | time) -> time:
    if isinstance(value, time):
        return value
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=64)
def _zone(tz_name: str) -> ZoneInfo:
    return ZoneInfo(tz_name)


def next_allowed_time(
    now_utc: datetime, tz_name: str, start: str | time | None = None, end: str | time | None = None
) -> datetime:
    """The earliest moment at or after ``now_utc`` when an automatic message may go out to
    somebody living in ``tz_name``.

    ``start``-``end`` is the allowed window in local time (by default 08:00-22:00: from
    ``NOTIFY_QUIET_END`` to ``NOTIFY_QUIET_START``, the quiet hours being 22:00-08:00). Inside
    the window the answer is ``now_utc`` itself; otherwise the next local ``start``, in UTC.
    """
    start = _hhmm(start or settings.NOTIFY_QUIET_END)
    end = _hhmm(end or settings.NOTIFY_QUIET_START)
    if start == end:  # no quiet hours at all
        return now_utc
    zone = _zone(tz_name or settings.TIME_ZONE)
    local = now_utc.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    allowed = (start <= t < end) if start < end else (t >= start or t < end)
    if allowed:
        return now_utc
    day = local.date() if t < start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, start, tzinfo=zone)
    return opens.astimezone(ZoneInfo("UTC"))
