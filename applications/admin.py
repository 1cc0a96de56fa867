from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from microloan.config.admin import ProposeInsteadAdmin
from microloan.pii import FIELDS, mask

from .forms import ProductForm
from .models import Application, Borrower, Document, Lead, Product


# Saving proposes a configuration change another administrator applies (microloan.config); a
# product is retired (is_active off), never deleted.
@admin.register(Product)
class ProductAdmin(ProposeInsteadAdmin, admin.ModelAdmin):
    config_kind = "product"
    form = ProductForm
    list_display = ("code", "name", "category", "min_amount", "max_amount", "min_term", "max_term", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False


# The personal fields (microloan/pii.py) are not the system administrator's to see: the
# admin lists them masked and leaves them out of the form (the KYC is the officers' pages).
@admin.register(Borrower)
class BorrowerAdmin(admin.ModelAdmin):
    list_display = ("full_name", "masked_id_number", "masked_mobile", "segment", "branch")
    exclude = FIELDS

    def has_add_permission(self, request):
        return False  # borrowers are registered through the services (the officer's page, the API)

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj):
        return mask("id_number", obj.id_number)

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask("mobile", obj.mobile)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_mobile", "channel", "status", "branch")
    exclude = ("mobile",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask("mobile", obj.mobile)


admin.site.register(Application)
admin.site.register(Document)
