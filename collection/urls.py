from django.urls import path

from . import reassign_views, sandbox_views, views

urlpatterns = [
    path("collections/", views.worklist, name="collection-worklist"),
    path("collections/<int:pk>/", views.case_detail, name="collection-case"),
    path("collections/<int:pk>/reassign/", reassign_views.case_reassign_page, name="collection-case-reassign"),
    path("recoveries/", views.recovery_queue, name="recovery-queue"),
    path("recoveries/<int:pk>/decision/", views.recovery_decision, name="recovery-decision"),
    path("collections/<int:pk>/contacts/reveal/", views.case_reveal_contacts, name="collection-case-reveal"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("sandbox/advance/", views.sandbox_advance, name="sandbox-advance"),
    path("sandbox/messages/", sandbox_views.sms_inbox, name="sandbox-messages"),
    path("sandbox/pay/<str:token>/", sandbox_views.SandboxPayView.as_view(), name="sandbox-pay"),
]
