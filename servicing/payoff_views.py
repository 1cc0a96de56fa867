"""The payoff quote page: what closing the loan costs on a chosen date, part by part, and the
future interest it does not charge (servicing.repayments.payoff_quote, the API's one home)."""

from django.shortcuts import get_object_or_404, render

from microloan.business_date import business_date
from microloan.errors import DomainError
from microloan.permissions import page
from microloan.web import report_domain_error

from . import selectors
from .forms import PayoffForm
from .repayments import payoff_quote


@page("loan.view")
def payoff_page(request, pk):
    loan = get_object_or_404(selectors.loan_list(user=request.user).select_related("contract", "borrower"), pk=pk)
    today = business_date()
    form = PayoffForm(request.GET or {"date": today.isoformat()})
    quote, status = None, 200
    if form.is_valid():
        try:
            quote = payoff_quote(loan=loan, on=form.cleaned_data["date"])
        except DomainError as exc:
            status = report_domain_error(request, exc, form)
    return render(
        request,
        "servicing/payoff.html",
        {
            "loan": loan,
            "form": form,
            "quote": quote,
            "today": today,
            "forgiven": sum(quote.forgiven_interest.values()) if quote else 0,
        },
        status=status,
    )
