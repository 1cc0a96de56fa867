from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    # The last app: it reads every other app, and nothing imports it but the URL
    # configuration (tests/kernel/test_project.py checks).
    name = "reporting"
    verbose_name = _("Reports")
