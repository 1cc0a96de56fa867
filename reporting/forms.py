"""The report filters: a branch of the user's tree, a product, a loan officer, a date range and
a period, each report asking only for the ones it uses."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Product
from microloan import fields
from microloan.models import Branch, Role, User
from microloan.scoping import branch_q

DAY_PERIOD_MAX_DAYS = 366
RANGE_MAX_DAYS = 3660


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full = f"{obj.last_name}{obj.first_name}".strip()
        return f"{full} ({obj.username})" if full else obj.username


def _any_of(model, label, everything, field_class=forms.ModelChoiceField) -> forms.ModelChoiceField:
    """An optional choice of a ``model`` row, empty meaning ``everything`` (the rows the user
    may choose are set in ``ReportFilterForm.__init__``)."""
    return field_class(label=label, queryset=model.objects.none(), required=False, empty_label=everything)


def _day(label) -> fields.DateFormField:
    return fields.DateFormField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=fields.DateInput(),
    )


class ReportFilterForm(forms.Form):
    branch = _any_of(Branch, gettext_lazy("Branch"), gettext_lazy("All branches"))
    product = _any_of(Product, gettext_lazy("Product"), gettext_lazy("All products"))
    officer = _any_of(User, gettext_lazy("Loan officer"), gettext_lazy("All officers"), OfficerChoice)
    date_from = _day(gettext_lazy("From date"))
    date_to = _day(gettext_lazy("To date"))
    period = forms.ChoiceField(
        label=gettext_lazy("Per"),
        required=False,
        choices=[("day", gettext_lazy("Day")), ("month", gettext_lazy("Month"))],
    )

    def __init__(self, data=None, *, user, fields: tuple[str, ...], initial=None):
        super().__init__(data, initial=initial)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "branch" in self.fields:
            if user.branch_id:
                branches = user.branch.subtree()
            else:
                branches = Branch.objects.all() if user.is_superuser else Branch.objects.none()
            self.fields["branch"].queryset = branches.order_by("path")
        if "product" in self.fields:
            self.fields["product"].queryset = Product.objects.order_by("code")
        if "officer" in self.fields:
            self.fields["officer"].queryset = (
                User.objects.filter(branch_q(user))
                .filter(Q(role=Role.OFFICER) | Q(loans__isnull=False))
                .distinct()
                .order_by("username")
            )

    def clean(self):
        data = super().clean()
        if "date_from" not in self.fields:
            return data
        # A date left empty is its default, so one far-off date alone is checked as a range too.
        end = data.get("date_to") or self.initial.get("date_to")
        start = data.get("date_from") or self.initial.get("date_from")
        if start and end and not data.get("date_from"):
            start = min(start, end)
        # (A far-off date never gets here: the date fields keep to 1900-2100, microloan/fields.py,
        # so the flow reports' step of a day or a month past the range cannot overflow.)
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (end - start).days >= RANGE_MAX_DAYS:
                self.add_error("date_from", _("At most %(n)d days.") % {"n": RANGE_MAX_DAYS})
            elif data.get("period") != "month" and (end - start).days >= DAY_PERIOD_MAX_DAYS:
                self.add_error(
                    "period", _("Per day covers at most %(n)d days; choose per month.") % {"n": DAY_PERIOD_MAX_DAYS}
                )
        return data
