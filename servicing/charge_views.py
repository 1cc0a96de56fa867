"""The loan page's charges: the rows with the buttons their table allows, and the waiver's
request and decision posted from the page (the services are ``servicing.charges``)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from .charges import charge_rows, charge_waiver_decide, charge_waiver_request
from .workflow import CHARGE_WORKFLOW

STEPS = frozenset({"charge-waiver", "charge-decision"})


def charge_page_rows(*, loan, installments, actor) -> list:
    """The charges of the current schedule, each with ``moves`` (two queries and the four-eyes
    read, whatever the number of charges)."""
    rows = charge_rows(list(loan.charges.all()), installments)
    moves = CHARGE_WORKFLOW.available_many(objs=[r.charge for r in rows], actor=actor)
    return [(r, moves.get(r.charge.pk, [])) for r in rows]


def charge_page_post(request, loan, step: str):
    """Requests a waiver (with its reason) or decides one; a DomainError goes to the caller."""
    charge = get_object_or_404(loan.charges, pk=request.POST.get("charge"))
    if step == "charge-waiver":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, _("Say why the charge should be waived."))
            return redirect("loan-detail", pk=loan.pk)
        charge_waiver_request(actor=request.user, charge=charge, reason=reason)
        messages.success(request, _("Waiver requested; another person approves it."))
    else:
        charge_waiver_decide(
            actor=request.user,
            charge=charge,
            approve=request.POST.get("approve") == "1",
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Decision recorded."))
    return redirect("loan-detail", pk=loan.pk)
