"""Customer-service screens: the worklist (complaints with their SLA, due visits, open credit
reviews, satisfaction), the complaint page with its transition buttons, and the visit and
review pages where officers record their work. Each view validates the form, calls
care.services, turns a domain error into a message, and redirects. The pages show only the
moves the transition tables (care/workflow.py) allow the user on the object now."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.selectors import borrower_list
from microloan.audit import audit_history
from microloan.business_date import business_date
from microloan.errors import DomainError, InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import Role
from microloan.permissions import can, page
from microloan.web import report_domain_error
from servicing.selectors import loan_list

from . import selectors, services
from .forms import AssignForm, ComplaintForm, ReasonForm, ReviewCompleteForm, ScheduleVisitForm, VisitCompleteForm
from .models import CreditReview, VisitKind
from .workflow import COMPLAINT_WORKFLOW, HANDLERS, REVIEW_WORKFLOW, SENIOR

PAGE = 20


def _status_for(exc: DomainError) -> int:
    """The page answers with the status the API would give for the same refusal."""
    return 409 if isinstance(exc, TransitionNotAllowed) else 403 if isinstance(exc, NotAllowed) else 400


def _can_see_summary(user) -> bool:
    return can(user, "care.summary")


@page("care.view")
def worklist(request):
    user, today = request.user, business_date()
    mine = request.GET.get("mine") == "1"
    complaints = selectors.worklist_complaints(user=user)
    visits = selectors.worklist_visits(user=user, today=today)
    reviews = selectors.worklist_reviews(user=user)
    if mine:
        complaints = complaints.filter(handler=user)
        visits, reviews = visits.filter(officer=user), reviews.filter(officer=user)
    cpage = Paginator(complaints, PAGE).get_page(request.GET.get("cpage"))
    vpage = Paginator(visits, PAGE).get_page(request.GET.get("vpage"))
    rpage = Paginator(reviews, PAGE).get_page(request.GET.get("rpage"))
    complaint_rows = [{"c": c, "sla": services.complaint_sla(c, today=today)} for c in cpage]
    summary = selectors.feedback_summary(user=user) if _can_see_summary(user) else None
    return render(
        request,
        "care/worklist.html",
        {
            "today": today,
            "mine": mine,
            "cpage": cpage,
            "vpage": vpage,
            "rpage": rpage,
            "complaint_rows": complaint_rows,
            "summary": summary,
            "can_run_job": can(user, "care.run_job"),
            "can_file": can(user, "complaint.create"),
        },
    )


@page("care.run_job")
@require_POST
def run_periodic_reviews(request):
    """Runs the periodic job for the business date now (the sandbox, or a missed night)."""
    day = business_date()
    result = services.care_daily(business_date=day)
    messages.success(
        request,
        _("Periodic job for %(d)s: %(r)d review tasks and %(v)d post-disbursement checks created.")
        % {"d": day, "r": result["reviews_created"], "v": result["visits_created"]},
    )
    return redirect("care-worklist")


def _find_borrower(user, value: str):
    value = (value or "").strip().upper()
    qs = borrower_list(user=user)
    # ASCII digits only: str.isdigit() also accepts "²" and the like, which int() refuses.
    found = qs.filter(
        Q(id_number=value) | Q(pk=int(value))
        if value.isascii() and value.isdigit() and len(value) < 18
        else Q(id_number=value)
    ).first()
    if found is None:
        raise InvalidInput({"borrower": [_("No such borrower in your branches.")]})
    return found


@page("complaint.create")
def complaint_new(request):
    initial = {
        "received_on": business_date(),
        "borrower": request.GET.get("borrower", ""),
        "loan": request.GET.get("loan") or None,
        "channel": "phone",
    }
    form = ComplaintForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            borrower = _find_borrower(request.user, data.pop("borrower"))
            loan_id = data.pop("loan")
            loan = None
            if loan_id:
                loan = loan_list(user=request.user).filter(pk=loan_id).first()
                if loan is None:
                    raise InvalidInput({"loan": [_("No such loan in your branches.")]})
            c = services.complaint_file(actor=request.user, borrower=borrower, loan=loan, **data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(
                request, _("Complaint %(ref)s registered; the borrower has been sent a receipt.") % {"ref": c.reference}
            )
            return redirect("care-complaint", pk=c.pk)
    return render(request, "care/complaint_form.html", {"form": form})


def _complaint_move(user, c, action: str, post) -> None:
    """One button of the complaint page: the service of its action (care.services)."""
    service = services.COMPLAINT_ACTIONS.get(action)
    if service is None:
        raise InvalidInput({"action": [_("Unknown action.")]})
    if action == "resolve":
        service(actor=user, complaint=c, resolution=post.get("resolution", ""))
    else:
        service(actor=user, complaint=c, reason=post.get("reason", ""))


@page("complaint.view")
def complaint_detail(request, pk):
    user, today = request.user, business_date()
    c = get_object_or_404(selectors.complaint_list(user=user).select_related("borrower__branch"), pk=pk)
    handlers = selectors.handlers_for(branch=c.branch)
    assign_form = AssignForm(handlers=handlers, initial={"handler": c.handler_id})
    visit_form = ScheduleVisitForm(
        officers=handlers, initial={"officer": c.handler_id or user.pk, "scheduled_on": today}
    )
    status = 200
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "transition":
                action = request.POST.get("action", "")
                _complaint_move(user, c, action, request.POST)
                messages.success(request, _("Done: %(a)s.") % {"a": COMPLAINT_WORKFLOW.transitions[action].display})
                return redirect("care-complaint", pk=c.pk)
            if step == "assign":
                assign_form = AssignForm(request.POST, handlers=handlers)
                if assign_form.is_valid():
                    services.complaint_assign(actor=user, complaint=c, handler=assign_form.cleaned_data["handler"])
                    messages.success(request, _("Handler assigned."))
                    return redirect("care-complaint", pk=c.pk)
            elif step == "take":
                services.complaint_assign(actor=user, complaint=c, handler=user)
                messages.success(request, _("Handler assigned."))
                return redirect("care-complaint", pk=c.pk)
            elif step == "visit":
                visit_form = ScheduleVisitForm(request.POST, officers=handlers)
                if visit_form.is_valid():
                    services.visit_schedule(
                        actor=user,
                        borrower=c.borrower,
                        kind=VisitKind.COMPLAINT,
                        complaint=c,
                        loan=c.loan,
                        **visit_form.cleaned_data,
                    )
                    messages.success(request, _("Follow-up scheduled."))
                    return redirect("care-complaint", pk=c.pk)
            else:
                raise InvalidInput({"step": [_("Unknown action.")]})
        except DomainError as exc:
            report_domain_error(request, exc, visit_form if step == "visit" else assign_form)
            status = _status_for(exc)
    return render(
        request,
        "care/complaint.html",
        {
            "c": c,
            "sla": services.complaint_sla(c, today=today),
            "today": today,
            "actions": [(t.action, t.display) for t in services.complaint_available(complaint=c, actor=user)],
            "can_assign": user.role in SENIOR or user.is_superuser,
            "can_take": user.role == Role.OFFICER and not c.handler_id and c.status != "closed",
            "can_schedule": (user.role in HANDLERS or user.is_superuser) and c.status != "closed",
            "assign_form": assign_form,
            "visit_form": visit_form,
            "visits": list(c.follow_up_visits.select_related("officer").order_by("-id")),
            "feedback": list(c.feedback.all()),
            "history": list(audit_history(entity="complaint", entity_id=c.pk)),
        },
        status=status,
    )


@page("follow_up_visit.view")
def visit_detail(request, pk):
    user, today = request.user, business_date()
    v = get_object_or_404(selectors.visit_list(user=user).select_related("loan__application"), pk=pk)
    form = VisitCompleteForm(initial={"visited_on": today, "method": "on_site"})
    cancel_form = ReasonForm()
    status = 200
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "complete":
                form = VisitCompleteForm(request.POST)
                if form.is_valid():
                    services.visit_complete(actor=user, visit=v, **form.cleaned_data)
                    messages.success(request, _("Visit recorded."))
                    return redirect("care-visit", pk=v.pk)
            elif step == "cancel":
                cancel_form = ReasonForm(request.POST)
                if cancel_form.is_valid():
                    services.visit_cancel(actor=user, visit=v, reason=cancel_form.cleaned_data["reason"])
                    messages.success(request, _("Visit cancelled."))
                    return redirect("care-visit", pk=v.pk)
            else:
                raise InvalidInput({"step": [_("Unknown action.")]})
        except DomainError as exc:
            report_domain_error(request, exc, cancel_form if step == "cancel" else form)
            status = _status_for(exc)
    moves = {t.action for t in services.visit_available(visit=v, actor=user)}
    return render(
        request,
        "care/visit.html",
        {
            "v": v,
            "form": form,
            "cancel_form": cancel_form,
            "today": today,
            "can_complete": "complete" in moves,
            "can_cancel": "cancel" in moves,
            "history": list(audit_history(entity="follow_up_visit", entity_id=v.pk)),
        },
        status=status,
    )


@page("credit_review.view")
def review_detail(request, pk):
    from underwriting.models import CreditRecord

    user, today = request.user, business_date()
    r = get_object_or_404(selectors.review_list(user=user), pk=pk)
    form = ReviewCompleteForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("step") != "complete":
            raise PermissionDenied("Unknown action.")
        form = ReviewCompleteForm(request.POST)
        if form.is_valid():
            try:
                services.credit_review_complete(actor=user, review=r, **form.cleaned_data)
            except DomainError as exc:
                report_domain_error(request, exc, form)
                status = _status_for(exc)
            else:
                messages.success(request, _("Review completed."))
                return redirect("care-review", pk=r.pk)
    return render(
        request,
        "care/review.html",
        {
            "r": r,
            "loan": r.loan,
            "form": form,
            "today": today,
            "can_act": any(t.action == "complete" for t in REVIEW_WORKFLOW.available(obj=r, actor=user))
            and (not r.officer_id or r.officer_id == user.pk or user.role in SENIOR or user.is_superuser),
            "credit_record": CreditRecord.objects.filter(borrower_id=r.borrower_id).order_by("-as_of", "-id").first(),
            "earlier": list(
                CreditReview.objects.filter(loan_id=r.loan_id)
                .exclude(pk=r.pk)
                .select_related("completed_by")
                .order_by("-business_date", "-id")[:20]
            ),
            "history": list(audit_history(entity="credit_review", entity_id=r.pk)),
        },
        status=status,
    )
