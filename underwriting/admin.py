"""Administrators change lending policy here: authority limits, the committee and the
scorecard. Nothing is saved here: every add, change or delete is proposed as a configuration
change another administrator applies (microloan.config, ``/config/changes/``). A scorecard is
never edited in place: a proposal publishes a new version when applied."""

import json

from django.contrib import admin

from microloan.config.admin import ProposeInsteadAdmin

from . import services
from .forms import AuthorityLimitForm, CommitteeMemberForm, ScorecardForm
from .models import AuthorityLimit, CommitteeMember, CreditRecord, Scorecard


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(ProposeInsteadAdmin, admin.ModelAdmin):
    config_kind = "authority_limit"
    form = AuthorityLimitForm
    list_display = ("role", "branch", "max_amount")
    list_filter = ("role",)


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ProposeInsteadAdmin, admin.ModelAdmin):
    config_kind = "committee_member"
    form = CommitteeMemberForm
    list_display = ("user",)

    def has_change_permission(self, request, obj=None):
        return obj is None  # a member joins or leaves; nothing of a membership changes


@admin.register(Scorecard)
class ScorecardAdmin(ProposeInsteadAdmin, admin.ModelAdmin):
    config_kind = "scorecard"
    form = ScorecardForm
    list_display = ("version", "is_active", "note", "created_by", "created_at")

    def get_changeform_initial_data(self, request):
        current = services.scorecard_active()
        return {"config": json.dumps(current.config), "note": f"based on v{current.version}"}

    def has_change_permission(self, request, obj=None):
        return obj is None  # existing versions are history: read them, copy them, never change them

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(CreditRecord)
