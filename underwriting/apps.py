from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnderwritingConfig(AppConfig):
    name = "underwriting"
    verbose_name = _("Underwriting and approval")

    def ready(self):
        from .configkinds import register_kinds

        register_kinds()  # limits, the committee, the scorecard (microloan.config)

        from applications.export import register_section

        from .selectors import borrower_export_credit_records

        register_section("credit_records", borrower_export_credit_records)

        from applications.services import register_eraser

        from .services.investigation import investigations_erase

        register_eraser("underwriting", investigations_erase)
