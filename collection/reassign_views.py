"""The case's hand-over page: the manager chooses another collector and says why."""

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
from .services.reassign import case_reassign
from .workflow import CASE_WORKFLOW


@page("collection.reassign")
def case_reassign_page(request, pk):
    case = get_object_or_404(
        selectors.cases_visible(user=request.user).select_related("assigned_to", "branch", "loan__borrower"), pk=pk
    )
    holders = list(eligible_holders(branch=case.branch, role=Role.COLLECTOR, actor=request.user))
    form = HandOverForm(request.POST or None, holders=holders, current=case.assigned_to)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case_reassign(
                actor=request.user,
                case=case,
                collector_id=form.cleaned_data["holder"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            status = report_domain_error(request, exc, form)
        else:
            messages.success(request, _("The case is handed over."))
            return redirect("collection-case", pk=case.pk)
    return render(
        request,
        "reassign.html",
        {
            "title": _("Hand the case to another collector"),
            "back": (
                redirect("collection-case", pk=case.pk).url,
                _("Collection case") + f" #{case.pk} · {case.loan.borrower.full_name}",
            ),
            "current": case.assigned_to,
            "form": form,
            "history": hand_over_history(entity=CASE_WORKFLOW.entity, entity_id=case.pk),
        },
        status=status,
    )
