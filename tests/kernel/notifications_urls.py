"""The project's URLs plus the in-app notification endpoints (the lead wires these into
microloan/urls.py; until then the tests use this urlconf)."""

from django.urls import path

from microloan.notifications.api import MyNotificationReadView, MyNotificationsView
from microloan.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/v1/me/notifications/", MyNotificationsView.as_view(), name="my-notifications"),
    path("api/v1/me/notifications/<int:pk>/read/", MyNotificationReadView.as_view(), name="my-notification-read"),
    *project_urlpatterns,
]
