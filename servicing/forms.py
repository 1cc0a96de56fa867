from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Frequency, Method
from microloan import fields

from .models import RestructuringKind, SignMethod


class QuoteForm(forms.Form):
    principal = fields.DecimalFormField(label=_("Principal"), max_digits=18, decimal_places=2, min_value=0)
    annual_rate = fields.DecimalFormField(
        label=_("Annual rate (0.18 = 18%)"), max_digits=9, decimal_places=6, min_value=0
    )
    term = fields.IntegerFormField(label=_("Term (periods)"), min_value=1, max_value=600)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial="monthly")
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices)
    disbursement_date = fields.DateFormField(
        label=_("Disbursement date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    fee = fields.DecimalFormField(
        label=_("Upfront fee"), max_digits=18, decimal_places=2, min_value=0, initial=0, required=False
    )
    grace_periods = fields.IntegerFormField(label=_("Grace periods"), min_value=0, initial=0, required=False)


class ContractForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")])


class SignForm(forms.Form):
    method = forms.ChoiceField(label=_("Signed"), choices=SignMethod.choices)


class DisburseForm(forms.Form):
    disbursed_on = fields.DateFormField(label=_("Disbursed on"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("bank_transfer", _("Bank transfer")), ("cash", _("Cash")), ("wallet", _("Mobile wallet"))],
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class RepaymentForm(forms.Form):
    amount = fields.DecimalFormField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = fields.DateFormField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            ("cash", _("Cash")),
            ("transfer", _("Bank transfer")),
            ("pos", _("POS")),
            ("wallet", _("Mobile wallet")),
        ],
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class RestructuringForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RestructuringKind.choices)
    cause = forms.ChoiceField(label=_("Cause"), choices=[("hardship", _("Hardship")), ("disaster", _("Disaster"))])
    periods = fields.IntegerFormField(label=_("Periods"), min_value=0, max_value=60, initial=0, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=2000)
