"""The API schema's generator: drf-spectacular's, reading the permission table, declaring the
bodies the server really reads and the headers the views honour. Its postprocessing hook
(``microloan.schema_hooks``) documents every operation's error answers."""

from drf_spectacular.openapi import AutoSchema
from rest_framework.parsers import MultiPartParser
from rest_framework.settings import api_settings

from .idempotency import IDEMPOTENCY_KEY_PARAMETER
from .permissions import entry, view_action


class TableAutoSchema(AutoSchema):
    """drf-spectacular's schema, told which operations the table opens without a login (it
    marks them with an empty security requirement, as it does for ``AllowAny``)."""

    def get_auth(self):
        auths = super().get_auth()
        action = view_action(self.view, self.view.request)
        if action is not None and entry(action).anonymous and {} not in auths:
            auths.append({})
        return auths

    def map_parsers(self):
        """JSON bodies only: the default parsers also read forms (for the browsable API and
        old clients), but a generated client given three body types picks the first one and
        sends JSON as multipart. A view that names its own parsers with multipart in them
        takes uploads: its body is multipart only."""
        classes = list(self.view.parser_classes)
        if classes != list(api_settings.DEFAULT_PARSER_CLASSES) and any(  # type: ignore[comparison-overlap]
            issubclass(c, MultiPartParser) for c in classes
        ):
            return ["multipart/form-data"]
        return ["application/json"]

    def _view_method(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if getattr(self._view_method(), "idempotent", False) and not any(
            getattr(p, "name", None) == IDEMPOTENCY_KEY_PARAMETER.name for p in params
        ):
            params.append(IDEMPOTENCY_KEY_PARAMETER)
        return params
