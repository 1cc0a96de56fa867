from django.contrib import admin

from .models import Application, Borrower, Document, Lead, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "min_amount", "max_amount", "min_term", "max_term", "is_active")


admin.site.register(Borrower)
admin.site.register(Lead)
admin.site.register(Application)
admin.site.register(Document)
