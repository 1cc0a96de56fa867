"""REST API of the in-app notifications (API.md: ``GET /api/v1/me/notifications/``).

Wired in ``microloan/urls.py`` under ``api/v1/``::

    path("me/notifications/", MyNotificationsView.as_view(), name="my-notifications"),
    path("me/notifications/<int:pk>/read/", MyNotificationReadView.as_view(), name="my-notification-read"),
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import fields
from ..api import ScopedQueryset
from .models import Notification
from .selectors import inbox_for
from .services import notification_mark_read


class NotificationOutputSerializer(fields.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "created_at", "read_at"]
        read_only_fields = fields


class MyNotificationsView(ScopedQueryset, generics.ListAPIView):
    """The signed-in user's own in-app notifications (repayment reminders and the like),
    newest first, paginated. Only messages already delivered are listed: one held back by
    the quiet hours appears when they end."""

    permission_action = "notification.own"
    serializer_class = NotificationOutputSerializer
    queryset = Notification.objects.none()  # for the schema; the real one is per user

    def scoped_queryset(self):
        return inbox_for(user=self.request.user)


class MyNotificationReadView(APIView):
    """Marks one of the signed-in user's own in-app notifications read; another user's
    notification is a 404. Repeating it keeps the first reading time."""

    permission_action = "notification.own"

    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request, pk: int):
        n = notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationOutputSerializer(n).data)
