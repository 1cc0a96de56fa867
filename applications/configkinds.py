"""Intake's kinds of configuration (microloan.config.registry), registered from
``ApplicationsConfig.ready``: a product is created or changed through a proposal another
administrator applies; it is retired by switching ``is_active`` off, never deleted (its
applications keep it)."""

from django.utils.translation import gettext_lazy as _

from microloan.config.registry import CREATE, UPDATE, ModelFormKind, register


def register_kinds() -> None:
    from .forms import ProductForm

    register(ModelFormKind(name="product", label=_("product"), form_class=ProductForm, operations={CREATE, UPDATE}))
