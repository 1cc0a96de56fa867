from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan import fields
from microloan.fields import model_formfield

from .charges import CHARGE_FIELDS
from .models import Borrower, ConsentPurpose, DocumentKind, Frequency, Lead, Method, Product, SalesChannel
from .services import BORROWER_DETAILS


class BorrowerForm(forms.ModelForm):
    class Meta:
        model = Borrower
        fields = ["full_name", "id_number", *BORROWER_DETAILS, "language"]
        formfield_callback = model_formfield

    def validate_unique(self):
        pass  # the service decides uniqueness and says so on id_number


class ApplicationForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.filter(is_active=True))
    amount = fields.DecimalFormField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    term = fields.IntegerFormField(label=_("Term (periods)"), min_value=1, max_value=600)
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial="monthly")
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document kind"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))


class ConsentForm(forms.Form):
    """A borrower's signed consent (授权书) as the officer captures it: the scan and its terms."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted_on = fields.DateFormField(label=_("Granted on"))
    expires_on = fields.DateFormField(label=_("Expires on"), required=False)
    file = forms.FileField(label=_("Signed consent"))


class ConsentRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class DocumentReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accepted", _("Accept")), ("rejected", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ["name", "mobile", "channel", "partner", "interest_amount", "notes"]
        formfield_callback = model_formfield


class LeadConvertForm(BorrowerForm):
    """What converting a lead needs: the borrower it becomes (or the one with that ID number)."""


class ProductForm(forms.ModelForm):
    """A product's every attribute, the one form of its validation: the configuration
    change's ``product`` kind (applications/configkinds.py) and the Django admin use it."""

    methods = forms.MultipleChoiceField(label=_("Repayment methods"), choices=Method.choices)
    frequencies = forms.MultipleChoiceField(label=_("Frequencies"), choices=Frequency.choices)
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"), choices=DocumentKind.choices, required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=SalesChannel.choices, required=False, help_text=_("None: every channel.")
    )

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "name_en",
            "category",
            "min_amount",
            "max_amount",
            "min_term",
            "max_term",
            "min_rate",
            "max_rate",
            "methods",
            "frequencies",
            "guarantee_type",
            "required_documents",
            "fee_rate",
            "fee_fixed",
            "penalty_rate",
            "grace_days",
            "channels",
            "prepayment_mode",
            "due_date_rule",
            "day_count",
            "grace_periods",
            "late_fee_fixed",
            "late_fee_rate",
            "service_fee",
            "insurance_fee",
            "prepayment_fee_rate",
            "min_age",
            "max_age",
            "is_active",
        ]
        formfield_callback = model_formfield

    # The calendar settings (#12) may be left out: a product made or changed without them keeps
    # what it has (a new one: the defaults).
    OPTIONAL = ("due_date_rule", "day_count", "grace_periods")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # optional: a product without charges leaves them out
        for name in (*self.OPTIONAL, *CHARGE_FIELDS):
            self.fields[name].required = False

    def _kept(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_due_date_rule(self):
        return self._kept("due_date_rule")

    def clean_day_count(self):
        return self._kept("day_count")

    def clean_grace_periods(self):
        return self._kept("grace_periods")

    def clean(self):
        data = super().clean()
        for name in CHARGE_FIELDS:
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal("0")
        return data
