"""The ledger's staff screens: the trial balance of the user's branches, as of any business
date."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from microloan.permissions import page

from .. import fields
from ..models import Branch
from .selectors import LedgerScope, trial_balance


class BranchChoice(forms.ModelChoiceField):
    """A branch id: ASCII digits only (``int()`` would read other scripts' digits as well)."""

    def to_python(self, value):
        if value not in self.empty_values and not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class TrialBalanceFilter(forms.Form):
    date = fields.DateFormField(
        label=_("As of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=fields.DateInput(),
        help_text=_("Only entries with a business date on or before this date; empty means all."),
    )
    branch = BranchChoice(
        label=_("Branch"), queryset=Branch.objects.none(), required=False, empty_label=_("All my branches")
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        # The branches the user may choose: their tree (``microloan.scoping``), all of them for
        # a superuser without a branch.
        if user.branch_id:
            branches = user.branch.subtree()
        else:
            branches = Branch.objects.all() if user.is_superuser else Branch.objects.none()
        field = self.fields["branch"]
        assert isinstance(field, BranchChoice)
        field.queryset = branches.order_by("path")


@page("ledger.trial_balance")
def trial_balance_view(request):
    """The trial balance of the user's branches (``?branch=``: one branch of their tree)."""
    form = TrialBalanceFilter(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        if "branch" in form.errors:
            raise Http404("No such branch in your branch tree.")  # as for any object they cannot see
        # A date that cannot be read is an error to show, not a silent "all entries".
        return render(request, "ledger/trial_balance.html", {"form": form, "tb": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    scope = LedgerScope(user=request.user, branch=data.get("branch"))
    tb = trial_balance(as_of=data.get("date"), scope=scope)
    return render(request, "ledger/trial_balance.html", {"form": form, "tb": tb})
