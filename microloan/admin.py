from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Branch, BusinessCalendar, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "branch", "approval_limit", "is_active")
    list_filter = ("role", "branch")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Microloan", {"fields": ("role", "branch", "language", "approval_limit")}),
    )


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "path")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "entity", "entity_id", "action", "from_state", "to_state")
    list_filter = ("entity", "action")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(BusinessCalendar)
