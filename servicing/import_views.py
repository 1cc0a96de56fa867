"""The administrators' page of book imports (``servicing.book_import``): upload a CSV (its dry
run's report shown row by row), and apply a checked one — by another administrator than the
uploader (four eyes) — or discard it."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from microloan import fields
from microloan.business_date import business_date
from microloan.errors import DomainError, InvalidInput
from microloan.permissions import can, page
from microloan.web import report_domain_error

from .book_import import book_apply, book_check, book_discard
from .models import BookImport
from .workflow import BOOK_IMPORT_WORKFLOW

MAX_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Book file (CSV UTF-8 or XLSX)"))
    business_date = fields.DateFormField(label=gettext_lazy("Business date of the opening balances"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("At most 20 MB."))
        return f


def _page(request, *, status=200, form=None, shown=None):
    imports = Paginator(BookImport.objects.select_related("uploaded_by", "applied_by"), 20).get_page(
        request.GET.get("page")
    )
    moves = BOOK_IMPORT_WORKFLOW.available_many(objs=imports.object_list, actor=request.user)
    for i in imports.object_list:
        i.moves = moves.get(i.pk, [])
    if form is None and can(request.user, "book_import.check"):
        form = UploadForm(initial={"business_date": business_date()})
    context = {"page": imports, "form": form, "shown": shown}
    return render(request, "servicing/book_imports.html", context, status=status)


@page("book_import.view")
def book_imports(request):
    shown = None
    if request.GET.get("report", "").isdigit():
        shown = BookImport.objects.filter(pk=int(request.GET["report"])).first()
    return _page(request, shown=shown)


@page("book_import.check")
@require_POST
def book_import_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, status=400, form=form)
    f = form.cleaned_data["file"]
    try:
        imp = book_check(
            actor=request.user, file_name=f.name, content=f.read(), business_date=form.cleaned_data["business_date"]
        )
    except DomainError as exc:
        status = report_domain_error(request, exc, form)
        return _page(request, status=400 if isinstance(exc, InvalidInput) else status, form=form)
    if imp.problems:
        messages.error(
            request, _("The dry run found %(n)s problem(s); nothing was written.") % {"n": len(imp.problems)}
        )
    else:
        messages.success(request, _("The dry run found no problem; another administrator applies it."))
    return redirect(f"{reverse('book-imports')}?report={imp.pk}")


@page("book_import.apply")
@require_POST
def book_import_decision(request, pk):
    imp = get_object_or_404(BookImport, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "apply":
            imp = book_apply(actor=request.user, book_import=imp)
            messages.success(request, _("Book import applied: %(n)s loans.") % {"n": imp.counts.get("loans_made", 0)})
        elif action == "discard":
            book_discard(actor=request.user, book_import=imp)
            messages.success(request, _("Book import discarded."))
        else:
            raise InvalidInput({"action": [_("Apply or discard.")]})
    except DomainError as exc:
        status = report_domain_error(request, exc)
        return _page(request, status=400 if isinstance(exc, InvalidInput) else status, shown=imp)
    return redirect("book-imports")
