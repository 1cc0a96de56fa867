from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Intake and documents")

    def ready(self):
        # The scanner's system check (manage.py check) registers on import.
        from .documents import scanning  # noqa: F401
