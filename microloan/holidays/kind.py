"""The ``holiday`` kind of configuration change (microloan.config.registry): a calendar day is
added, changed or deleted through a proposal a second administrator applies. After the apply
``calendar_changed`` tells the apps that keep dates computed from the calendar (servicing's
instalment grace dates) which dates and regions moved."""

from __future__ import annotations

from datetime import date

import django.dispatch
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..config.registry import CREATE, DELETE, UPDATE, ModelFormKind
from .models import Holiday

# Sent in the apply's transaction: ``dates`` (the dates whose calendar entry changed),
# ``regions`` (their regions, "" for every branch).
calendar_changed = django.dispatch.Signal()


class HolidayConfigKind(ModelFormKind):
    def __init__(self):
        from .forms import HolidayForm

        super().__init__(
            name="holiday", label=_("holiday"), form_class=HolidayForm, operations={CREATE, UPDATE, DELETE}
        )

    @transaction.atomic
    def apply(self, *, operation, target_id, payload, actor):
        old = Holiday.objects.filter(pk=target_id).values_list("date", "region").first() if target_id else None
        pk = super().apply(operation=operation, target_id=target_id, payload=payload, actor=actor)
        new = Holiday.objects.filter(pk=pk).values_list("date", "region").first() if operation != DELETE else None
        moved = [x for x in (old, new) if x is not None]
        dates: set[date] = {d for d, _r in moved}
        regions: set[str] = {r for _d, r in moved}
        calendar_changed.send(sender=Holiday, dates=dates, regions=regions)
        return pk
