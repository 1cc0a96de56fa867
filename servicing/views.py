"""Officer screens for servicing: the quote calculator, the contract & disbursement page,
and the loan page (schedule, balances, journal)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import DocumentStatus
from applications.selectors import application_list
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.dbrouter import reads_replica
from microloan.errors import DomainError
from microloan.ledger import JournalLine
from microloan.permissions import can, page
from microloan.web import report_domain_error

from . import disbursement, selectors, services
from .charge_views import STEPS as CHARGE_STEPS
from .charge_views import charge_page_post, charge_page_rows
from .forms import (
    ContractForm,
    DisburseForm,
    QuoteForm,
    ReleaseForm,
    RepaymentForm,
    RestructuringForm,
    ReverseForm,
    SignForm,
)
from .mandates import last_debits
from .models import DisbursementStatus
from .workflow import DISBURSEMENT_WORKFLOW, loan_page_moves


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


def _disburse_form(app, data=None) -> DisburseForm:
    return DisburseForm(
        data,
        initial={"disbursed_on": business_date()},
        conditions=disbursement.approval_conditions(app),
        documents=app.documents.filter(status=DocumentStatus.ACCEPTED).order_by("id"),
    )


def _contract_post(request, app, forms):
    """The contract page's moves: generate, sign, prepare the disbursement (the maker), release
    or return it (the checker). A redirect when done; None to show the page again (the form
    with its errors, or the refusal: a refused four-eyes or role move answers 403)."""
    step = request.POST.get("step")
    pending = disbursement.pending_disbursement(app)
    handlers = {
        "contract": (ContractForm, lambda d: services.contract_generate(actor=request.user, application=app, **d)),
        "sign": (SignForm, lambda d: services.contract_sign(actor=request.user, application=app, **d)),
        "disburse": (
            lambda data: _disburse_form(app, data),
            lambda d: disbursement.disbursement_prepare(actor=request.user, application=app, **d),
        ),
        "release": (
            ReleaseForm,
            lambda d: disbursement.disbursement_release(actor=request.user, disbursement=pending),
        ),
        "return": (
            ReverseForm,
            lambda d: disbursement.disbursement_return(actor=request.user, disbursement=pending, reason=d["reason"]),
        ),
    }
    if step not in handlers or (step in ("release", "return") and pending is None):
        raise Http404
    make_form, handler = handlers[step]
    form = forms[step] = make_form(request.POST)
    if not form.is_valid():
        return None
    data = form.service_data() if step == "disburse" else form.cleaned_data
    try:
        result = handler(data)
    except DomainError as exc:
        # Four eyes or role: the same 403 and reason as the API gives, shown on the page.
        request.page_status = report_domain_error(request, exc, form)
        return None
    if step == "release":
        messages.success(request, _("Released: the loan is disbursed."))
        return redirect("loan-detail", pk=result.pk)
    done = {
        "disburse": _("Disbursement prepared: it waits for release by another person."),
        "return": _("Disbursement returned to be prepared again."),
    }
    messages.success(request, done.get(step, _("Saved.")))
    return redirect("contract-page", pk=app.pk)


@page("contract.view")
def contract_page(request, pk):
    app = _app(request, pk)
    contracts = list(app.contracts.select_related("generated_by", "signed_by").order_by("-version"))
    forms = {
        "contract": ContractForm(initial={"language": app.borrower.language}),
        "sign": SignForm(),
        "disburse": _disburse_form(app),
        "return": ReverseForm(),
    }
    if request.method == "POST":
        done = _contract_post(request, app, forms)
        if done is not None:
            return done
    pending = disbursement.pending_disbursement(app)
    if pending and not (can(request.user, "disbursement.prepare") or can(request.user, "disbursement.release")):
        pending.beneficiary_account = disbursement.masked_account(pending.beneficiary_account)
    actions = {t.action for t in APPLICATION_WORKFLOW.available(obj=app, actor=request.user)}
    checks = {t.action for t in DISBURSEMENT_WORKFLOW.available(obj=pending, actor=request.user)} if pending else set()
    return render(
        request,
        "servicing/contract.html",
        {
            "app": app,
            "contracts": contracts,
            "forms": forms,
            "actions": actions,
            "pending": pending,
            "pending_conditions": list(pending.conditions.select_related("document")) if pending else [],
            "checks": checks,
            "returned": list(app.disbursements.filter(status=DisbursementStatus.RETURNED).select_related("decided_by")),
            "loan": getattr(app, "loan", None) if app.status == "disbursed" else None,
        },
        status=getattr(request, "page_status", 200),
    )


@page("disbursement.release")
def release_queue(request):
    """The checker's queue: the disbursements waiting for release in the user's branch tree,
    oldest first, each with the moves the table allows this person (none on their own)."""
    queue = Paginator(selectors.disbursements_pending(user=request.user), 50).get_page(request.GET.get("page"))
    moves = DISBURSEMENT_WORKFLOW.available_many(objs=queue.object_list, actor=request.user)
    for d in queue.object_list:
        d.moves = {t.action for t in moves.get(d.pk, [])}
    return render(request, "servicing/release_queue.html", {"page": queue})


@page("contract.view")
def contract_download(request, pk, version):
    app = _app(request, pk)
    c = get_object_or_404(app.contracts, version=version)
    return FileResponse(c.pdf.open("rb"), content_type="application/pdf", filename=f"{c.number}-v{c.version}.pdf")


@page("loan.view")
@reads_replica
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
    status = 200
    if request.method == "POST":
        done = _loan_post(request, loan, forms)
        if not isinstance(done, int):
            return done
        status = done
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
    charges = charge_page_rows(loan=loan, installments=installments, actor=request.user)
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
            "charges": charges,
            "history": selectors.loan_history(loan=loan, repayments=repayments, restructurings=restructurings),
            "last_debit": last_debits([loan.pk]).get(loan.pk),
        },
        status=status,
    )


def _loan_post(request, loan, forms):
    """The loan page's actions: post a repayment, reverse one, request or decide restructuring.
    A redirect when done; else the status to show the page again with (a refused move — four
    eyes, role — is a 403 with the reason, as the API answers)."""
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
        elif step in CHARGE_STEPS:
            return charge_page_post(request, loan, step)
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
        return report_domain_error(request, exc, forms.get(step if step in forms else "repay"))
    return 200
