"""The hand-over form the loan's and the case's pages share (microloan/assignment.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class HandOverForm(forms.Form):
    holder = forms.TypedChoiceField(label=_("Hand over to"), coerce=int, choices=())
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, holders, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        holder = self.fields["holder"]
        assert isinstance(holder, forms.TypedChoiceField)
        holder.choices = [
            (u.pk, f"{u.get_full_name() or u.username} ({u.username} · {u.branch.name})")
            for u in holders
            if current is None or u.pk != current.pk
        ]
