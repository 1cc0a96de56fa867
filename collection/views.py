"""Collector screens: the worklist and the case page (where a recovery on a written-off loan is
recorded); the checker's queue of recoveries and its decision; the training sandbox's day
advance. Each view reads its form, calls a service and renders or redirects; a refused move
answers 403 with the reason (``microloan.web.report_domain_error``)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.business_date import business_date
from microloan.errors import DomainError, InvalidInput
from microloan.models import BusinessCalendar
from microloan.permissions import page
from microloan.web import report_domain_error

from . import selectors
from .forms import (
    ContactForm,
    PromiseForm,
    RecoveryDecisionForm,
    RecoveryForm,
    SandboxAdvanceForm,
    WriteOffDecisionForm,
    WriteOffForm,
)
from .services import contacts, promises, recoveries, writeoffs
from .services import sandbox as sandbox_service


@page("collection.view")
def worklist(request):
    bucket = request.GET.get("bucket", "")
    page = Paginator(selectors.worklist(user=request.user, bucket=bucket), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "collection/worklist.html",
        {
            "page": page,
            "bucket": bucket,
            "buckets": selectors.BUCKET_ORDER[:-1],
            "due_today": selectors.promises_due(user=request.user, on=business_date()),
            "broken": selectors.promises_broken(user=request.user),
        },
    )


def _case_post(request, case, step: str, forms: dict) -> int | None:
    """One POST of the case page: None when it is done (the page redirects), else the status
    to show the page again with (403 for a contact the conduct rules refused)."""
    contact_form, promise_form, recovery_form = forms["contact"], forms["promise"], forms["recovery"]
    if step == "contact" and contact_form.is_valid():
        attempt = contacts.contact_log(actor=request.user, case=case, **contact_form.cleaned_data)
        if attempt.refused:
            messages.error(request, _("Contact refused: %(r)s") % {"r": attempt.refusal})
            return 403
        messages.success(request, _("Contact logged."))
    elif step == "promise" and promise_form.is_valid():
        promises.promise_create(actor=request.user, case=case, **promise_form.cleaned_data)
        messages.success(request, _("Promise recorded."))
    elif step == "write_off" and (form := WriteOffForm(request.POST)).is_valid():
        writeoffs.writeoff_request(actor=request.user, loan=case.loan, reason=form.cleaned_data["reason"])
        messages.success(request, _("Write-off proposed; a manager approves it."))
    elif step == "recovery" and recovery_form.is_valid():
        recoveries.recovery_record(actor=request.user, loan=case.loan, **recovery_form.cleaned_data)
        messages.success(request, _("Recovery recorded: it waits for confirmation by another person."))
    elif step == "write_off_decision" and (form := WriteOffDecisionForm(request.POST)).is_valid():
        w = get_object_or_404(case.loan.write_offs, pk=form.cleaned_data["write_off"])
        decide = writeoffs.writeoff_approve if form.cleaned_data["action"] == "approve" else writeoffs.writeoff_reject
        decide(actor=request.user, write_off=w, comment=form.cleaned_data["comment"])
        messages.success(request, _("Decision recorded."))
    else:
        return 200
    return None


def _case(request, pk):
    return get_object_or_404(
        selectors.cases_visible(user=request.user).select_related("loan__application", "loan__product"), pk=pk
    )


def _case_forms(request, step: str | None) -> dict:
    """The case page's forms, bound to the POST only for the step it sends."""
    return {
        "contact": ContactForm(request.POST if step == "contact" else None),
        "promise": PromiseForm(request.POST if step == "promise" else None, initial={"promised_on": business_date()}),
        "recovery": RecoveryForm(
            request.POST if step == "recovery" else None, initial={"received_on": business_date()}
        ),
    }


@page("collection.view")
def case_detail(request, pk):
    case = _case(request, pk)
    step = request.POST.get("step") if request.method == "POST" else None
    forms = _case_forms(request, step)
    status = 200
    if step is not None:
        try:
            status = _case_post(request, case, step, forms)
        except DomainError as exc:
            # A refusal (four eyes, role) answers 403 with the reason, as the API does.
            status = report_domain_error(request, exc, forms.get(step))
        if status is None:
            return redirect("collection-case", pk=case.pk)
    return _case_page(request, case, forms, status=status)


@page("collection.reveal_contacts")
@require_POST
def case_reveal_contacts(request, pk):
    """The case page with the contact sheet's numbers in clear, for this answer only (audited)."""
    case = _case(request, pk)
    try:
        sheet = contacts.contact_sheet_reveal(actor=request.user, case=case)
    except DomainError as exc:
        return _case_page(request, case, _case_forms(request, None), status=report_domain_error(request, exc))
    response = _case_page(request, case, _case_forms(request, None), sheet=sheet)
    response["Cache-Control"] = "no-store"  # the numbers stay out of caches and history
    return response


def _case_page(request, case, forms: dict, *, status: int = 200, sheet: list | None = None):
    context = selectors.case_page(case=case, user=request.user)
    if sheet is not None:
        context["contact_sheet"], context["revealed"] = sheet, True
    return render(
        request,
        "collection/case.html",
        {
            "case": case,
            "loan": case.loan,
            **context,
            "contact_form": forms["contact"],
            "promise_form": forms["promise"],
            "recovery_form": forms["recovery"],
        },
        status=status,
    )


def _recovery_queue_page(request, *, status: int = 200, decision_form: RecoveryDecisionForm | None = None):
    queue = Paginator(selectors.recoveries_pending(user=request.user), 50).get_page(request.GET.get("page"))
    selectors.recovery_moves(recoveries=queue.object_list, user=request.user)
    context = {"page": queue, "decision_form": decision_form or RecoveryDecisionForm()}
    return render(request, "collection/recovery_queue.html", context, status=status)


@page("recovery.view")
def recovery_queue(request):
    """The checker's queue: recoveries waiting for confirmation in the user's branch tree,
    oldest first, each with the moves the table allows this person (none on their own)."""
    return _recovery_queue_page(request)


@page("recovery.confirm")
@require_POST
def recovery_decision(request, pk):
    """Confirm (the journal entry is posted then) or return a recorded recovery. A refused move
    (four eyes: the recorder's own) answers 403 with the reason, bad input 400 naming the field."""
    r = get_object_or_404(selectors.recoveries_visible(user=request.user), pk=pk)
    form = RecoveryDecisionForm(request.POST)
    if not form.is_valid():
        return _recovery_queue_page(request, status=400, decision_form=form)
    try:
        if form.cleaned_data["action"] == "confirm":
            recoveries.recovery_confirm(actor=request.user, recovery=r)
            messages.success(request, _("Recovery confirmed and posted."))
        else:
            recoveries.recovery_return(actor=request.user, recovery=r, reason=form.cleaned_data["reason"])
            messages.success(request, _("Recovery returned."))
    except DomainError as exc:
        status = report_domain_error(request, exc, form)
        status = 400 if isinstance(exc, InvalidInput) else status
        return _recovery_queue_page(request, status=status, decision_form=form)
    return redirect("recovery-queue")


@page("sandbox.use")
def sandbox(request):
    if not sandbox_service.sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    cal = BusinessCalendar.objects.filter(pk=1).first()
    return render(request, "collection/sandbox.html", {"calendar": cal, "today": business_date()})


@page("sandbox.use")
@require_POST
def sandbox_advance(request):
    """Closes the current business date and moves to the next one (training only)."""
    if not sandbox_service.sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    form = SandboxAdvanceForm(request.POST)
    if not form.is_valid():
        cal = BusinessCalendar.objects.filter(pk=1).first()
        context = {"calendar": cal, "today": business_date(), "form": form}
        return render(request, "collection/sandbox.html", context, status=400)
    day = sandbox_service.sandbox_advance(actor=request.user, days=form.cleaned_data["days"] or 1)
    messages.success(
        request, _("Closed through %(d)s; the business date is now %(n)s.") % {"d": day - timedelta(days=1), "n": day}
    )
    return redirect("sandbox")
