"""Underwriting screens: the managers' approval queue and decision page, the reviewers'
worklist, and the case workbench where officers record the visit and the assessment."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import ApplicationStatus
from applications.selectors import application_list
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import DomainError
from microloan.permissions import page
from microloan.policy import policy
from microloan.web import report_domain_error

from . import selectors, services
from .forms import AssessmentForm, DecisionForm, InvestigationForm, QueueFilterForm, ReviewForm
from .models import DecisionKind


@page("underwriting.queue")
def approval_queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.approval_queue(user=request.user, **{k: v for k, v in filters.items() if v not in (None, "")})
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    for a in page:
        hours = int((now - a.pending_since).total_seconds() // 3600) if a.pending_since else 0
        rows.append(
            {
                "app": a,
                "age_days": hours // 24,
                "age_rest_hours": hours % 24,
                "breach": selectors.sla_deadline_passed(a, now),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "underwriting/approval_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "limit": services.authority_limit(request.user),
            "sla_hours": policy().underwriting.approval_sla_hours,
        },
    )


@page("underwriting.worklist")
def review_worklist(request):
    page = Paginator(selectors.review_worklist(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "underwriting/review_worklist.html", {"page": page})


def _case(request, pk):
    return get_object_or_404(application_list(user=request.user).prefetch_related(None), pk=pk)


@page("underwriting.case")
def case_workbench(request, pk):
    """Officers record the visit and the assessment; reviewers give their opinion."""
    app = _case(request, pk)
    forms = {
        "investigation": InvestigationForm(prefix="inv", initial={"visited_on": business_date()}),
        "assessment": AssessmentForm(
            prefix="asm",
            initial={
                "monthly_income": app.borrower.monthly_income,
                "existing_installments": 0,
                "monthly_expenses": 0,
                "overdue_count_24m": 0,
                "worst_status_24m": "none",
                "current_debt": app.borrower.existing_debts,
                "inquiries_6m": 0,
            },
        ),
        "review": ReviewForm(prefix="rev"),
    }
    status = 200
    if request.method == "POST":
        step = request.POST.get("step")
        form_class, prefix, service = {
            "investigation": (InvestigationForm, "inv", services.application_investigate),
            "assessment": (AssessmentForm, "asm", services.application_assess),
            "review": (ReviewForm, "rev", services.application_review),
        }.get(step, (None, None, None))
        if form_class is None:
            messages.error(request, _("Unknown action."))
            return redirect("underwriting-case", pk=app.pk)
        form = form_class(request.POST, prefix=prefix)
        forms[step] = form
        if form.is_valid():
            try:
                service(actor=request.user, application=app, **form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("underwriting-case", pk=app.pk)
            except DomainError as exc:
                # Four eyes or role: the same 403 and reason as the API gives, shown on the page.
                status = report_domain_error(request, exc, form)
    actions = [t.action for t in APPLICATION_WORKFLOW.available(obj=app, actor=request.user)]
    return render(
        request,
        "underwriting/case.html",
        {"app": app, **selectors.case_file(app=app), "forms": forms, "actions": actions},
        status=status,
    )


@page("application.approve")
def decision_page(request, pk):
    """Everything a manager needs on one screen, and the decision form."""
    app = _case(request, pk)
    case = selectors.case_file(app=app)
    a = case["assessment"]
    form = DecisionForm(
        request.POST or None,
        initial={
            "decision": "approve",
            "approved_amount": a.recommended_amount if a and a.recommended_amount else app.amount,
            "approved_term": a.recommended_term if a and a.recommended_term else app.term,
            "approved_rate": a.recommended_rate if a and a.recommended_rate is not None else app.product.min_rate,
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            r = services.application_decide(actor=request.user, application=app, **form.cleaned_data)
        except DomainError as exc:
            # Four eyes or authority: the same 403 and reason as the API gives, shown on the page.
            status = report_domain_error(request, exc, form)
        else:
            if r.committee_size and r.status == "pending_approval":
                messages.info(
                    request,
                    _("Your vote is recorded: %(n)d of %(size)d committee votes.")
                    % {"n": r.committee_votes, "size": r.committee_size},
                )
            else:
                messages.success(request, _("Decision recorded: %(s)s.") % {"s": ApplicationStatus(r.status).label})
            return redirect("approval-queue")
    return render(
        request,
        "underwriting/decision.html",
        {
            "app": app,
            **case,
            "form": form,
            "limit": services.authority_limit(request.user),
            "breach": selectors.sla_deadline_passed(app),
            # The decisions the table lets this manager take now (four eyes included).
            "decision_moves": [
                t.action
                for t in APPLICATION_WORKFLOW.available(obj=app, actor=request.user)
                if t.action in DecisionKind.values
            ],
        },
        status=status,
    )


@page("credit_record.create")
def credit_import(request):
    """征信 import: a CSV of credit records, all rows or none, each bad row named."""
    from applications.selectors import borrower_list

    from .forms import CreditImportForm

    form = CreditImportForm(request.POST or None, request.FILES or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text."))
        else:
            try:
                created = services.credit_records_import(
                    actor=request.user, text=text, borrowers=borrower_list(user=request.user)
                )
                messages.success(request, _("%(n)d credit records imported.") % {"n": len(created)})
            except DomainError as exc:
                report_domain_error(request, exc, form)
    return render(request, "underwriting/credit_import.html", {"form": form, "created": created})
