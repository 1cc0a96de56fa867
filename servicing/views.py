"""Officer screens for servicing: the quote calculator, the contract & disbursement page,
and the loan page (schedule, balances, journal)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.selectors import application_list
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import DomainError
from microloan.ledger import JournalLine
from microloan.permissions import page
from microloan.web import report_domain_error

from . import selectors, services
from .forms import ContractForm, DisburseForm, QuoteForm, RepaymentForm, RestructuringForm, ReverseForm, SignForm
from .workflow import loan_page_moves


@page("quote.view")
def quote_calculator(request):
    form = QuoteForm(request.GET or None, initial={"disbursement_date": business_date()})
    schedule = None
    if request.GET and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            schedule = services.quote(**data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
    return render(request, "servicing/quote.html", {"form": form, "schedule": schedule})


def _app(request, pk):
    return get_object_or_404(application_list(user=request.user).prefetch_related(None), pk=pk)


@page("contract.view")
def contract_page(request, pk):
    app = _app(request, pk)
    contracts = list(app.contracts.select_related("generated_by", "signed_by").order_by("-version"))
    forms = {
        "contract": ContractForm(initial={"language": app.borrower.language}),
        "sign": SignForm(),
        "disburse": DisburseForm(initial={"disbursed_on": business_date()}),
    }
    if request.method == "POST":
        step = request.POST.get("step")
        form_class, handler = {
            "contract": (ContractForm, lambda d: services.contract_generate(actor=request.user, application=app, **d)),
            "sign": (SignForm, lambda d: services.contract_sign(actor=request.user, application=app, **d)),
            "disburse": (DisburseForm, lambda d: services.loan_disburse(actor=request.user, application=app, **d)),
        }.get(step, (None, None))
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        forms[step] = form
        if form.is_valid():
            try:
                result = handler(form.cleaned_data)
            except DomainError as exc:
                report_domain_error(request, exc, form)
            else:
                if step == "disburse":
                    messages.success(request, _("Disbursed."))
                    return redirect("loan-detail", pk=result.pk)
                messages.success(request, _("Saved."))
                return redirect("contract-page", pk=app.pk)
    actions = {t.action for t in APPLICATION_WORKFLOW.available(obj=app, actor=request.user)}
    return render(
        request,
        "servicing/contract.html",
        {
            "app": app,
            "contracts": contracts,
            "forms": forms,
            "actions": actions,
            "loan": getattr(app, "loan", None) if app.status == "disbursed" else None,
        },
    )


@page("contract.view")
def contract_download(request, pk, version):
    app = _app(request, pk)
    c = get_object_or_404(app.contracts, version=version)
    return FileResponse(c.pdf.open("rb"), content_type="application/pdf", filename=f"{c.number}-v{c.version}.pdf")


@page("loan.view")
def loan_list(request):
    qs = selectors.loan_list(user=request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "servicing/loan_list.html", {"page": page, "status": status})


@page("loan.view")
def loan_detail(request, pk):
    loan = get_object_or_404(selectors.loan_list(user=request.user).select_related("officer", "contract"), pk=pk)
    forms = {"repay": RepaymentForm(initial={"paid_on": business_date()}), "restructure": RestructuringForm()}
    if request.method == "POST":
        done = _loan_post(request, loan, forms)
        if done is not None:
            return done
    installments = list(selectors.current_installments(loan))
    journal = list(
        JournalLine.objects.filter(loan_id=loan.pk)
        .select_related("entry", "account")
        .order_by("entry__business_date", "entry_id", "id")
    )
    totals = {
        "due": sum((i.total_due for i in installments), start=0),
        "paid": sum((i.total_paid for i in installments), start=0),
    }
    repayments = list(
        loan.repayments.select_related("posted_by").prefetch_related("allocations__installment").order_by("-id")
    )
    shown = next((r for r in repayments if str(r.pk) == request.GET.get("repayment")), None)
    restructurings = list(loan.restructurings.select_related("requested_by", "decided_by"))
    moves = loan_page_moves(loan=loan, actor=request.user, repayments=repayments, restructurings=restructurings)
    return render(
        request,
        "servicing/loan_detail.html",
        {
            "loan": loan,
            "installments": installments,
            "journal": journal,
            "totals": totals,
            "forms": forms,
            "repayments": repayments,
            "shown": shown,
            "restructurings": restructurings,
            "moves": moves,
            "history": selectors.loan_history(loan=loan, repayments=repayments, restructurings=restructurings),
        },
    )


def _loan_post(request, loan, forms):
    """The loan page's actions: post a repayment, reverse one, request or decide restructuring."""
    from .repayments import repayment_post, repayment_reverse
    from .restructuring import restructuring_decide, restructuring_request

    step = request.POST.get("step")
    try:
        if step == "repay":
            form = forms["repay"] = RepaymentForm(request.POST)
            if form.is_valid():
                r = repayment_post(actor=request.user, loan=loan, **form.cleaned_data)
                messages.success(request, _("Repayment posted: receipt %(n)s.") % {"n": r.receipt_number})
                return redirect(f"{reverse('loan-detail', args=[loan.pk])}?repayment={r.pk}")
        elif step == "reverse":
            form = ReverseForm(request.POST)
            r = get_object_or_404(loan.repayments, pk=request.POST.get("repayment"))
            if form.is_valid():
                repayment_reverse(actor=request.user, repayment=r, reason=form.cleaned_data["reason"])
                messages.success(request, _("Repayment reversed."))
                return redirect("loan-detail", pk=loan.pk)
            messages.error(request, _("Say why the posting is reversed."))
        elif step == "restructure":
            form = forms["restructure"] = RestructuringForm(request.POST)
            if form.is_valid():
                data = {**form.cleaned_data, "periods": form.cleaned_data["periods"] or 0}
                restructuring_request(actor=request.user, loan=loan, **data)
                messages.success(request, _("Restructuring requested; a manager approves it."))
                return redirect("loan-detail", pk=loan.pk)
        elif step == "restructure-decision":
            r = get_object_or_404(loan.restructurings, pk=request.POST.get("restructuring"))
            restructuring_decide(
                actor=request.user,
                restructuring=r,
                approve=request.POST.get("approve") == "1",
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Decision recorded."))
            return redirect("loan-detail", pk=loan.pk)
    except DomainError as exc:
        report_domain_error(request, exc, forms.get(step if step in forms else "repay"))
    return None
