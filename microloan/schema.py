"""The API schema's generator: drf-spectacular's, reading the permission table."""

from drf_spectacular.openapi import AutoSchema

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
