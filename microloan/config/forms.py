from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConfigChangeStatus


class ChangeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *ConfigChangeStatus.choices], required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))], required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All")), *kinds]


class DecideForm(forms.Form):
    """A move on a pending change: apply, reject (with a reason) or withdraw."""

    step = forms.ChoiceField(choices=[("apply", "apply"), ("reject", "reject"), ("withdraw", "withdraw")])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class PolicyChangeForm(forms.Form):
    """One policy setting's key, proposed at a new value or back to the settings' value."""

    key = forms.ChoiceField(label=_("Setting"))
    value = forms.CharField(
        label=_("New value"),
        required=False,
        max_length=4000,
        help_text=_("As the setting takes it: 0.20, 5, 08:00, or JSON for a list or a table."),
    )
    reset = forms.BooleanField(label=_("Back to the installation's setting"), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(f"{s}:{k}", f"{s} {k}") for s, k in keys]

    def clean(self):
        data = super().clean() or {}
        if not data.get("reset") and not (data.get("value") or "").strip():
            self.add_error("value", _("Give the new value, or choose to go back to the setting."))
        return data

    def payload(self) -> dict:
        """The proposal's payload: a list or a table written in JSON is read as JSON; anything
        else stays text, which the policy's reader converts (so 0.20 stays exact)."""
        import json

        setting, key = self.cleaned_data["key"].split(":", 1)
        if self.cleaned_data["reset"]:
            return {"setting": setting, "key": key, "value": None}
        text = self.cleaned_data["value"].strip()
        value = text
        if text[:1] in "[{":
            try:
                value = json.loads(text)
            except ValueError:
                pass
        return {"setting": setting, "key": key, "value": value}
