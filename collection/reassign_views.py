"""The case's hand-over page: the manager chooses another collector and says why."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from microloan.assignment_views import hand_over_page
from microloan.models import Role
from microloan.permissions import page

from . import selectors
from .services.reassign import case_reassign
from .workflow import CASE_WORKFLOW


@page("collection.reassign")
def case_reassign_page(request, pk):
    case = get_object_or_404(
        selectors.cases_visible(user=request.user).select_related("assigned_to", "branch", "loan__borrower"), pk=pk
    )
    return hand_over_page(
        request,
        obj=case,
        entity=CASE_WORKFLOW.entity,
        branch=case.branch,
        role=Role.COLLECTOR,
        current=case.assigned_to,
        move=lambda holder, reason: case_reassign(actor=request.user, case=case, collector_id=holder, reason=reason),
        title=_("Hand the case to another collector"),
        done=_("The case is handed over."),
        back_url=reverse("collection-case", args=[case.pk]),
        back_label=_("Collection case") + f" #{case.pk} · {case.loan.borrower.full_name}",
    )
