"""Forms of the customer-service screens. They check shapes only; the rules are in care/services/."""

from django import forms
from django.utils.translation import gettext_lazy as _

from microloan import fields

from .models import ComplaintCategory, ComplaintChannel, ReviewRecommendation, VisitMethod

DATE = fields.DateInput()


class ComplaintForm(forms.Form):
    borrower = forms.CharField(label=_("Borrower (resident ID number or customer no.)"), max_length=18)
    loan = fields.IntegerFormField(label=_("Loan no. (optional)"), required=False, min_value=1)
    channel = forms.ChoiceField(label=_("Received by"), choices=ComplaintChannel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    received_on = fields.DateFormField(label=_("Received on"), widget=DATE)
    description = forms.CharField(
        label=_("What the borrower says"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} · {u.get_role_display()}"
        )


class ScheduleVisitForm(forms.Form):
    scheduled_on = fields.DateFormField(label=_("Visit or call on"), widget=DATE)
    officer = forms.ModelChoiceField(label=_("Officer"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class VisitCompleteForm(forms.Form):
    visited_on = fields.DateFormField(label=_("Visited on"), widget=DATE)
    method = forms.ChoiceField(label=_("How"), choices=VisitMethod.choices)
    purpose_verified = forms.NullBooleanField(
        label=_("Funds used for the stated purpose"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    findings = forms.CharField(label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class ReviewCompleteForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=ReviewRecommendation.choices)
    findings = forms.CharField(label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
