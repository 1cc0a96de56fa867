from django import forms
from django.utils.translation import gettext_lazy as _

from ..fields import IntegerFormField, model_formfield
from .models import Holiday, HolidayKind


class HolidayForm(forms.ModelForm):
    """One calendar day as a configuration change proposes it: a public holiday (a weekend day
    of a holiday run may be listed too: a due date on it is graced to the first working day
    after the run), or a make-up working day, which falls on a weekend."""

    class Meta:
        model = Holiday
        fields = ["date", "kind", "name", "region"]
        formfield_callback = model_formfield

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")  # type: ignore[union-attr]
        if day is not None and kind == HolidayKind.WORKING_DAY and day.weekday() < 5:
            self.add_error("date", _("A make-up working day falls on a Saturday or a Sunday."))
        region = data.get("region") or ""  # type: ignore[union-attr]
        if day is not None and Holiday.objects.filter(date=day, region=region).exclude(pk=self.instance.pk).exists():
            # on the date (not the whole form): the unique constraint then is not checked again
            self.add_error("date", _("The calendar already has this date for this region."))
        return data


class HolidayProposeForm(HolidayForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class YearForm(forms.Form):
    year = IntegerFormField(label=_("Year"), min_value=2000, max_value=2200, required=False)
    region = forms.CharField(label=_("Region"), required=False, max_length=40)
