from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "microloan"
    verbose_name = _("Kernel")

    def ready(self):
        from . import policy  # noqa: F401 - registers the policy's system check
