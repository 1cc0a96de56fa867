"""The ledger's staff screens: the trial balance, as of any business date."""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from microloan.permissions import page

from .. import fields
from .selectors import trial_balance


class TrialBalanceFilter(forms.Form):
    date = fields.DateFormField(
        label=_("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only entries with a business date on or before this date; empty means all."),
    )


@page("ledger.trial_balance")
def trial_balance_view(request):
    form = TrialBalanceFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A date that cannot be read is an error to show, not a silent "all entries".
        return render(request, "ledger/trial_balance.html", {"form": form, "tb": None}, status=400)
    as_of = form.cleaned_data.get("date") if form.is_bound else None
    return render(request, "ledger/trial_balance.html", {"form": form, "tb": trial_balance(as_of=as_of)})
