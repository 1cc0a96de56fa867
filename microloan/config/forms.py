from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConfigChangeStatus


class ChangeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *ConfigChangeStatus.choices], required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))], required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *kinds]


class DecideForm(forms.Form):
    """A move on a pending change: apply, reject (with a reason) or withdraw."""

    step = forms.ChoiceField(choices=[("apply", "apply"), ("reject", "reject"), ("withdraw", "withdraw")])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)
