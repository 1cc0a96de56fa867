"""The collector's forms: a contact, a promise to pay, a write-off proposal, a recovery and
its confirmation or return; the sandbox's day advance."""

from django import forms
from django.utils.translation import gettext_lazy

from microloan import fields

from .case_models import CONTACT_OUTCOMES, CONTACT_PARTIES, ContactChannel, RecoveryChannel
from .services.sandbox import MAX_DAYS


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ContactChannel.choices)
    party = forms.ChoiceField(
        label=gettext_lazy("Contacted party"),
        choices=CONTACT_PARTIES,
    )
    party_name = forms.CharField(label=gettext_lazy("Name (guarantor)"), required=False, max_length=100)
    connected = forms.BooleanField(label=gettext_lazy("Connected"), required=False)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", "—"), *CONTACT_OUTCOMES],
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PromiseForm(forms.Form):
    amount = fields.DecimalFormField(label=gettext_lazy("Amount"), max_digits=18, decimal_places=2)
    promised_on = fields.DateFormField(label=gettext_lazy("Promised for"))


class WriteOffForm(forms.Form):
    # Empty passes here: the service says why it needs one ("Say why."), for the API too.
    reason = forms.CharField(required=False)


class WriteOffDecisionForm(forms.Form):
    write_off = fields.IntegerFormField()
    action = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = forms.CharField(required=False)


class RecoveryForm(forms.Form):
    amount = fields.DecimalFormField(label=gettext_lazy("Amount"), max_digits=18, decimal_places=2)
    received_on = fields.DateFormField(label=gettext_lazy("Received on"))
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=RecoveryChannel.choices)
    reference = forms.CharField(label=gettext_lazy("Reference"), required=False, max_length=100)


class RecoveryDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("return", "return")])
    # Empty passes here: the table says a return needs a reason ("A reason is required."), for
    # the API too.
    reason = forms.CharField(required=False, max_length=2000)


class SandboxAdvanceForm(forms.Form):
    # How many days at once (blank: one); the service keeps it between 1 and its maximum too.
    days = fields.IntegerFormField(label=gettext_lazy("Days"), required=False, min_value=1, max_value=MAX_DAYS)
