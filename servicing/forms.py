from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Frequency, Method
from microloan import fields

from .channels import DISBURSEMENT_CHANNELS, REPAYMENT_CHANNELS
from .models import RestructuringKind, SignMethod


class QuoteForm(forms.Form):
    principal = fields.DecimalFormField(label=_("Principal"), max_digits=18, decimal_places=2, min_value=0)
    annual_rate = fields.DecimalFormField(
        label=_("Annual rate (0.18 = 18%)"), max_digits=9, decimal_places=6, min_value=0
    )
    term = fields.IntegerFormField(label=_("Term (periods)"), min_value=1, max_value=600)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial="monthly")
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices)
    disbursement_date = fields.DateFormField(label=_("Disbursement date"), required=False)
    fee = fields.DecimalFormField(
        label=_("Upfront fee"), max_digits=18, decimal_places=2, min_value=0, initial=0, required=False
    )
    grace_periods = fields.IntegerFormField(label=_("Grace periods"), min_value=0, initial=0, required=False)


class ContractForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")])


class SignForm(forms.Form):
    method = forms.ChoiceField(label=_("Signed"), choices=SignMethod.choices)


class DisburseForm(forms.Form):
    """The maker's half of a disbursement: the payment, and for each of the approval's
    conditions (``conditions``) the accepted document (of ``documents``) that shows it met."""

    disbursed_on = fields.DateFormField(label=_("Disbursed on"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=DISBURSEMENT_CHANNELS,
    )
    beneficiary_account = forms.CharField(
        label=_("Beneficiary account"),
        required=False,
        max_length=40,
        help_text=_("The borrower's account the money is paid into (not for cash)."),
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)

    def __init__(self, *args, conditions=(), documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.conditions = list(conditions)
        choices = [("", "—")] + [(d.pk, f"{d.get_kind_display()} #{d.pk} {d.original_name}") for d in documents]
        for n, text in enumerate(self.conditions, start=1):
            self.fields[f"condition_{n}"] = forms.TypedChoiceField(
                label=_("Condition %(n)d met: %(c)s") % {"n": n, "c": text}, choices=choices, coerce=int
            )
            self.fields[f"note_{n}"] = forms.CharField(label=_("Note"), required=False, max_length=500)

    def service_data(self) -> dict:
        """The keywords of ``disbursement_prepare``."""
        data = {k: self.cleaned_data[k] for k in ("disbursed_on", "channel", "beneficiary_account", "reference")}
        data["conditions_met"] = [
            {"number": n, "document": self.cleaned_data[f"condition_{n}"], "note": self.cleaned_data[f"note_{n}"]}
            for n in range(1, len(self.conditions) + 1)
        ]
        return data


class ReleaseForm(forms.Form):
    """The checker's release: nothing to enter, every fact was prepared."""


class RepaymentForm(forms.Form):
    amount = fields.DecimalFormField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    paid_on = fields.DateFormField(label=_("Paid on"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=REPAYMENT_CHANNELS,
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class PayoffForm(forms.Form):
    date = fields.DateFormField(label=_("Payoff date"))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class RestructuringForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of restructuring"),
        choices=RestructuringKind.choices,
        help_text=_(
            "Deferral and extension take the periods; interest reduction the new annual rate; "
            "deferral of overdue instalments moves them to the end of the schedule."
        ),
    )
    cause = forms.ChoiceField(label=_("Cause"), choices=[("hardship", _("Hardship")), ("disaster", _("Disaster"))])
    periods = fields.IntegerFormField(label=_("Periods"), min_value=0, max_value=60, initial=0, required=False)
    new_rate = fields.DecimalFormField(
        label=_("New annual rate"), max_digits=7, decimal_places=4, min_value=0, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)
