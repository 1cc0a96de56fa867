from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicingConfig(AppConfig):
    name = "servicing"
    verbose_name = _("Servicing")

    def ready(self):
        from applications.export import register_section
        from underwriting.limits import OUTSTANDING_PROVIDERS

        from . import (
            calendar,  # noqa: F401 - keeps the instalments' grace dates when the calendar changes
            channels,  # noqa: F401 - registers the channels' words (microloan/labels.py)
        )
        from .selectors import borrower_export_loans, borrower_outstanding_principal

        if borrower_outstanding_principal not in OUTSTANDING_PROVIDERS:
            OUTSTANDING_PROVIDERS.append(borrower_outstanding_principal)
        register_section("loans", borrower_export_loans)

        from applications.services import register_eraser

        from .services import contracts_erase

        register_eraser("servicing", contracts_erase)
