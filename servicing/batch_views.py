"""The managers' page of batch disaster deferrals (``servicing.restructuring_batch``): the
batches of the branch tree with the moves the table allows this person (none on their own
proposal), and the form that proposes one. Thin: forms in, a service called, a redirect or
the page again with the reason (403 for a refused move, 400 naming the field)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from microloan import fields
from microloan.errors import DomainError, InvalidInput
from microloan.models import Branch
from microloan.permissions import can, page
from microloan.web import report_domain_error

from .api.restructuring_batches import batches_visible
from .restructuring_batch import batch_decide, batch_propose, branch_tree_q
from .workflow import RESTRUCTURING_BATCH_WORKFLOW


class BatchForm(forms.Form):
    branch = forms.ChoiceField(label=gettext_lazy("Branch or region (with its branches)"))
    periods = fields.IntegerFormField(label=gettext_lazy("Periods to defer"), min_value=1, max_value=12)
    reason = forms.CharField(label=gettext_lazy("Disaster and reason"), max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [
            (b.pk, f"{b.code} {b.name}") for b in Branch.objects.filter(branch_tree_q(user)).order_by("path")
        ]


class BatchDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = forms.CharField(required=False, max_length=2000)


def _page(request, *, status=200, form=None, decision_form=None):
    batches = Paginator(
        batches_visible(request.user).select_related("branch", "proposed_by", "decided_by"), 25
    ).get_page(request.GET.get("page"))
    moves = RESTRUCTURING_BATCH_WORKFLOW.available_many(objs=batches.object_list, actor=request.user)
    for b in batches.object_list:
        b.moves = moves.get(b.pk, [])
    context = {
        "page": batches,
        "form": form or (BatchForm(user=request.user) if can(request.user, "restructuring_batch.propose") else None),
        "decision_form": decision_form,
    }
    return render(request, "servicing/restructuring_batches.html", context, status=status)


@page("restructuring_batch.view")
def restructuring_batches(request):
    return _page(request)


@page("restructuring_batch.propose")
@require_POST
def restructuring_batch_propose(request):
    form = BatchForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, status=400, form=form)
    try:
        batch_propose(
            actor=request.user,
            branch=Branch.objects.get(pk=form.cleaned_data["branch"]),
            periods=form.cleaned_data["periods"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        status = report_domain_error(request, exc, form)
        return _page(request, status=400 if isinstance(exc, InvalidInput) else status, form=form)
    messages.success(request, _("Batch deferral proposed; another manager approves it."))
    return redirect("restructuring-batches")


@page("restructuring_batch.approve")
@require_POST
def restructuring_batch_decision(request, pk):
    b = get_object_or_404(batches_visible(request.user), pk=pk)
    form = BatchDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, decision_form=form)
    try:
        b = batch_decide(
            actor=request.user,
            batch=b,
            approve=form.cleaned_data["action"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        status = report_domain_error(request, exc, form)
        return _page(request, status=400 if isinstance(exc, InvalidInput) else status, decision_form=form)
    if b.status == "approved":
        messages.success(request, _("Batch deferral approved: %(n)s loans deferred.") % {"n": b.loans_applied})
    else:
        messages.success(request, _("Batch deferral rejected."))
    return redirect("restructuring-batches")
