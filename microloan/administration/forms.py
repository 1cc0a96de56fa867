"""The forms of the kernel's kinds (the one home of their validation: the proposal's and the
apply's) and of the administration screens."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..fields import model_formfield
from ..models import STAFF_ROLES, Branch, Role, User


class BranchForm(forms.ModelForm):
    """A branch of the tree: created under a parent, renamed, moved (a new parent: its subtree
    moves with it, ``Branch.save``), given a holiday region and a time zone."""

    class Meta:
        model = Branch
        fields = ["code", "name", "parent", "region", "timezone"]
        formfield_callback = model_formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = Branch.objects.order_by("path")
        parent.empty_label = str(_("(the top of the tree)"))
        parent.label_from_instance = lambda obj: f"{'· ' * max(obj.path.count('/') - 2, 0)}{obj}"  # type: ignore[method-assign]

    def clean_timezone(self):
        zone = self.cleaned_data.get("timezone") or ""
        if zone not in available_timezones():
            raise forms.ValidationError(_("Not a time zone: write it as Asia/Shanghai."))
        return zone

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if not code:
            raise forms.ValidationError(_("This field is required."))
        return code

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        me = self.instance
        if parent is not None and me.pk:
            if parent.pk == me.pk:
                raise forms.ValidationError(_("A branch cannot be its own parent."))
            if me.path and parent.path.startswith(me.path):
                raise forms.ValidationError(_("A branch cannot move under one of its own branches."))
        return parent


STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]


class StaffForm(forms.ModelForm):
    """A staff member's login: name, role (a staff role; never a borrower), branch, language and
    whether the login is active. ``reset_password`` and ``reset_two_factor`` are moves the
    apply makes (a temporary password shown once to the administrator who applies; the
    authenticator removed, enrolled again at the next login)."""

    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    reset_password = forms.BooleanField(label=_("Reset the password"), required=False)
    reset_two_factor = forms.BooleanField(label=_("Reset two-factor authentication"), required=False)
    ACTIONS = ("reset_password", "reset_two_factor")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "branch", "language", "is_active"]
        formfield_callback = model_formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        branch = self.fields["branch"]
        assert isinstance(branch, forms.ModelChoiceField)
        branch.queryset = Branch.objects.order_by("path")
        branch.required = True
        self.fields["language"] = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
        self.fields["is_active"].label = _("Active (may log in)")

    def clean(self):
        data = super().clean() or {}
        from .kinds import administrators_left

        if self.instance.pk and self.instance.role == Role.ADMIN:
            leaving = data.get("role", self.instance.role) != Role.ADMIN or not data.get("is_active", True)
            if leaving and administrators_left(without=self.instance.pk) < 2:
                self.add_error(
                    "role" if data.get("role") != Role.ADMIN else "is_active",
                    _("Two active administrators must remain: one proposes, the other applies."),
                )
        return data


class ProposalCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
