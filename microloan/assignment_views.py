"""The hand-over page the loan's and the case's share: choose the new holder, say why, see the
history. The app's view passes its object, the role, and the service that makes the move."""

from django.contrib import messages
from django.shortcuts import redirect, render

from .assignment import eligible_holders, hand_over_history
from .assignment_forms import HandOverForm
from .errors import DomainError
from .web import report_domain_error


def hand_over_page(request, *, obj, entity: str, branch, role: str, current, move, title, done, back_url, back_label):
    """``move(holder_id, reason)`` calls the app's service; on success the page goes back."""
    holders = list(eligible_holders(branch=branch, role=role, actor=request.user))
    form = HandOverForm(request.POST or None, holders=holders, current=current)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            move(form.cleaned_data["holder"], form.cleaned_data["reason"])
        except DomainError as exc:
            status = report_domain_error(request, exc, form)
        else:
            messages.success(request, done)
            return redirect(back_url)
    return render(
        request,
        "reassign.html",
        {
            "title": title,
            "back": (back_url, back_label),
            "current": current,
            "form": form,
            "history": hand_over_history(entity=entity, entity_id=obj.pk),
        },
        status=status,
    )
