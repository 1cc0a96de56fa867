from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Intake and documents")

    def ready(self):
        # The scanner's system check (manage.py check) registers on import.
        from .configkinds import register_kinds
        from .documents import scanning  # noqa: F401

        register_kinds()  # the product as a kind of configuration change (microloan.config)
