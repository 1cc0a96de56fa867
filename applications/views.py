"""Officer screens for intake. Each view validates its form, calls a service, turns a
domain error into a message and redirects; the rules live in services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from microloan.audit import audit_history
from microloan.business_date import business_date
from microloan.dbrouter import reads_replica
from microloan.errors import DomainError
from microloan.permissions import can, page
from microloan.pii import id_number_lookup, mask, mask_parties, masked_values
from microloan.web import report_domain_error

from . import selectors, services
from .forms import (
    ApplicationForm,
    BorrowerForm,
    ConsentForm,
    ConsentRevokeForm,
    DocumentReviewForm,
    DocumentUploadForm,
    LeadConvertForm,
    LeadForm,
)
from .models import ApplicationStatus, Consent, ConsentPurpose
from .workflow import APPLICATION_WORKFLOW, CONSENT_WORKFLOW, DOCUMENT_WORKFLOW, LEAD_WORKFLOW

# The application moves this page takes itself (the others live on the underwriting and
# contract pages).
PAGE_ACTIONS = ("submit", "withdraw")


@page("borrower.view")
@reads_replica
def borrower_list(request):
    qs = selectors.borrower_list(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | id_number_lookup(request.user, q) | Q(mobile__startswith=q))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "applications/borrower_list.html", {"page": page, "q": q})


@page("borrower.create")
def borrower_create(request):
    form = BorrowerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            borrower = services.borrower_create(actor=request.user, **data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Borrower registered."))
            return redirect("borrower-detail", pk=borrower.pk)
    return render(request, "applications/borrower_form.html", {"form": form})


@page("borrower.view")
def borrower_detail(request, pk):
    borrower = get_object_or_404(selectors.borrower_list(user=request.user), pk=pk)
    return _borrower_page(request, borrower, masked_values(borrower), revealed=False)


@page("borrower.reveal")
@require_POST
def borrower_reveal(request, pk):
    """The borrower page with the personal fields in clear, for this answer only (audited)."""
    borrower = get_object_or_404(selectors.borrower_list(user=request.user), pk=pk)
    try:
        personal = services.borrower_reveal(actor=request.user, borrower=borrower)
    except DomainError as exc:
        report_domain_error(request, exc)
        return redirect("borrower-detail", pk=borrower.pk)
    response = _borrower_page(request, borrower, personal, revealed=True)
    response["Cache-Control"] = "no-store"  # the clear values stay out of caches and history
    return response


def _borrower_page(request, borrower, personal: dict, *, revealed: bool):
    apps = selectors.application_list(user=request.user).filter(borrower=borrower)
    products = selectors.product_list(user=request.user).filter(is_active=True)
    on = business_date()
    admission = [(p, services.admission_check(borrower=borrower, product=p, on=on)) for p in products]
    consents = []
    if can(request.user, "consent.view"):
        consents = list(borrower.consents.select_related("captured_by", "revoked_by").order_by("-granted_on", "-id"))
        # The buttons are the consent table's (applications.workflow.CONSENT_WORKFLOW).
        moves = CONSENT_WORKFLOW.available_many(objs=consents, actor=request.user)
        for c in consents:
            c.moves = {t.action for t in moves[c.pk]}
    return render(
        request,
        "applications/borrower_detail.html",
        {
            "borrower": borrower,
            "personal": personal,
            "revealed": revealed,
            "applications": apps,
            "admission": admission,
            "consents": consents,
            "consent_form": ConsentForm(initial={"granted_on": on, "purpose": ConsentPurpose.CREDIT_INQUIRY}),
            "today": on,
        },
    )


@page("consent.record")
@require_POST
def consent_record(request, pk):
    """Captures a signed consent (授权书) from the borrower page's Consents panel."""
    borrower = get_object_or_404(selectors.borrower_list(user=request.user), pk=pk)
    form = ConsentForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errs)}")
    else:
        try:
            services.consent_record(actor=request.user, borrower=borrower, **form.cleaned_data)
            messages.success(request, _("Consent recorded."))
        except DomainError as exc:
            report_domain_error(request, exc)
    return redirect("borrower-detail", pk=borrower.pk)


@page("consent.revoke")
@require_POST
def consent_revoke(request, pk, consent_pk):
    borrower = get_object_or_404(selectors.borrower_list(user=request.user), pk=pk)
    consent = get_object_or_404(Consent, pk=consent_pk, borrower=borrower)
    form = ConsentRevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(actor=request.user, consent=consent, **form.cleaned_data)
            messages.success(request, _("Consent revoked."))
        except DomainError as exc:
            report_domain_error(request, exc)
    return redirect("borrower-detail", pk=borrower.pk)


@page("application.create")
def application_create(request, borrower_pk):
    borrower = get_object_or_404(selectors.borrower_list(user=request.user), pk=borrower_pk)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(actor=request.user, borrower=borrower, **form.cleaned_data)
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Application created."))
            return redirect("application-detail", pk=app.pk)
    return render(request, "applications/application_form.html", {"form": form, "borrower": borrower})


@page("application.view")
@reads_replica
def application_list(request):
    qs = selectors.application_list(user=request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/application_list.html",
        {"page": page, "status": status, "statuses": ApplicationStatus.choices},
    )


@page("application.view")
def application_detail(request, pk):
    app = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    parties = {"guarantors": mask_parties(app.guarantors), "collateral": mask_parties(app.collateral)}
    return _application_page(request, app, parties, revealed=False)


@page("application.reveal")
@require_POST
def application_reveal(request, pk):
    """The application page with its guarantors and collateral in clear, for this answer only
    (audited)."""
    app = get_object_or_404(selectors.application_list(user=request.user), pk=pk)
    try:
        parties = services.application_reveal(actor=request.user, application=app)
    except DomainError as exc:
        report_domain_error(request, exc)
        return redirect("application-detail", pk=app.pk)
    response = _application_page(request, app, parties, revealed=True)
    response["Cache-Control"] = "no-store"  # the clear values stay out of caches and history
    return response


def _application_page(request, app, parties: dict, *, revealed: bool):
    documents = list(app.documents.all())
    reviews = DOCUMENT_WORKFLOW.available_many(objs=documents, actor=request.user)
    for d in documents:
        d.moves = reviews[d.pk]
    return render(
        request,
        "applications/application_detail.html",
        {
            "app": app,
            "parties": parties,
            "revealed": revealed,
            "documents": documents,
            "checklist": services.document_checklist(application=app, documents=documents),
            "history": audit_history(entity="application", entity_id=app.pk),
            "actions": [
                t for t in APPLICATION_WORKFLOW.available(obj=app, actor=request.user) if t.action in PAGE_ACTIONS
            ],
            "can_upload": services.document_upload_open(actor=request.user, application=app),
            "upload_form": DocumentUploadForm(),
            "review_form": DocumentReviewForm(),
        },
    )


def _app_for_post(request, pk):
    return get_object_or_404(selectors.application_list(user=request.user), pk=pk)


@page("document.upload")
@require_POST
def document_upload(request, pk):
    app = _app_for_post(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errs)}")
    else:
        try:
            services.document_upload(actor=request.user, application=app, **form.cleaned_data)
            messages.success(request, _("Document uploaded."))
        except DomainError as exc:
            report_domain_error(request, exc)
    return redirect("application-detail", pk=app.pk)


@page("document.accept")
@require_POST
def document_review(request, pk, doc_pk):
    app = _app_for_post(request, pk)
    doc = get_object_or_404(app.documents.all(), pk=doc_pk)
    form = DocumentReviewForm(request.POST)
    if form.is_valid():
        try:
            services.document_review(actor=request.user, document=doc, **form.cleaned_data)
            messages.success(request, _("Document reviewed."))
        except DomainError as exc:
            report_domain_error(request, exc)
    return redirect("application-detail", pk=app.pk)


@page("application.submit")
@require_POST
def application_transition(request, pk, action):
    app = _app_for_post(request, pk)
    handlers = {
        "submit": lambda: services.application_submit(actor=request.user, application=app),
        "withdraw": lambda: services.application_withdraw(
            actor=request.user, application=app, reason=request.POST.get("reason", "")
        ),
    }
    if action not in handlers:
        messages.error(request, _("Unknown action."))
    else:
        try:
            handlers[action]()
            messages.success(request, _("Done."))
        except DomainError as exc:
            report_domain_error(request, exc)
    return redirect("application-detail", pk=app.pk)


@page("lead.view")
@reads_replica
def lead_list(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Lead registered."))
            return redirect("lead-list")
        except DomainError as exc:
            report_domain_error(request, exc, form)
    page = Paginator(selectors.lead_list(user=request.user), 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    moves = LEAD_WORKFLOW.available_many(objs=page.object_list, actor=request.user)
    for lead in page.object_list:  # the convert button, where the lead's table allows it
        lead.convert = next((t for t in moves[lead.pk] if t.action == "convert"), None)
    return render(request, "applications/lead_list.html", {"page": page, "form": form})


@page("lead.convert")
def lead_convert(request, pk):
    """The lead's borrower details (its name and mobile to start with); saving converts it."""
    lead = get_object_or_404(selectors.lead_list(user=request.user), pk=pk)
    if not any(t.action == "convert" for t in LEAD_WORKFLOW.available(obj=lead, actor=request.user)):
        messages.error(request, _("You cannot convert this lead."))
        return redirect("lead-list")
    data = request.POST or None
    if data is not None and data.get("mobile") == mask("mobile", lead.mobile):
        # The form shows the lead's mobile masked (microloan/pii.py); kept, it is the lead's.
        data = data.copy()
        data["mobile"] = lead.mobile
    form = LeadConvertForm(data, initial={"full_name": lead.name, "mobile": mask("mobile", lead.mobile)})
    if request.method == "POST" and form.is_valid():
        try:
            borrower, _app = services.lead_convert(actor=request.user, lead=lead, borrower_data=dict(form.cleaned_data))
        except DomainError as exc:
            report_domain_error(request, exc, form)
        else:
            messages.success(request, _("Lead converted: the borrower is registered."))
            return redirect("borrower-detail", pk=borrower.pk)
    return render(request, "applications/lead_convert.html", {"lead": lead, "form": form})


@page("dashboard.view")
def dashboard(request):
    """The staff home page: the user's applications by status, their borrowers, the latest."""
    apps = selectors.application_list(user=request.user)
    counts = dict(apps.order_by().values_list("status").annotate(n=Count("id")))
    by_status = [(code, label, counts[code]) for code, label in ApplicationStatus.choices if code in counts]
    return render(
        request,
        "applications/dashboard.html",
        {
            "by_status": by_status,
            "borrower_count": selectors.borrower_list(user=request.user).count(),
            "recent": apps[:10],
        },
    )
