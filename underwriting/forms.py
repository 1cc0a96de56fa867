from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Product
from microloan import fields
from microloan.fields import model_formfield
from microloan.models import Role, User

from . import scoring
from .models import AuthorityLimit, CommitteeMember, DecisionKind, Opinion, ReasonCode, Scorecard, WorstStatus

MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": 0}


class InvestigationForm(forms.Form):
    visited_on = fields.DateFormField(label=_("Visited on"))
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    purpose_verified = forms.BooleanField(label=_("Purpose verified"), required=False)
    business_observations = forms.CharField(
        label=_("Business observations"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssessmentForm(forms.Form):
    monthly_income = fields.DecimalFormField(label=_("Monthly income"), **MONEY)
    monthly_expenses = fields.DecimalFormField(label=_("Monthly expenses"), **MONEY)
    existing_installments = fields.DecimalFormField(label=_("Existing monthly instalments"), **MONEY)
    overdue_count_24m = fields.IntegerFormField(label=_("Overdue count, last 24 months"), min_value=0, max_value=999)
    worst_status_24m = forms.ChoiceField(label=_("Worst status, last 24 months"), choices=WorstStatus.choices)
    current_debt = fields.DecimalFormField(label=_("Current debt"), **MONEY)
    inquiries_6m = fields.IntegerFormField(label=_("Inquiries, last 6 months"), min_value=0, max_value=999)


class ReviewForm(forms.Form):
    opinion = forms.ChoiceField(label=_("Opinion"), choices=Opinion.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices)
    approved_amount = fields.DecimalFormField(label=_("Approved amount"), required=False, **MONEY)
    approved_term = fields.IntegerFormField(label=_("Approved term"), required=False, min_value=1, max_value=600)
    approved_rate = fields.DecimalFormField(
        label=_("Approved annual rate"), required=False, max_digits=9, decimal_places=6, min_value=0
    )
    approved_grace_periods = fields.IntegerFormField(
        label=_("Approved grace periods (interest only)"),
        required=False,
        min_value=0,
        max_value=599,
        help_text=_("Empty: the product's."),
    )
    conditions = forms.CharField(label=_("Conditions"), required=False, max_length=5000)
    reason_code = forms.ChoiceField(label=_("Reason code"), required=False, choices=[("", "—"), *ReasonCode.choices])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


GRADES = [("", _("Any grade")), *[(g, g) for g in "ABCDE"]]
SORTS = [
    ("age", _("Oldest first")),
    ("-amount", _("Largest amount")),
    ("amount", _("Smallest amount")),
    ("grade", _("Best grade")),
    ("-score", _("Highest score")),
]


class QueueFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label=_("Any product")
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=GRADES, required=False)
    min_amount = fields.DecimalFormField(label=_("Amount from"), required=False, **MONEY)
    max_amount = fields.DecimalFormField(label=_("Amount to"), required=False, **MONEY)
    min_age_days = fields.IntegerFormField(label=_("Waiting at least (days)"), required=False, min_value=0)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)


class CreditImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: id_number, as_of, overdue_count_24m, worst_status_24m, current_debt, current_installments, "
            "inquiries_6m"
        ),
    )


# --- configuration (proposed and applied through microloan.config; underwriting/configkinds.py)


class AuthorityLimitForm(forms.ModelForm):
    class Meta:
        model = AuthorityLimit
        fields = ["role", "branch", "max_amount"]
        formfield_callback = model_formfield

    def clean_max_amount(self):
        amount = self.cleaned_data["max_amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("An amount of 0 or more."))
        return amount

    def clean(self):
        data = super().clean()
        role, branch = data.get("role"), data.get("branch")
        if role and AuthorityLimit.objects.filter(role=role, branch=branch).exclude(pk=self.instance.pk).exists():
            self.add_error("branch", _("This role already has a limit for this branch: change that one."))
        return data


class CommitteeMemberForm(forms.ModelForm):
    """A member of the credit committee: a staff member who decides (a branch manager)."""

    user = forms.ModelChoiceField(
        label=_("Member"), queryset=User.objects.filter(role=Role.MANAGER, is_active=True).order_by("username")
    )

    class Meta:
        model = CommitteeMember
        fields = ["user"]
        formfield_callback = model_formfield


class ScorecardForm(forms.ModelForm):
    config = forms.JSONField(
        label=_("Scorecard"), help_text=_("Weights, bands, grades and policy. Applying publishes a new version.")
    )

    class Meta:
        model = Scorecard
        fields = ["config", "note"]
        formfield_callback = model_formfield

    def clean_config(self):
        config = self.cleaned_data["config"]
        if not isinstance(config, dict):
            raise forms.ValidationError(_("The scorecard is a JSON object."))
        try:
            scoring.validate_config(config)
        except scoring.ScorecardConfigError as exc:
            raise forms.ValidationError(str(exc)) from None
        return config


class ApprovalLimitForm(forms.Form):
    """A staff member's own approval limit (``User.approval_limit``); empty means none."""

    approval_limit = fields.DecimalFormField(
        label=_("Approval limit"), max_digits=18, decimal_places=2, min_value=0, required=False
    )
