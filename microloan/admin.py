from django import forms
from django.contrib import admin
from django.contrib.auth import user_login_failed
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from . import twofactor
from .config.admin import propose
from .config.registry import UPDATE, json_safe
from .models import AuditEvent, Branch, BusinessCalendar, User


class AdminLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login: the user's authenticator is taken when none is chosen, and a
    wrong code counts as a failed login (django-axes' lockout, the audit trail)."""

    def _chosen_device(self, user):
        return super()._chosen_device(user) or twofactor.confirmed_device(user)

    def clean_otp(self, user):
        try:
            super().clean_otp(user)
        except forms.ValidationError:
            if user is not None and self.cleaned_data.get("otp_token"):
                credentials = {"username": user.get_username(), "microloan_step": "otp"}
                user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            raise


class AdminSite(OTPAdminSite):
    login_form = AdminLoginForm


# The Django admin asks for the authenticator's code at its login and admits only a session
# verified by one (django-otp); it lives on settings.MICROLOAN_ADMIN_PATH (microloan/urls.py).
admin.site.__class__ = AdminSite


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "branch", "approval_limit", "is_active")
    list_filter = ("role", "branch")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Microloan", {"fields": ("role", "branch", "language", "approval_limit")}),
    )

    def save_model(self, request, obj, form, change):
        """A changed approval limit is proposed (kind ``approval_limit``, applied by another
        administrator), not saved; the rest of the user is saved as before."""
        if change and "approval_limit" in form.changed_data:
            proposed = form.cleaned_data.get("approval_limit")
            obj.approval_limit = User.objects.values_list("approval_limit", flat=True).get(pk=obj.pk)
            propose(
                request,
                kind="approval_limit",
                operation=UPDATE,
                target_id=obj.pk,
                payload={"approval_limit": json_safe(proposed)},
            )
        super().save_model(request, obj, form, change)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "region", "path")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "entity", "entity_id", "action", "from_state", "to_state")
    list_filter = ("entity", "action")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(BusinessCalendar)
