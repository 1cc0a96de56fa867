"""Quiet hours: no automatic message between 22:00 and 08:00 in the recipient's zone."""

import pytest

from microloan.notifications.quiet_hours import next_allowed_time

from .helpers import SHANGHAI, utc


@pytest.mark.parametrize(
    "now,expected",
    [
        (utc(2026, 11, 20, 15, 30), utc(2026, 11, 21, 0, 0)),  # 23:30 Shanghai -> 08:00 next day
        (utc(2026, 11, 20, 14, 0), utc(2026, 11, 21, 0, 0)),  # 22:00 sharp is already quiet
        (utc(2026, 11, 20, 23, 59), utc(2026, 11, 21, 0, 0)),  # 07:59 -> 08:00 the same day
        (utc(2026, 11, 20, 16, 0), utc(2026, 11, 21, 0, 0)),  # 00:00 -> 08:00 the same day
        (utc(2026, 11, 21, 0, 0), utc(2026, 11, 21, 0, 0)),  # 08:00 sharp is allowed
        (utc(2026, 11, 20, 13, 59), utc(2026, 11, 20, 13, 59)),  # 21:59 is allowed
    ],
)
def test_next_allowed_time_keeps_out_of_22_to_08_local(now, expected):
    assert next_allowed_time(now, SHANGHAI) == expected


def test_next_allowed_time_follows_the_recipients_zone_and_the_settings(settings):
    # 08:05 in Shanghai is 00:05 in London: held back to 08:00 London time (GMT in November)
    assert next_allowed_time(utc(2026, 11, 20, 0, 5), "Europe/London") == utc(2026, 11, 20, 8, 0)
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    assert next_allowed_time(utc(2026, 11, 20, 13, 30), SHANGHAI) == utc(2026, 11, 21, 1, 0)  # 21:30
    assert next_allowed_time(utc(2026, 11, 20, 0, 30), SHANGHAI) == utc(2026, 11, 20, 1, 0)  # 08:30
    # explicit arguments win; a window across midnight works too
    assert next_allowed_time(utc(2026, 11, 20, 12, 0), SHANGHAI, start="22:00", end="06:00") == utc(2026, 11, 20, 14, 0)
