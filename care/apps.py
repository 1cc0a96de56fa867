from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Customer service")

    def ready(self):
        from applications.export import register_section

        from .selectors import borrower_export_complaints

        register_section("complaints", borrower_export_complaints)

        from applications.services import register_eraser

        from .services.erasure import care_erase

        register_eraser("care", care_erase)
