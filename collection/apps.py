from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    # Named collection, not collections: a top-level "collections" package would shadow
    # Python's standard library module of that name.
    name = "collection"
    verbose_name = _("Overdue handling and collections")
