"""Collector screens: the worklist and the case page; the training sandbox's day advance."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from care.models import Complaint
from microloan.business_date import business_date, business_date_set
from microloan.errors import DomainError
from microloan.models import BusinessCalendar, Role
from microloan.scoping import branch_q
from microloan.web import report_domain_error, role_required, staff_required

from . import cases
from .case_models import CaseStatus, CollectionCase, ContactChannel, PromiseStatus

BUCKET_ORDER = ["180+", "91-180", "61-90", "31-60", "1-30", "current"]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ContactChannel.choices)
    party = forms.ChoiceField(label=gettext_lazy("Contacted party"), choices=[
        ("borrower", gettext_lazy("Borrower")), ("guarantor", gettext_lazy("Guarantor")),
        ("third_party", gettext_lazy("Third party"))])
    party_name = forms.CharField(label=gettext_lazy("Name (guarantor)"), required=False, max_length=100)
    connected = forms.BooleanField(label=gettext_lazy("Connected"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False, choices=[
        ("", "—"), ("promise", gettext_lazy("Promised to pay")), ("no_answer", gettext_lazy("No answer")),
        ("refused", gettext_lazy("Refused to pay")), ("wrong_number", gettext_lazy("Wrong number")),
        ("paid", gettext_lazy("Says paid"))])
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=18, decimal_places=2)
    promised_on = forms.DateField(label=gettext_lazy("Promised for"), widget=forms.DateInput(attrs={"type": "date"}))


def _cases(user):
    return CollectionCase.objects.filter(branch_q(user)).select_related("loan__borrower", "assigned_to")


@role_required(Role.COLLECTOR, Role.OFFICER, Role.MANAGER, Role.ADMIN, Role.AUDITOR)
def worklist(request):
    today = business_date()
    qs = _cases(request.user).filter(status=CaseStatus.OPEN).annotate(
        mine=Case(When(assigned_to=request.user, then=Value(0)), default=Value(1), output_field=IntegerField()),
        bucket_rank=Case(*[When(loan__bucket=b, then=Value(i)) for i, b in enumerate(BUCKET_ORDER)],
                         default=Value(9), output_field=IntegerField()),
    ).order_by("mine", "bucket_rank", "-loan__days_past_due", "id")
    bucket = request.GET.get("bucket", "")
    if bucket:
        qs = qs.filter(loan__bucket=bucket)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    from .case_models import PromiseToPay
    due_today = (PromiseToPay.objects.filter(case__in=_cases(request.user), status=PromiseStatus.OPEN,
                                             promised_on=today).select_related("case__loan__borrower"))
    broken = (PromiseToPay.objects.filter(case__in=_cases(request.user).filter(status=CaseStatus.OPEN),
                                          status=PromiseStatus.BROKEN).select_related("case__loan__borrower"))
    return render(request, "collection/worklist.html", {"page": page, "bucket": bucket, "buckets": BUCKET_ORDER[:-1],
                                                        "due_today": due_today, "broken": broken})


@role_required(Role.COLLECTOR, Role.OFFICER, Role.MANAGER, Role.ADMIN, Role.AUDITOR)
def case_detail(request, pk):
    case = get_object_or_404(_cases(request.user).select_related("loan__application", "loan__product"), pk=pk)
    contact_form, promise_form = ContactForm(), PromiseForm(initial={"promised_on": business_date()})
    status = 200
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "contact":
                contact_form = ContactForm(request.POST)
                if contact_form.is_valid():
                    a = cases.contact_log(actor=request.user, case=case, **contact_form.cleaned_data)
                    if a.refused:
                        messages.error(request, _("Contact refused: %(r)s") % {"r": a.refusal_reason})
                        status = 403
                    else:
                        messages.success(request, _("Contact logged."))
                        return redirect("collection-case", pk=case.pk)
            elif step == "promise":
                promise_form = PromiseForm(request.POST)
                if promise_form.is_valid():
                    cases.promise_create(actor=request.user, case=case, **promise_form.cleaned_data)
                    messages.success(request, _("Promise recorded."))
                    return redirect("collection-case", pk=case.pk)
            elif step == "write_off":
                cases.writeoff_request(actor=request.user, loan=case.loan, reason=request.POST.get("reason", ""))
                messages.success(request, _("Write-off proposed; a manager approves it."))
                return redirect("collection-case", pk=case.pk)
            elif step == "write_off_decision":
                w = get_object_or_404(case.loan.write_offs, pk=request.POST.get("write_off"))
                cases.writeoff_decide(actor=request.user, write_off=w, approve=request.POST.get("approve") == "1")
                messages.success(request, _("Decision recorded."))
                return redirect("collection-case", pk=case.pk)
        except DomainError as exc:
            report_domain_error(request, exc)
    return render(request, "collection/case.html", {
        "case": case, "loan": case.loan, "steps": list(case.steps.all()),
        "contacts": list(case.contacts.select_related("actor")[:100]), "promises": list(case.promises.all()),
        "write_offs": list(case.loan.write_offs.select_related("requested_by", "decided_by")),
        # The borrower's complaints (collection conduct ones first), so whoever works the case
        # knows of a dispute about it.
        "complaints": list(Complaint.objects.filter(borrower_id=case.loan.borrower_id)
                           .order_by(Case(When(category="collection_conduct", then=0), default=1), "-received_on")),
        "contact_form": contact_form, "promise_form": promise_form}, status=status)


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "SANDBOX_ENABLED", settings.DEBUG))


@staff_required
def sandbox(request):
    if not sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    cal = BusinessCalendar.objects.filter(pk=1).first()
    return render(request, "collection/sandbox.html", {"calendar": cal, "today": business_date()})


@staff_required
@require_POST
def sandbox_advance(request):
    """Closes the current business date and moves to the next one (training only)."""
    if not sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    if request.user.role not in (Role.MANAGER, Role.ADMIN) and not request.user.is_superuser:
        raise PermissionDenied("Managers and administrators advance the sandbox date.")
    from care.services import care_daily
    from servicing.reminders import reminders_create

    from .close import close_day
    days = max(1, min(int(request.POST.get("days", "1") or 1), 400))
    day = business_date()
    for _i in range(days):
        # What the nightly schedule does around midnight: the close of the day, then the next
        # morning's customer-service tasks and repayment reminders.
        close_day(business_date=day)
        day += timedelta(days=1)
        business_date_set(value=day)
        care_daily(business_date=day)
        reminders_create(business_date=day)
    messages.success(request, _("Closed through %(d)s; the business date is now %(n)s.")
                     % {"d": day - timedelta(days=1), "n": day})
    return redirect("sandbox")
