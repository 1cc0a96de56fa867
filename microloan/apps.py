from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "microloan"
    verbose_name = _("Kernel")

    def ready(self) -> None:
        # The Celery app, so that every ``.delay()`` of the web process goes to the broker the
        # settings name (``microloan/__init__.py`` no longer imports it: see its docstring).
        from . import (
            celery,  # noqa: F401
            logins,  # noqa: F401 - connects the login audit receivers
            policy,  # noqa: F401 - registers the policy's system check
        )
        from .config import workflow  # noqa: F401 - the configuration change's transition table
        from .config.policykind import PolicyKind
        from .config.registry import register

        register(PolicyKind())  # policy settings as a kind of configuration change
        from .holidays.kind import HolidayConfigKind

        register(HolidayConfigKind())  # the holiday calendar, changed by proposals too
        from .administration.kinds import BranchKind, StaffKind

        register(BranchKind())  # the branch tree
        register(StaffKind())  # staff logins
