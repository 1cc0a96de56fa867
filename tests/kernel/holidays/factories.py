"""factory_boy factory of the holiday calendar's days."""

import datetime

import factory

from microloan.holidays.models import Holiday, HolidayKind


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = datetime.date(2026, 10, 1)
    kind = HolidayKind.HOLIDAY
    name = "National Day"
    region = ""
