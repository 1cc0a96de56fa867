from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    # Named collection, not collections: a top-level "collections" package would shadow
    # Python's standard library module of that name.
    name = "collection"
    verbose_name = _("Overdue handling and collections")

    def ready(self):
        # A channel's payment on a written-off loan is a recovery (servicing may not import us).
        from servicing.repayments.callbacks import WRITTEN_OFF_RECEIVERS

        from .services.recovery_callbacks import recovery_from_channel

        if recovery_from_channel not in WRITTEN_OFF_RECEIVERS:
            WRITTEN_OFF_RECEIVERS.append(recovery_from_channel)
