"""The loan's hand-over page: the manager chooses another officer and says why."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from microloan.assignment_views import hand_over_page
from microloan.models import Role
from microloan.permissions import page

from . import selectors
from .reassign import loan_reassign


@page("loan.reassign")
def loan_reassign_page(request, pk):
    loan = get_object_or_404(selectors.loan_list(user=request.user).select_related("officer", "branch"), pk=pk)
    return hand_over_page(
        request,
        obj=loan,
        entity="loan",
        branch=loan.branch,
        role=Role.OFFICER,
        current=loan.officer,
        move=lambda holder, reason: loan_reassign(actor=request.user, loan=loan, officer_id=holder, reason=reason),
        title=_("Hand the loan to another officer"),
        done=_("The loan is handed over."),
        back_url=reverse("loan-detail", args=[loan.pk]),
        back_label=_("Loan") + f" #{loan.pk} · {loan.borrower.full_name}",
    )
