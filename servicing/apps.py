from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicingConfig(AppConfig):
    name = "servicing"
    verbose_name = _("Servicing")

    def ready(self):
        from underwriting.limits import OUTSTANDING_PROVIDERS

        from .selectors import borrower_outstanding_principal

        if borrower_outstanding_principal not in OUTSTANDING_PROVIDERS:
            OUTSTANDING_PROVIDERS.append(borrower_outstanding_principal)
