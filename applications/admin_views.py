"""Administration of the loan products (#14 point 1): the list, a new product, a product's
change. The screen's form is the product's own (``ProductForm``: methods and frequencies from
their lists, ranges ordered, documents from the kinds, fees and charges, penalty, grace, the
due-date rule) with the rates typed as percentages; a valid form is proposed (kind
``product``) and applied by another administrator."""

from django import forms
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from microloan.administration.forms import ProposalCommentForm
from microloan.config.models import ConfigChangeStatus
from microloan.config.screens import propose_from_form
from microloan.config.selectors import config_change_list
from microloan.fields import PercentFormField
from microloan.permissions import page

from .forms import ProductForm
from .models import Product


class ProductScreenForm(ProductForm):
    """``ProductForm`` as the administrator types it: rates in percent, lists as ticks."""

    min_rate = PercentFormField(label=_("Minimum annual rate"), max_percent=100)
    max_rate = PercentFormField(label=_("Maximum annual rate"), max_percent=100)
    fee_rate = PercentFormField(label=_("Upfront fee (share of the amount)"), max_percent=100, required=False)
    penalty_rate = PercentFormField(
        label=_("Penalty annual rate"),
        max_percent=100,
        required=False,
        help_text=_("Empty means the contract rate × 1.5."),
    )
    late_fee_rate = PercentFormField(
        label=_("Late fee (share of the overdue instalment)"), max_percent=100, required=False
    )
    prepayment_fee_rate = PercentFormField(
        label=_("Prepayment fee (share of the principal prepaid)"), max_percent=100, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("methods", "frequencies", "required_documents", "channels"):
            self.fields[name].widget = forms.CheckboxSelectMultiple(choices=self.fields[name].choices)  # type: ignore[attr-defined]


@page("administration.view")
def product_list(request):
    products = Product.objects.order_by("-is_active", "code")
    pending = config_change_list(user=request.user, status=ConfigChangeStatus.PENDING, kind="product")
    return render(request, "administration/products.html", {"products": products, "pending": pending})


def _product_page(request, product=None):
    form = ProductScreenForm(request.POST or None, instance=product)
    note = ProposalCommentForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid() and note.is_valid():
        done = propose_from_form(
            request,
            form,
            kind="product",
            target_id=product.pk if product else None,
            comment=note.cleaned_data["comment"],
        )
        if done is not None:
            return done
        status = 403 if getattr(request, "refused", False) else 200
    if product is not None:
        product.refresh_from_db()
    return render(
        request, "administration/product_form.html", {"form": form, "note": note, "obj": product}, status=status
    )


@page("config_change.propose")
def product_new(request):
    return _product_page(request)


@page("config_change.propose")
def product_edit(request, pk):
    return _product_page(request, get_object_or_404(Product, pk=pk))
