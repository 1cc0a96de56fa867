"""The holiday calendar page: a year's days (and the calendar proposals still pending), the
form proposing a new day and a button proposing each day's deletion. Every write is a
configuration change another administrator applies (``config-change-detail``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..business_date import business_date
from ..config import services as config_services
from ..config.models import ConfigOperation
from ..errors import DomainError
from ..permissions import can, page
from ..web import report_domain_error
from . import selectors
from .forms import HolidayProposeForm, YearForm


def _propose(request, *, operation, target_id=None, payload=None, comment="", form=None):
    """The proposal, then its page (where another administrator applies it); None when refused."""
    try:
        change = config_services.config_change_propose(
            actor=request.user,
            kind="holiday",
            operation=operation,
            target_id=target_id,
            payload=payload,
            comment=comment,
        )
    except DomainError as exc:
        report_domain_error(request, exc, form)
        return None
    messages.success(request, _("Proposed: the calendar changes when another administrator applies it."))
    return redirect("config-change-detail", pk=change.pk)


def _delete(request):
    raw = request.POST.get("delete", "")
    target_id = (
        selectors.holiday_list(user=request.user).filter(pk=int(raw)).values_list("pk", flat=True).first()
        if raw.isascii() and raw.isdigit() and len(raw) < 19
        else None
    )
    if target_id is None:
        messages.error(request, _("No such calendar day."))
        return None
    return _propose(request, operation=ConfigOperation.DELETE, target_id=target_id)


def _create(request, form):
    if not form.is_valid():
        return None
    data = {k: form.cleaned_data[k] for k in ("date", "kind", "name", "region")}
    return _propose(
        request, operation=ConfigOperation.CREATE, payload=data, comment=form.cleaned_data["comment"], form=form
    )


def _calendar(request, form, status=200):
    filters = YearForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    year = chosen.get("year") or business_date().year
    region = (chosen.get("region") or "").strip()
    days = selectors.holiday_list(user=request.user, year=year, region=region if region else None)
    pending = selectors.pending_holiday_changes(user=request.user)
    return render(
        request,
        "config/holidays.html",
        {
            "filters": filters,
            "year": year,
            "days": days,
            "pending": pending,
            "form": form,
            "may_propose": can(request.user, "config_change.propose"),
        },
        status=status,
    )


@page("holiday.view")
def holiday_calendar(request):
    return _calendar(request, HolidayProposeForm())


@page("config_change.propose")
def holiday_propose(request):
    """The calendar page's two writes (POST): a new day (the form) or a day's deletion
    (``delete``: its id), each proposed; the page again with the reasons when refused."""
    if request.method != "POST":
        return redirect("holiday-calendar")
    deleting = "delete" in request.POST
    form = HolidayProposeForm(None if deleting else request.POST)
    done = _delete(request) if deleting else _create(request, form)
    if done is not None:
        return done
    return _calendar(request, form if not deleting else HolidayProposeForm())
