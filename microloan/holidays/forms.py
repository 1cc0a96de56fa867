from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import IntegerFormField, model_formfield
from .models import Holiday, HolidayKind


class HolidayForm(forms.ModelForm):
    """One calendar day as a configuration change proposes it: a public holiday falls on a
    weekday, a make-up working day on a weekend (anything else changes nothing)."""

    class Meta:
        model = Holiday
        fields = ["date", "kind", "name", "region"]
        formfield_callback = model_formfield

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")
        if day is not None and kind == HolidayKind.WORKING_DAY and day.weekday() < 5:
            self.add_error("date", _("A make-up working day falls on a Saturday or a Sunday."))
        if day is not None and kind == HolidayKind.HOLIDAY and day.weekday() >= 5:
            self.add_error("date", _("A weekend day is not a working day anyway: a holiday falls on a weekday."))
        return data


class HolidayProposeForm(HolidayForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class YearForm(forms.Form):
    year = IntegerFormField(label=_("Year"), min_value=2000, max_value=2200, required=False)
    region = forms.CharField(label=_("Region"), required=False, max_length=40)
