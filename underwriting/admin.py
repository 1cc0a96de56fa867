"""Administrators change lending policy here: authority limits, the committee and the
scorecard. A scorecard is never edited in place: saving publishes a new version."""

import json

from django import forms
from django.contrib import admin, messages

from microloan.errors import DomainError

from . import services
from .models import AuthorityLimit, CommitteeMember, CreditRecord, Scorecard


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "branch", "max_amount")
    list_filter = ("role",)


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ("user",)


class ScorecardForm(forms.ModelForm):
    config = forms.JSONField(help_text="Weights, bands, grades and policy. Saving publishes a new version.")

    class Meta:
        model = Scorecard
        fields = ["config", "note"]


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    form = ScorecardForm
    list_display = ("version", "is_active", "note", "created_by", "created_at")

    def get_changeform_initial_data(self, request):
        current = services.scorecard_active()
        return {"config": json.dumps(current.config), "note": f"based on v{current.version}"}

    def has_change_permission(self, request, obj=None):
        return obj is None  # existing versions are history: read them, copy them, never change them

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            card = services.scorecard_publish(
                actor=request.user, config=form.cleaned_data["config"], note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            raise
        obj.pk, obj.version = card.pk, card.version


admin.site.register(CreditRecord)
