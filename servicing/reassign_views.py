"""The loan's hand-over page: the manager chooses another officer and says why."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from microloan.assignment import eligible_holders, hand_over_history
from microloan.assignment_forms import HandOverForm
from microloan.errors import DomainError
from microloan.models import Role
from microloan.permissions import page
from microloan.web import report_domain_error

from . import selectors
from .reassign import loan_reassign


@page("loan.reassign")
def loan_reassign_page(request, pk):
    loan = get_object_or_404(selectors.loan_list(user=request.user).select_related("officer", "branch"), pk=pk)
    holders = list(eligible_holders(branch=loan.branch, role=Role.OFFICER, actor=request.user))
    form = HandOverForm(request.POST or None, holders=holders, current=loan.officer)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            loan_reassign(
                actor=request.user,
                loan=loan,
                officer_id=form.cleaned_data["holder"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            status = report_domain_error(request, exc, form)
        else:
            messages.success(request, _("The loan is handed over."))
            return redirect("loan-detail", pk=loan.pk)
    return render(
        request,
        "reassign.html",
        {
            "title": _("Hand the loan to another officer"),
            "back": (redirect("loan-detail", pk=loan.pk).url, _("Loan") + f" #{loan.pk} · {loan.borrower.full_name}"),
            "current": loan.officer,
            "form": form,
            "history": hand_over_history(entity="loan", entity_id=loan.pk),
        },
        status=status,
    )
